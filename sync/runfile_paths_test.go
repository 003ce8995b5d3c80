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
