package systest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync"
)

// Attacks on the run machinery (the adversarial pass after issue 11), each
// through the real command against the sandbox over HTTP.

// An operator tidying up deletes the backup while the import runs (or
// resumes on a machine where the recorded backup path does not exist). The
// resumed run used to take a fresh "backup" there of the users as they
// were then, the import's own creations included, and the rollback then
// left every one of them Active as "existed before the import".
func TestResumeWithItsBackupGoneRefusedNotRetaken(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 150, Seed: 211, Latency: 2 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	journal, backup := b.path("journal.jsonl"), b.path("backup.json")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--backup", backup, "--concurrency", "2"}
	start := b.writes()
	out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return b.writes() >= start+30 }, args...)
	if !sent {
		t.Fatalf("the apply ended before it was killed:\n%s", out)
	}
	kept, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(backup); err != nil {
		t.Fatal(err)
	}
	sentBefore := b.writes()
	code, out := b.run(args...)
	if code != exitUsage || !strings.Contains(out, backup) || !strings.Contains(out, "nothing was sent") {
		t.Fatalf("resume without its backup: exit %d, want 2 naming %s and that nothing was sent\n%s", code, backup, out)
	}
	if n := b.writes() - sentBefore; n != 0 {
		t.Fatalf("the refused resume sent %d writes", n)
	}
	if _, err := os.Stat(backup); err == nil {
		t.Fatalf("the refused resume wrote a backup at %s after the import's writes", backup)
	}
	// Put back, the run finishes and its rollback undoes all of it.
	if err := os.WriteFile(backup, kept, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := b.run(args...); code != exitOK {
		t.Fatalf("resume with the backup back: exit %d\n%s", code, out)
	}
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// Two imports given the same --backup path (the same command run again
// the next day, with an edited file): the second took its backup over the
// first one's, so the first import's rollback read its own creations as
// users that "existed before the import" and left them all Active. The
// earlier backup is now kept, and the new run takes its own beside it.
func TestNewRunKeepsAnotherRunsBackup(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 100, Seed: 212})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 20)
	backup := b.path("backup.json")
	j1, j2 := b.path("first.jsonl"), b.path("second.jsonl")
	if code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--journal", j1, "--backup", backup); code != exitOK {
		t.Fatalf("first apply: exit %d\n%s", code, out)
	}
	first, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	// The same command again, nothing to do: still exit 0.
	if code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--journal", b.path("again.jsonl"), "--backup", backup); code != exitOK {
		t.Fatalf("the same apply again: exit %d\n%s", code, out)
	}
	// The file edited: one more new user.
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("Late,Comer,late.comer@example.edu,scheduling\n")
	f.Close()
	code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--journal", j2, "--backup", backup)
	if code != exitOK || !strings.Contains(out, "kept for it") {
		t.Fatalf("second apply with the first's backup path: exit %d, want 0 and a note that the first backup is kept\n%s", code, out)
	}
	if now, _ := os.ReadFile(backup); string(now) != string(first) {
		t.Fatalf("the second apply wrote over the first import's backup")
	}
	for _, j := range []string{j2, j1} { // the later run first
		if code, out := b.run("rollback", "--journal", j, "--yes"); code != exitOK {
			t.Fatalf("rollback %s: exit %d\n%s", j, code, out)
		}
	}
	checkRolledBack(t, b.srv, before)
}

