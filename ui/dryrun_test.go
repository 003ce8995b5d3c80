package ui

import (
	"strings"
	"testing"

	"usersync/sync"
)

// planOf signs in, opens file and goes to the dry run, excluding the rows
// with errors.
func planOf(t *testing.T, file string, tgt *memTarget) *driver {
	t.Helper()
	d, _ := loginToPreview(t, file, tgt)
	d.keys("X", "enter")
	d.until("the plan", func(m *Model) bool { return m.screen == ScreenDiff && m.diff.plan != nil && !m.diff.busy })
	return d
}

// rowItem puts the cursor on the row of email and returns its plan row.
func rowItem(t *testing.T, d *driver, email string) int {
	t.Helper()
	for k, it := range d.m.diff.items {
		if it.kind == itemRow && d.m.diff.plan.Rows[it.row].Email == email {
			d.m.diff.cursor = k
			return int(it.row)
		}
	}
	t.Fatalf("no row for %s in the list", email)
	return -1
}

const rolesFile = "First Name,Last Name,Email,Products,Department,Role IDs\n" +
	"Ada,Lovelace,ada@example.edu,scheduling,Mathematics,\"r-1, r-2\"\n" +
	"Barbara,Liskov,barbara@example.edu,curriculum,Computing,\n" +
	"Grace,Hopper,grace@example.edu,scheduling,Navy,r-2\n" +
	"Alan,Turing,alan@example.edu,scheduling,Computing,r-1\n"

func TestDryRunCreateShowsEveryFieldWithRoleNames(t *testing.T) {
	d := planOf(t, writeTemp(t, "users.csv", rolesFile), seededTarget())
	row := rowItem(t, d, "grace@example.edu")
	d.keys("space")
	if !d.m.diff.open[row] {
		t.Fatal("space did not expand a create")
	}
	d.sees("First Name", "Grace", "Last Name", "Hopper", "Department", "Navy", "r-2 Registrar Office")
	// Ada's update names the roles it adds.
	rowItem(t, d, "ada@example.edu")
	d.keys("space")
	d.sees("+ r-1 Faculty", "+ r-2 Registrar Office")
	// The preview names them too.
	d.keys("esc")
	d.m.preview.moveTo(0)
	d.sees("Role IDs: r-1 Faculty, r-2 Registrar Office")
}

func TestDryRunFiltersExpandAllSearchAndLines(t *testing.T) {
	d := planOf(t, writeTemp(t, "users.csv", rolesFile), seededTarget())
	dd := &d.m.diff
	// e expands every row, E collapses them.
	d.keys("e")
	for i := range dd.plan.Rows {
		if len(dd.changesOf(i)) > 0 && !dd.open[i] {
			t.Fatalf("e left row %d closed", i)
		}
	}
	d.sees("barbara@example.edu", "Hopper") // the unchanged group opened, creates' fields shown
	d.keys("E")
	if len(dd.open) != 0 {
		t.Fatal("E left rows open")
	}
	// f: one action at a time.
	d.keys("f")
	if dd.onlyAction != sync.Create {
		t.Fatalf("first action filter %q", dd.onlyAction)
	}
	for _, it := range dd.items {
		if it.action != sync.Create {
			t.Fatalf("the create filter shows a %s", it.action)
		}
	}
	d.sees("showing Create (2 rows shown)")
	d.keys("f")
	if dd.onlyAction != sync.Update {
		t.Fatalf("second action filter %q", dd.onlyAction)
	}
	d.keys("f", "f")
	if dd.onlyAction != "" {
		t.Fatalf("the filters do not come round: %q", dd.onlyAction)
	}
	// F: rows whose field changes.
	for range 10 {
		d.keys("F")
		if dd.onlyField == "roles" {
			break
		}
	}
	if dd.onlyField != "roles" {
		t.Fatal("F never filtered on Role IDs")
	}
	d.sees("rows whose Role IDs changes")
	var emails []string
	for _, it := range dd.items {
		if it.kind == itemRow {
			emails = append(emails, dd.plan.Rows[it.row].Email)
		}
	}
	if strings.Join(emails, " ") != "grace@example.edu alan@example.edu ada@example.edu" {
		t.Fatalf("rows whose roles change: %v", emails)
	}
	// A search finds a row the filter hides, and drops the filter.
	d.keys("/")
	d.typeText("BARBARA")
	d.keys("enter")
	if r := dd.cursorRow(); r < 0 || dd.plan.Rows[r].Email != "barbara@example.edu" || dd.onlyField != "" {
		t.Fatalf("search: row %d, field filter %q", r, dd.onlyField)
	}
	d.sees(`"BARBARA" found: barbara@example.edu`)
	d.keys("]")
	if r := dd.cursorRow(); dd.plan.Rows[r].Email != "barbara@example.edu" {
		t.Fatal("] left the only match")
	}
	// Values are searched too: "navy" is Grace's department.
	d.keys("/")
	d.m.openPrompt().setValue(0, "navy")
	d.keys("enter")
	if r := dd.cursorRow(); dd.plan.Rows[r].Email != "grace@example.edu" {
		t.Fatalf("search by value: %s", dd.plan.Rows[r].Email)
	}
	// : jumps to the row of a file line.
	d.keys(":")
	d.typeText("5")
	d.keys("enter")
	if r := dd.cursorRow(); dd.plan.Rows[r].Line != 5 {
		t.Fatalf(": 5 went to line %d", dd.plan.Rows[r].Line)
	}
}

