package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"usersync/sync"
)

// Golden files of the pure renderers: go test ./sync/render -update
// rewrites them (testdata/*.golden). Each piece is written with its tone,
// <added>like this</added>, so a tone that changes shows in the diff too.

var toneNames = map[Tone]string{Muted: "muted", Added: "added", Changed: "changed", Removed: "removed", Bad: "bad", Warn: "warn", Label: "label"}

func markup(lines []Line) []byte {
	var b strings.Builder
	for _, l := range lines {
		for _, p := range l {
			if n := toneNames[p.Tone]; n != "" && p.Text != "" {
				fmt.Fprintf(&b, "<%s>%s</%s>", n, p.Text, n)
			} else {
				b.WriteString(p.Text)
			}
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func importPlan(mail bool) *sync.Plan {
	p := &sync.Plan{File: "users.csv", Target: "coursedog", Mode: "merge",
		Options: sync.PlanOptions{Mail: mail, DeactivateMissing: true},
		Rows: []sync.PlanRow{
			{Line: 2, Email: "ada@example.edu", Action: sync.Create, Mail: mail},
			{Line: 3, Email: "grace@example.edu", Action: sync.Update, Changes: []sync.Change{
				{Field: "lastName", Header: "Last Name", Old: "Hopper", New: "Murray Hopper"},
				{Field: "department", Header: "Department", Old: "", New: "Mathematics"},
				{Field: "products", Header: "Products", Old: "catalog, scheduling", New: "catalog, curriculum, events"},
			}},
			{Line: 4, Email: "alan@example.edu", Action: sync.Unchanged},
			{Line: 5, Email: "x\u202eevil@example.edu", Action: sync.Skip, Reasons: []string{"email is not an address", "role r-9 does not exist"}},
			{Line: 6, Action: sync.Skip, Reasons: []string{"no email"}},
			{Line: 7, Email: "gone@example.edu", Action: sync.Skip, Reasons: []string{Deleted}},
			{Line: 8, Email: "later@example.edu", Action: sync.Skip, Reasons: []string{Excluded}},
			{Line: 0, Email: "left@example.edu", Action: sync.Deactivate},
		}}
	p.Counts = sync.Counts{Create: 1, Update: 1, Unchanged: 1, Skip: 4, Deactivate: 1}
	if mail {
		p.Counts.Mails = 1
	}
	return p
}

func rollbackPlan() *sync.Plan {
	p := &sync.Plan{File: "users.csv", Target: "ccai", Mode: sync.KindRollback,
		Rows: []sync.PlanRow{
			{Line: 2, Email: "ada@example.edu", Action: sync.Deactivate},
			{Line: 3, Email: "grace@example.edu", Action: sync.Update, Changes: []sync.Change{
				{Field: "lastName", Header: "lastName", Old: "Murray Hopper", New: "Hopper"}}},
			{Line: 4, Email: "alan@example.edu", Action: sync.Unchanged},
			{Line: 5, Email: "kat@example.edu", Action: sync.Skip, Reasons: []string{"conflict: changed since the import"}},
		},
		Doubts: []string{"line 9 of the journal is damaged"}}
	p.Counts = sync.Counts{Deactivate: 1, Update: 1, Unchanged: 1, Skip: 1}
	return p
}

// inactivePlan is the same file applied again after its rollback: the
// users the import created match it, but are Inactive and stay so.
func inactivePlan() *sync.Plan {
	p := &sync.Plan{File: "users.csv", Target: "coursedog", Mode: "merge",
		Rows: []sync.PlanRow{
			{Line: 2, Email: "ada@example.edu", Action: sync.Unchanged, StaysInactive: true},
			{Line: 3, Email: "grace@example.edu", Action: sync.Update, StaysInactive: true, Changes: []sync.Change{
				{Field: "lastName", Header: "Last Name", Old: "Hopper", New: "Murray Hopper"}}},
			{Line: 4, Email: "alan@example.edu", Action: sync.Unchanged},
		}}
	p.Counts = sync.Counts{Update: 1, Unchanged: 2, Inactive: 2}
	return p
}

func TestGoldenPlan(t *testing.T) {
	for name, p := range map[string]*sync.Plan{"import_mail": importPlan(true), "import_no_mail": importPlan(false), "rollback": rollbackPlan(),
		"import_inactive": inactivePlan()} {
		t.Run(name, func(t *testing.T) {
			lines := PlanLines(p)
			rb := Rollback(p)
			lines = append(lines, nil, Join(PlanCounts(p.Counts, rb), " · "),
				Line{{"This will: " + WillHappen(p.Counts, rb, true) + ". " + Unsent(p.Counts, rb) + ".", Plain}})
			golden.RequireEqual(t, markup(lines))
		})
	}
}

func files(r *sync.Run) *sync.Run {
	r.ReportPath, r.ReportJSONPath = "users.report.csv", "users.report.json"
	r.JournalPath, r.BackupPath = "users.usersync-journal.jsonl", "users.backup.json"
	return r
}

func TestGoldenRun(t *testing.T) {
	mismatches := make([]sync.Mismatch, 22)
	for i := range mismatches {
		mismatches[i] = sync.Mismatch{Line: i + 2, Email: fmt.Sprintf("u%d@example.edu", i), Field: "lastName", Header: "Last Name", Sent: "A", Stored: "B\x1b[31m"}
	}
	mismatches[0] = sync.Mismatch{Email: "gone@example.edu"}
	runs := map[string]struct {
		run      *sync.Run
		rollback bool
	}{
		"import": {files(&sync.Run{Counts: sync.Counts{Create: 1200, Update: 3, Unchanged: 5, Skip: 1, Mails: 1200},
			Canary: &sync.ReadBack{Users: 2}, Verify: &sync.ReadBack{Users: 1, Unchecked: []string{"roles"}}}), false},
		"failures": {files(&sync.Run{Counts: sync.Counts{Create: 1, Update: 1, Failed: 2}}), false},
		"interrupted": {files(&sync.Run{Counts: sync.Counts{Create: 4, Pending: 6}, Interrupted: true,
			Reason: "the server did not answer\u202e; run the same command again"}), false},
		"interrupted_no_reason": {files(&sync.Run{Counts: sync.Counts{Update: 1, Pending: 1}, Interrupted: true}), false},
		"canary_differs":        {files(&sync.Run{Counts: sync.Counts{Create: 1, Update: 1, Pending: 8}, Canary: &sync.ReadBack{Users: 2, Mismatches: mismatches[:2]}}), false},
		"verify_differs":        {files(&sync.Run{Counts: sync.Counts{Update: 30}, Verify: &sync.ReadBack{Users: 30, Mismatches: mismatches}}), false},
		"verify_failed":         {files(&sync.Run{Counts: sync.Counts{Update: 1}, Verify: &sync.ReadBack{Err: "list users: HTTP 500"}}), false},
		"rollback":              {files(&sync.Run{Counts: sync.Counts{Deactivate: 13, Update: 3, Unchanged: 1, Skip: 1, Failed: 1}}), true},
		"inactive":              {files(&sync.Run{Counts: sync.Counts{Update: 1, Unchanged: 1, Inactive: 1}}), false},
		"rollback_interrupted":  {files(&sync.Run{Counts: sync.Counts{Deactivate: 2, Pending: 3}, Interrupted: true, Reason: "stopped on request"}), true},
	}
	for name, c := range runs {
		t.Run(name, func(t *testing.T) {
			lines := RunLines(c.run, c.rollback)
			lines = append(lines, nil, Join(ProgressCounts(c.run.Counts, c.rollback), " · "))
			golden.RequireEqual(t, markup(lines))
		})
	}
}

// A run under way: its counts so far and where its batches are.
func TestGoldenProgress(t *testing.T) {
	c := sync.Counts{Create: 1500, Update: 2, Deactivate: 1, Failed: 3}
	where, state := Batch(&sync.BatchEvent{Index: 2, Of: 1200, Rows: 1, JobID: "job\x1b[2J", State: "processing"})
	upload, _ := Batch(&sync.BatchEvent{Index: 1, Of: 3, Rows: 100, State: "uploading"})
	golden.RequireEqual(t, markup([]Line{Join(ProgressCounts(c, false), " · "), Join(ProgressCounts(c, true), " · "),
		{{where, Muted}, {state, Plain}}, {{upload, Muted}}}))
}

func TestPadCountsCells(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{{"ab", 4, "ab  "}, {"日本", 6, "日本  "}, {"é", 3, "é  "}, {"\x1b[1mab\x1b[m", 3, "\x1b[1mab\x1b[m "}, {"abcdef", 3, "abcdef"}} {
		if got := Pad(c.in, c.w); got != c.want {
			t.Errorf("Pad(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}

func TestChangeNamesAndEscapes(t *testing.T) {
	name := func(field, v string) string {
		if field == "roles" && v == "r-1" {
			return v + " Registrar"
		}
		return v
	}
	for _, c := range []struct {
		ch     sync.Change
		create bool
		want   string
	}{
		{sync.Change{Field: "roles", Old: "r-1", New: "r-2"}, false, "r-1 Registrar → r-2"},
		{sync.Change{Field: "roles", Old: "r-1, r-3", New: "r-3"}, false, "− r-1 Registrar  (r-1, r-3 → r-3)"},
		{sync.Change{Field: "roles", New: "r-1, r-2"}, true, "r-1 Registrar, r-2"},
		{sync.Change{Field: "lastName", Old: "a\u202e", New: ""}, false, `a\u202e → (blank)`},
	} {
		if got := Change(c.ch, c.create, name).String(); got != c.want {
			t.Errorf("Change(%+v) = %q, want %q", c.ch, got, c.want)
		}
	}
}