// The 5 pm trap: an import, then the same command again by mistake (it
// finds nothing to do), then the rollback the first run printed. The
// second run set the first aside (JOURNAL.<time>), and the rollback undid
// the second's nothing and exited 0 with every created user still Active.
// It now refuses, naming the journal of the run that wrote.
func TestRollbackOfARunThatSentNothingPointsToTheRunBefore(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 60, Seed: 213})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 15)
	journal := b.path("journal.jsonl")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal}
	for i := 0; i < 2; i++ {
		if code, out := b.run(args...); code != exitOK {
			t.Fatalf("apply %d: exit %d\n%s", i+1, code, out)
		}
	}
	code, out := b.run("rollback", "--journal", journal, "--yes")
	if code != exitUsage || !strings.Contains(out, journal+".") || !strings.Contains(out, "sent nothing") {
		t.Fatalf("rollback of the run that sent nothing: exit %d, want 2 naming the earlier run's journal\n%s", code, out)
	}
	earlier := ""
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, journal+".") {
			earlier = strings.TrimRight(f, ".,:;)")
		}
	}
	if code, out := b.run("rollback", "--journal", earlier, "--yes"); code != exitOK {
		t.Fatalf("rollback --journal %s: exit %d\n%s", earlier, code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// An apply started in the file's folder with the default paths, killed,
// and resumed from another folder (a new shell in the home directory,
// naming the file by its full path): the record named the backup by a
// path relative to the first folder, so the resume could not find it (and
// before, took a "backup" of the users as the run had left them).
func TestResumeFromAnotherFolderFindsItsBackup(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 150, Seed: 214, Latency: 2 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	rel := filepath.Base(file)
	start := b.writes()
	out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return b.writes() >= start+30 },
		"apply", rel, "--yes", "--no-registration-mail", "--concurrency", "2")
	if !sent {
		t.Fatalf("the apply ended before it was killed:\n%s", out)
	}
	elsewhere := t.TempDir()
	resume := func(args ...string) (int, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := b.cmd(ctx, args...)
		cmd.Dir = elsewhere
		o, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(o)
	}
	if code, out := resume("apply", file, "--yes"); code != exitOK {
		t.Fatalf("resume from another folder: exit %d\n%s", code, out)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("the resume wrote into the folder it was run from: %v", entries)
	}
	journal := strings.TrimSuffix(file, filepath.Ext(file)) + ".usersync-journal.jsonl"
	if code, out := resume("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback from another folder: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// An operator "cleans up stale locks" (rm *.lock) while an apply runs: a
// second apply of the same journal could then take a new lock and run at
// the same time, both appending to one journal. The run now notices its
// lock is gone before its next write and stops resumably (exit 3), and
// the same command then finishes it.
func TestRunStopsWhenItsLockIsRemoved(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 150, Seed: 215, Latency: 3 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	journal := b.path("journal.jsonl")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--concurrency", "2"}
	start := b.writes()
	var removedAt int
	out, _ := b.stopWhen(syscall.Signal(0), func() bool {
		if removedAt == 0 && b.writes() >= start+20 {
			if os.Remove(journal+".lock") == nil {
				removedAt = b.writes()
			}
		}
		return false
	}, args...)
	if removedAt == 0 {
		t.Fatalf("the apply ended before its lock was removed:\n%s", out)
	}
	if !strings.Contains(out, "lock") || !strings.Contains(out, "run the same command again") {
		t.Fatalf("the run went on without its lock, want it stopped resumably, saying why:\n%s", out)
	}
	if n := b.writes() - removedAt; n > 4 {
		t.Errorf("%d writes were sent after the lock was removed (at most the ones in flight, 2, and their tries)", n)
	}
	if code, out := b.run(args...); code != exitOK {
		t.Fatalf("the same command again: exit %d\n%s", code, out)
	}
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// The backup removed while the apply runs (a cleanup job, or an operator
// tidying the folder): the run finished, and its rollback then failed for
// want of the backup, leaving every change in place. The run keeps the
// backup it took and puts it back when it is gone.
func TestBackupRemovedMidRunIsPutBack(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 150, Seed: 216, Latency: 2 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	journal, backup := b.path("journal.jsonl"), b.path("backup.json")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--backup", backup, "--concurrency", "2"}
	start := b.writes()
	removed := false
	out, _ := b.stopWhen(syscall.Signal(0), func() bool {
		if !removed && b.writes() >= start+20 {
			removed = os.Remove(backup) == nil
		}
		return false
	}, args...)
	if !removed {
		t.Fatalf("the apply ended before its backup was removed:\n%s", out)
	}
	if _, err := os.Stat(backup); err != nil {
		t.Fatalf("the run ended without its backup (%v):\n%s", err, lastLines(out, 6))
	}
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// The journal removed while the apply runs: the run went on writing into
// the removed file, ended "finished", and the rollback it printed then
// found no journal, leaving every created user Active. The run puts the
// journal back from the file it holds open, and goes on in it.
func TestJournalRemovedMidRunIsPutBack(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 150, Seed: 217, Latency: 2 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	journal := b.path("journal.jsonl")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--concurrency", "2"}
	start := b.writes()
	removed := false
	out, _ := b.stopWhen(syscall.Signal(0), func() bool {
		if !removed && b.writes() >= start+20 {
			removed = os.Remove(journal) == nil
		}
		return false
	}, args...)
	if !removed {
		t.Fatalf("the apply ended before its journal was removed:\n%s", out)
	}
	st, err := sync.ReadJournal(journal)
	if err != nil || !st.Ended || len(st.Entries) < 120 {
		t.Fatalf("the journal after the run: %v (%+v)\n%s", err, st, lastLines(out, 6))
	}
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// A rollback killed half-way whose own backup (the users as they were
// before it, kept so that it can itself be undone) was then removed: the
// rollback could not be resumed at all, leaving the import half undone.
// It now finishes, saying it cannot itself be undone.
func TestRollbackResumesWithoutItsOwnBackup(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 150, Seed: 218, Latency: 2 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	journal := b.path("journal.jsonl")
	if code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--journal", journal); code != exitOK {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	start := b.writes()
	out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return b.writes() >= start+30 },
		"rollback", "--journal", journal, "--yes", "--concurrency", "2")
	if !sent {
		t.Fatalf("the rollback ended before it was killed:\n%s", out)
	}
	backups, _ := filepath.Glob(b.path("journal.rollback-backup-*.json"))
	if len(backups) != 1 {
		t.Fatalf("rollback backups: %v", backups)
	}
	if err := os.Remove(backups[0]); err != nil {
		t.Fatal(err)
	}
	code, out := b.run("rollback", "--journal", journal, "--yes")
	if code != exitOK || !strings.Contains(out, "cannot itself be undone") {
		t.Fatalf("resumed rollback without its backup: exit %d, want 0 and a note that it cannot be undone\n%s", code, out)
	}
	if _, err := os.Stat(backups[0]); err == nil {
		t.Errorf("the resumed rollback took a backup of the users half rolled back")
	}
	checkRolledBack(t, b.srv, before)
}
