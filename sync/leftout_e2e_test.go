package sync_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/render"
)

// A row the operator deleted in the preview (not saved yet) and a row the
// operator excluded are both left out of the import, each saying why: the
// plan, the report, the run's record, and a plan made again from that
// record (a resume) tell a deleted row from an excluded one. Neither user
// is written.
func TestDeletedAndExcludedRowsSayWhyThroughTheRun(t *testing.T) {
	e := startEnv(t, sandbox.Options{Users: 20, Seed: 41})
	path := filepath.Join(e.dir, "users.csv")
	writeUsers(t, path, [][]string{
		{"Kept", "Person", "kept@example.edu", "scheduling", "", "", "", ""},
		{"Deleted", "Person", "deleted@example.edu", "scheduling", "", "", "", ""},
		{"Excluded", "Person", "excluded@example.edu", "scheduling", "", "", "", ""},
	})
	opts := sync.PlanOptions{Exclude: []int{1, 2}, Why: map[int]string{1: render.Deleted, 2: render.Excluded}}
	p, existing := plan(t, e, path, opts)
	want := map[string]string{"deleted@example.edu": render.Deleted, "excluded@example.edu": render.Excluded}
	checkPlan := func(what string, p *sync.Plan) {
		t.Helper()
		if p.Counts.Create+p.Counts.Unchanged != 1 || p.Counts.Skip != 2 { // kept@ is created, then unchanged
			t.Fatalf("%s: counts %+v, want kept@ to create (or unchanged) and 2 skipped", what, p.Counts)
		}
		for _, r := range p.Rows {
			if why, ok := want[r.Email]; ok && (r.Action != sync.Skip || !slices.Equal(r.Reasons, []string{why})) {
				t.Errorf("%s: %s is %s %q, want skipped %q", what, r.Email, r.Action, r.Reasons, why)
			}
		}
	}
	checkPlan("the plan", p)
	if render.Deleted == render.Excluded || !strings.Contains(render.Deleted, "deleted") {
		t.Fatalf("the words: deleted %q, excluded %q", render.Deleted, render.Excluded)
	}

	e.srv.ResetStats()
	ao := applyOpts(e.dir)
	run, err := sync.ApplyWith(context.Background(), e.t, p, ao, existing)
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Create != 1 || run.Counts.Skip != 2 {
		t.Fatalf("run counts %+v", run.Counts)
	}
	for email := range want {
		if _, ok := e.srv.User(email); ok {
			t.Errorf("%s was written", email)
		}
	}
	if _, ok := e.srv.User("kept@example.edu"); !ok {
		t.Error("kept@example.edu was not created: the test proves nothing")
	}
	if st := e.srv.Stats(); st.Creates != 1 {
		t.Errorf("%d creates, want 1", st.Creates)
	}
	for _, o := range run.Outcomes {
		if why, ok := want[o.Email]; ok && (o.Result != sync.Skipped || o.Message != why) {
			t.Errorf("outcome of %s: %s %q, want skipped %q", o.Email, o.Result, o.Message, why)
		}
	}
	for _, report := range []string{run.ReportPath, run.ReportJSONPath} {
		b, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		for _, why := range want {
			if !strings.Contains(string(b), why) {
				t.Errorf("%s does not say %q:\n%s", report, why, b)
			}
		}
	}

	// The run's record keeps why each row was left out; a plan made from
	// it, as a resume makes one, says the same.
	rf, err := sync.OpenRun(ao.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	rec := rf.State().Head
	if !slices.Equal(rec.Options.Exclude, []int{1, 2}) || rec.Options.Why[1] != render.Deleted || rec.Options.Why[2] != render.Excluded {
		t.Fatalf("the record's options: %+v", rec.Options)
	}
	again, _ := plan(t, e, path, rec.Options)
	checkPlan("the plan from the record", again)

	// A resume that would leave a row out for another reason is refused.
	other := rec.Options
	other.Why = map[int]string{1: render.Excluded, 2: render.Excluded}
	d := rec.Options.Differences(other)
	if len(d) != 1 || d[0].Key != "exclude" || !strings.Contains(d[0].Recorded, render.Deleted) {
		t.Errorf("differences of the reasons: %+v", d)
	}
}
