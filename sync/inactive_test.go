package sync

import (
	"context"
	"path/filepath"
	"testing"
)

// A file row whose user is Inactive on the server stays Inactive unless the
// row sets a status; the plan marks and counts it, and a run's counts and
// report rows carry it. A status the listing does not carry is unknown,
// and nothing is said of it.
func TestPlanMarksUsersThatStayInactive(t *testing.T) {
	inactive := func(email string) User {
		u := user(email, "Old")
		u.Fields[StatusKey] = Inactive
		return u
	}
	unlisted := inactive("unlisted@x.edu")
	unlisted.Unlisted = []string{StatusKey}
	m := newMem(inactive("same@x.edu"), inactive("renamed@x.edu"), inactive("active@x.edu"), inactive("meant@x.edu"), unlisted, user("fine@x.edu", "Old"))
	existing, _ := m.ListUsers(context.Background())
	withStatus := func(u User, s string) User { u.Fields[StatusKey] = s; return u }
	desired := []User{user("same@x.edu", "Old"), user("renamed@x.edu", "New"), withStatus(user("active@x.edu", "Old"), "Active"),
		withStatus(user("meant@x.edu", "Old"), Inactive), user("unlisted@x.edu", "Old"), user("fine@x.edu", "Old")}
	p := planFor(t, existing, desired, PlanOptions{})
	want := map[string]bool{"same@x.edu": true, "renamed@x.edu": true}
	for _, r := range p.Rows {
		if r.StaysInactive != want[r.Email] {
			t.Errorf("%s (%s): stays inactive %v, want %v", r.Email, r.Action, r.StaysInactive, want[r.Email])
		}
	}
	if p.Counts.Inactive != 2 || p.Counts.Unchanged != 4 || p.Counts.Update != 2 {
		t.Fatalf("counts %+v, want 2 staying Inactive among 4 unchanged and 2 updates", p.Counts)
	}

	dir := t.TempDir()
	run, err := Apply(context.Background(), m, p, ApplyOptions{JournalPath: filepath.Join(dir, "j.jsonl"),
		ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json"), NoCanary: true})
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Inactive != 2 {
		t.Errorf("run counts %+v, want 2 staying Inactive", run.Counts)
	}
	for _, o := range run.Outcomes {
		if o.StaysInactive != want[o.Email] || (want[o.Email] && o.Message == "" && o.Result == Same) {
			t.Errorf("outcome %+v", o)
		}
	}
	if u := m.users["renamed@x.edu"]; u.Fields[StatusKey] != Inactive || u.Fields["firstName"] != "New" {
		t.Errorf("renamed@x.edu after the run: %v", u.Fields)
	}
	if u := m.users["active@x.edu"]; u.Fields[StatusKey] != "Active" {
		t.Errorf("active@x.edu after the run: %v", u.Fields)
	}
}

// A rollback restoring the fields an import changed on a user who was
// Inactive before it leaves the status as the backup has it: nothing is
// said of a file's Status there, there is no file.
func TestRollbackRowsAreNotToldToAddAStatus(t *testing.T) {
	old := user("was@x.edu", "Changed")
	old.Fields[StatusKey] = Inactive
	restore := User{Email: "was@x.edu", Fields: map[string]string{"firstName": "Before"}, Lists: map[string][]string{}}
	p := &Plan{Mode: KindRollback, Headers: map[string]string{}}
	r := PlanRow{Row: -1, Email: "was@x.edu", Desired: &restore}
	p.decide(&r, &old)
	if r.Action != Update || r.StaysInactive {
		t.Fatalf("rollback row: %s, stays inactive %v", r.Action, r.StaysInactive)
	}
}
