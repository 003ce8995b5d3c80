package sync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The engine keeps one kind of run per journal: an import applied into a
// rollback's journal (finished or not), or a rollback into an import's, is
// refused before anything is sent, and that journal is left as it was
// (not set aside as a finished run would be).
func TestApplyRefusesAJournalOfTheOtherKind(t *testing.T) {
	for _, c := range []struct {
		name     string
		holds    string
		finished bool
		mode     string
	}{
		{"an import into a finished rollback's journal", KindRollback, true, "merge"},
		{"an import into an unfinished rollback's journal", KindRollback, false, "merge"},
		{"a rollback into a finished import's journal", KindApply, true, KindRollback},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			journal := filepath.Join(dir, "j.jsonl")
			rf, err := OpenRun(journal)
			if err != nil {
				t.Fatal(err)
			}
			if err := rf.Begin(RunRecord{Kind: c.holds, Target: "mem", File: "f.csv", FileFingerprint: "x", Backup: "b",
				Undoes: []string{"imp.jsonl"}}); err != nil {
				t.Fatal(err)
			}
			if c.finished {
				if err := rf.EndUnfinished("finished"); err != nil {
					t.Fatal(err)
				}
			}
			rf.Close()
			before, _ := os.ReadFile(journal)

			m := newMem(user("old@x.edu", "Old"))
			existing, _ := m.ListUsers(context.Background())
			p := planFor(t, existing, []User{user("new@x.edu", "New")}, PlanOptions{})
			p.Mode = c.mode
			_, err = Apply(context.Background(), m, p, ApplyOptions{JournalPath: journal,
				ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")})
			var wrong *WrongJournalError
			if !errors.As(err, &wrong) || wrong.Kind != c.holds {
				t.Fatalf("Apply: %v, want a WrongJournalError for a journal of a %s", err, c.holds)
			}
			if m.calls != 0 {
				t.Errorf("%d writes sent", m.calls)
			}
			if now, _ := os.ReadFile(journal); string(now) != string(before) {
				t.Errorf("the journal changed")
			}
			if m, _ := filepath.Glob(journal + ".2*"); len(m) > 0 {
				t.Errorf("the journal's run was set aside: %v", m)
			}
		})
	}
}

// A file that holds lines but not one journal record is no journal, for
// the strict reader and the lenient peek alike; a journal with one damaged
// line among records is damaged, not foreign.
func TestAFileWithNoRecordIsNoJournal(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "users.csv")
	os.WriteFile(csv, []byte("First Name,Email\nAda,ada@x.edu\n"), 0o600)
	var wrong *WrongJournalError
	if _, err := ReadJournal(csv); !errors.As(err, &wrong) || wrong.Line != 1 {
		t.Errorf("ReadJournal of a CSV: %v", err)
	}
	if _, err := PeekJournal(csv); !errors.As(err, &wrong) {
		t.Errorf("PeekJournal of a CSV: %v", err)
	}
	damaged := filepath.Join(dir, "damaged.jsonl")
	os.WriteFile(damaged, []byte(`{"t":"run","version":2,"kind":"apply","target":"mem"}`+"\ngarbage\n"), 0o600)
	if st, err := PeekJournal(damaged); err != nil || st == nil || len(st.Damaged) != 1 {
		t.Errorf("PeekJournal of a damaged journal: %v %+v", err, st)
	}
	var dmg *DamageError
	if _, err := ReadJournal(damaged); !errors.As(err, &dmg) {
		t.Errorf("ReadJournal of a damaged journal: %v", err)
	}
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o600)
	if st, err := PeekJournal(empty); st != nil || err != nil {
		t.Errorf("PeekJournal of an empty file: %+v %v", st, err)
	}
}
