package sync

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The same journal named another way (a symlink to it, made before or
// after the journal exists, or a symlinked directory) is the same run: a
// second holder is refused, and the run is kept in the journal itself, not
// in a file that replaces the symlink.
func TestRunFileLockFollowsEveryNameOfTheJournal(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "runs", "j.jsonl")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "early.jsonl") // made before the journal exists
	if err := os.Symlink(real, dangling); err != nil {
		t.Fatal(err)
	}
	a, err := OpenRun(dangling)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Begin(RunRecord{Kind: KindApply, Target: "mem", File: "f.csv", FileFingerprint: "x", Backup: "b"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink %s was replaced by the run (%v)", dangling, err)
	}
	if _, err := ReadJournal(real); err != nil {
		t.Fatalf("the run is not in the journal the symlink names: %v", err)
	}
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink("runs/j.jsonl", link); err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(dir, "alias")
	if err := os.Symlink(filepath.Join(dir, "runs"), dirLink); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{real, link, filepath.Join(dirLink, "j.jsonl"), filepath.Join(dir, "runs", ".", "j.jsonl")} {
		var busy *BusyError
		if b, err := OpenRun(name); !errors.As(err, &busy) {
			if b != nil {
				b.Close()
			}
			t.Errorf("OpenRun(%s) while %s holds the run: %v, want a BusyError", name, dangling, err)
		}
	}
	a.Close()
}

// A journal removed while its run writes it is put back from the open
// file, whichever way the run opened it (a new run, or a resumed one), and
// the lines after follow; one replaced by another file stops the run.
func TestJournalRemovedMidRunIsPutBackFromTheOpenFile(t *testing.T) {
	for _, resumed := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "j.jsonl")
		rf, err := OpenRun(path)
		if err != nil {
			t.Fatal(err)
		}
		rec := RunRecord{Kind: KindApply, Target: "mem", File: "f.csv", FileFingerprint: "x", Backup: "b"}
		var j *Journal
		if resumed {
			if err := rf.Begin(rec); err != nil {
				t.Fatal(err)
			}
			j, err = rf.reopen()
		} else {
			j, err = rf.begin(rec)
		}
		if err != nil {
			t.Fatal(err)
		}
		one := JournalEntry{Outcome: Outcome{Row: 0, Line: 2, Email: "a@x.edu", Action: Create}}
		if err := j.Intent(one); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		two := one
		two.Row, two.Email = 1, "b@x.edu"
		if err := j.Intent(two); err != nil {
			t.Fatalf("resumed %v: the intent after the journal was removed: %v", resumed, err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		st, err := ReadJournal(path)
		if err != nil || len(st.InDoubt) != 2 {
			t.Fatalf("resumed %v: the journal put back: %v, %d intents (want 2)", resumed, err, len(st.InDoubt))
		}
		rf.Close()
	}
	path := filepath.Join(t.TempDir(), "j.jsonl")
	rf, err := OpenRun(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	j, err := rf.begin(RunRecord{Kind: KindApply, Target: "mem", File: "f.csv", FileFingerprint: "x", Backup: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := j.Intent(JournalEntry{Outcome: Outcome{Email: "a@x.edu", Action: Create}}); err == nil {
		t.Fatal("a journal replaced by another file: the run went on writing")
	}
}
