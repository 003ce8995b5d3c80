package ui

import (
	"os"
	"slices"
	"strings"
	"testing"

	"usersync/sync"
	"usersync/sync/render"
)

// A row deleted in the preview (D, not saved) and then taken to the dry
// run without a save is left out of the import as deleted, not as
// excluded: the dry run's list and pane, the plan, the run's outcome,
// report and record say so, and its user is not written. A row excluded
// (space) still says excluded.
func TestDeletedRowIsNotCalledExcluded(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	d, _ := loginToPreview(t, file, tgt)
	p := &d.m.preview
	ada := rowWithEmail(t, p.file, "ada@example.edu") // an update when sent
	p.moveTo(ada)
	d.keys("D")
	alan := rowWithEmail(t, p.file, "alan@example.edu")
	p.moveTo(alan)
	d.keys("space")
	grace := rowWithEmail(t, p.file, "grace@example.edu")
	p.moveTo(grace)
	p.col = fieldIndex(t, p, "lastName")
	d.keys("e")
	d.typeText("Hopper")
	d.keys("enter", "enter") // Edsger's email is still wrong: the question
	d.keys("y")
	d.until("the plan", func(m *Model) bool { return m.screen == ScreenDiff && m.diff.plan != nil && !m.diff.busy })

	pl := d.m.diff.plan
	why := map[string]string{"ada@example.edu": render.Deleted, "alan@example.edu": render.Excluded, "edsger@example": render.Excluded}
	for _, r := range pl.Rows {
		if w, ok := why[r.Email]; ok && (r.Action != sync.Skip || !slices.Equal(r.Reasons, []string{w})) {
			t.Errorf("plan: %s is %s %q, want skipped %q", r.Email, r.Action, r.Reasons, w)
		}
	}
	if pl.Options.Why[ada] != render.Deleted || pl.Options.Why[alan] != render.Excluded {
		t.Errorf("the plan's options: %+v", pl.Options)
	}
	d.sees(render.Deleted, render.Excluded)
	// The pane of Ada's row says it too.
	if !d.m.diff.cursorTo(slices.IndexFunc(pl.Rows, func(r sync.PlanRow) bool { return r.Email == "ada@example.edu" })) {
		t.Fatal("Ada's row is not in the dry run")
	}
	d.send(tea80x24())
	d.sees("ada@example.edu · skip", "   "+render.Deleted)

	d.keys("enter", "y")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	run := d.m.summary.run
	for _, o := range run.Outcomes {
		if w, ok := why[o.Email]; ok && (o.Result != sync.Skipped || o.Message != w) {
			t.Errorf("outcome of %s: %s %q, want skipped %q", o.Email, o.Result, o.Message, w)
		}
	}
	if u, _ := tgt.user("ada@example.edu"); u.Fields["department"] != "Physics" {
		t.Errorf("Ada's user was written: department %q", u.Fields["department"])
	}
	if _, ok := tgt.user("grace@example.edu"); !ok {
		t.Error("Grace was not created: the test proves nothing")
	}
	report, err := os.ReadFile(run.ReportPath)
	if err != nil {
		t.Fatal(err)
	}
	said := false
	for _, line := range strings.Split(string(report), "\n") {
		said = said || strings.Contains(line, "ada@example.edu") && strings.Contains(line, render.Deleted)
	}
	if !said {
		t.Errorf("the report does not say Ada's row was deleted:\n%s", report)
	}
	rf, err := sync.OpenRun(run.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	if o := rf.State().Head.Options; o.Why[ada] != render.Deleted || o.Why[alan] != render.Excluded {
		t.Errorf("the run's record: %+v", o)
	}
}