func TestDryRunToggleKeepsCursorAndExpansions(t *testing.T) {
	d := planOf(t, writeTemp(t, "users.csv", rolesFile), seededTarget())
	dd := &d.m.diff
	ada := rowItem(t, d, "ada@example.edu")
	d.keys("space")
	grace := rowItem(t, d, "grace@example.edu")
	d.keys("space")
	rowItem(t, d, "ada@example.edu")
	d.keys("r")
	d.until("the new plan", func(m *Model) bool { return !m.diff.busy && m.diff.plan.Options.Replace })
	if r := dd.cursorRow(); r != ada || !dd.open[ada] || !dd.open[grace] {
		t.Fatalf("after r: cursor on row %d (Ada is %d), open %v", r, ada, dd.open)
	}
	d.keys("m")
	d.until("the new plan", func(m *Model) bool { return !m.diff.busy && !m.diff.plan.Options.Mail })
	if r := dd.cursorRow(); r != ada || !dd.open[ada] {
		t.Fatalf("after m: cursor on row %d, open %v", r, dd.open)
	}
}

// The progress screen says, while the run goes, that requests are retried
// and what the server last answered; pausing says so in place of the rate
// and ETA, and resuming clears it.
func TestProgressShowsRetriesAndPauseClears(t *testing.T) {
	tgt := seededTarget()
	tgt.unavailable = map[string]int{"ada@example.edu": 1}
	d := planOf(t, writeTemp(t, "users.csv", rolesFile), tgt)
	d.keys("enter", "y")
	d.until("a retry shown", func(m *Model) bool { return m.progress.last.Retries > 0 })
	d.sees("1 request retried", "last error: write ada@example.edu: server error (HTTP 503): service unavailable")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	if c := d.m.LastRun().Counts; c.Failed != 0 || c.Update != 1 {
		t.Fatalf("counts %+v", c)
	}
}

func TestProgressPauseAndResumeClearTheirNotes(t *testing.T) {
	tgt := seededTarget()
	tgt.hold = make(chan struct{})
	d := planOf(t, writeTemp(t, "users.csv", rolesFile), tgt)
	d.keys("enter", "y")
	d.until("the progress", func(m *Model) bool { return m.screen == ScreenProgress })
	d.keys("p")
	d.sees("⏸ paused", "ETA — (paused)")
	// The engine says paused when a worker waits at the gate.
	paused := func() {
		d.send(applyEventMsg{job: d.m.progress.job, event: sync.Event{Note: "paused", Paused: true}, ch: d.m.progress.ch})
	}
	paused()
	d.keys("p")
	paused() // sent before the resume, taken in after it: stale
	v := d.view()
	if strings.Contains(v, "paused") || d.m.progress.note != "" {
		t.Fatalf("still paused after resuming:\n%s", v)
	}
	close(tgt.hold)
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
}
