package sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
)

// Intents from many workers at once all reach the disk (one fsync serves
// those waiting together); an intent without an outcome reads as in doubt.
func TestJournalIntentsAreDurableAndOpenOnesInDoubt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	rf, err := OpenRun(path)
	if err != nil {
		t.Fatal(err)
	}
	j, err := rf.begin(RunRecord{Target: "mem", File: "f.csv", FileFingerprint: "fp"})
	if err != nil {
		t.Fatal(err)
	}
	var wg gosync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				email := fmt.Sprintf("w%d-%d@x.edu", w, i)
				if err := j.Intent(JournalEntry{Outcome: Outcome{Row: i, Email: email, Action: Create}}); err != nil {
					t.Error(err)
					return
				}
				if i%5 != 0 { // every fifth stays in doubt
					j.Outcome(Outcome{Row: i, Email: email, Action: Create, Result: Created}, "id", nil)
				}
			}
		}()
	}
	wg.Wait()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	rf.Close()
	st, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Entries) != 8*40 || len(st.InDoubt) != 8*10 || !st.Sent() || st.Ended {
		t.Fatalf("%d outcomes, %d in doubt (want 320, 80), sent %v, ended %v", len(st.Entries), len(st.InDoubt), st.Sent(), st.Ended)
	}
}

// A second holder of the same journal is refused at once; closing frees it.
func TestRunFileIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	a, err := OpenRun(path)
	if err != nil {
		t.Fatal(err)
	}
	var busy *BusyError
	if _, err := OpenRun(path); !errors.As(err, &busy) {
		t.Fatalf("second OpenRun: %v, want a BusyError", err)
	}
	a.Close()
	b, err := OpenRun(path)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	b.Close()
}

// A torn last line is no damage; any other bad line is, named by its line.
func TestJournalTornTailAndDamage(t *testing.T) {
	dir := t.TempDir()
	head := `{"t":"run","version":2,"target":"mem","file":"f","file_fingerprint":"x","options":{},"backup":"b","started":"2026-01-01T00:00:00Z"}` + "\n"
	intent := `{"t":"intent","row":0,"email":"a@x.edu","action":"create"}` + "\n"
	torn := filepath.Join(dir, "torn.jsonl")
	os.WriteFile(torn, []byte(head+intent+`{"t":"out","row":0,"ema`), 0o600)
	st, err := ReadJournal(torn)
	if err != nil || !st.Torn || len(st.InDoubt) != 1 {
		t.Fatalf("torn tail: %v, torn %v, %d in doubt", err, st != nil && st.Torn, len(st.InDoubt))
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(head+"garbage\n"+intent), 0o600)
	_, err = ReadJournal(bad)
	var de *DamageError
	if !errors.As(err, &de) || de.Line != 2 || !strings.Contains(err.Error(), "bad.jsonl line 2") {
		t.Fatalf("damaged journal: %v", err)
	}
	st, err = ReadJournalLenient(bad)
	if err != nil || len(st.Damaged) != 1 || len(st.InDoubt) != 1 {
		t.Fatalf("lenient read: %v, %+v", err, st)
	}
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, []byte(`{"t":"run","vers`), 0o600)
	rf, err := OpenRun(empty)
	if err != nil || rf.State() != nil || rf.Check() != nil {
		t.Fatalf("a journal holding only a torn record is no run: %v", err)
	}
	rf.Close()
}

// A rollback never deactivates a user the backup holds, even when a
// journal says the import created it, and its plan allows no more
// deactivations than the import created.
func TestRollbackPlanNeverDeactivatesAUserThatExistedBefore(t *testing.T) {
	old := user("old@x.edu", "Old")
	old.ID = "u1"
	old.Fields[StatusKey] = "Active"
	nu := user("new@x.edu", "New")
	nu.ID = "u2"
	nu.Fields[StatusKey] = "Active"
	j := &JournalState{Head: RunRecord{Target: "mem"}, Entries: []JournalEntry{
		{Outcome: Outcome{Email: "old@x.edu", Result: Created}, Set: &User{Email: "old@x.edu"}},
		{Outcome: Outcome{Email: "new@x.edu", Result: Created}, Set: &User{Email: "new@x.edu"}},
	}}
	p, err := RollbackPlan(j, &Backup{Target: "mem", Users: []User{old}}, []User{old, nu}, true)
	if err != nil {
		t.Fatal(err)
	}
	if p.Counts.Deactivate != 1 || p.Options.MaxDeactivate != 1 {
		t.Fatalf("rollback plan %+v (limit %d): want only new@ deactivated, limit 1", p.Counts, p.Options.MaxDeactivate)
	}
	for _, r := range p.Rows {
		if r.Email == "old@x.edu" && r.Action != Skip {
			t.Fatalf("old@ (in the backup) planned as %s", r.Action)
		}
	}
}

// However a plan's rows came to be, the engine sends no more deactivations
// than the plan allows: it refuses before the first write.
func TestApplyRefusesMoreDeactivationsThanThePlanAllows(t *testing.T) {
	var users []User
	for i := 0; i < 3; i++ {
		u := user(fmt.Sprintf("d%d@x.edu", i), "D")
		u.Fields[StatusKey] = "Active"
		users = append(users, u)
	}
	m := newMem(users...)
	listed, _ := m.ListUsers(context.Background())
	p := planFor(t, listed, nil, PlanOptions{MaxDeactivate: 2})
	for _, u := range listed {
		r := PlanRow{Row: -1, Email: u.Email, Deactivation: true}
		p.decide(&r, &u)
		p.Rows = append(p.Rows, r)
	}
	p.Count()
	dir := t.TempDir()
	_, err := Apply(context.Background(), m, p, ApplyOptions{JournalPath: filepath.Join(dir, "j"),
		ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")})
	var lim *DeactivateLimitError
	if !errors.As(err, &lim) || lim.Count != 3 || m.calls != 0 {
		t.Fatalf("apply of 3 deactivations with a limit of 2: %v, %d requests", err, m.calls)
	}
}

// confusedTarget answers every lookup with the same other user.
type confusedTarget struct{ *memTarget }

func (c confusedTarget) Lookup(ctx context.Context, email string) (User, error) {
	return c.memTarget.Lookup(ctx, "victim@x.edu")
}

// A create that meets a 409 looks the user up to update it; a server that
// answers with another user gets a failed row, never a write over that
// other user.
func TestLookupAnsweredWithAnotherUserIsNotWrittenOver(t *testing.T) {
	m := newMem(user("victim@x.edu", "Victim"))
	listed, _ := m.ListUsers(context.Background())
	p := planFor(t, listed, []User{user("taken@x.edu", "New")}, PlanOptions{})
	m.users["taken@x.edu"] = user("taken@x.edu", "Someone") // created meanwhile: the create meets a 409
	now, _ := m.ListUsers(context.Background())
	p.UsersFingerprint = UsersFingerprint(now) // ...after the stale check
	dir := t.TempDir()
	run, err := Apply(context.Background(), confusedTarget{m}, p, ApplyOptions{JournalPath: filepath.Join(dir, "j"),
		ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")})
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Failed != 1 || m.users["victim@x.edu"].Fields["firstName"] != "Victim" {
		t.Fatalf("counts %+v, victim %+v", run.Counts, m.users["victim@x.edu"])
	}
}
