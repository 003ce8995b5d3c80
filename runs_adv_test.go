package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox"
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
