package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox"
)

// serverWrites counts the writes the sandbox was asked for (writesSeen),
// sign-ins aside.
func serverWrites(srv *sandbox.Server) int {
	n := 0
	for route, c := range writesSeen(srv.Stats()) {
		if !strings.HasSuffix(route, "/sessions") {
			n += c
		}
	}
	return n
}

// dirNames lists dir's files.
func dirNames(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// TestJournalOfTheWrongKindIsRefused: apply pointed at a rollback's
// journal (finished or not), and rollback pointed at a file that is no
// journal at all, are refused with exit 2 and a message naming the file
// and what to do instead. Nothing is sent, and no file changes.
func TestJournalOfTheWrongKindIsRefused(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 20, Seed: 95})
	dir := t.TempDir()
	path, _ := writeUsers(t, srv, dir, 4)
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool, "--yes"}
	journal := filepath.Join(dir, "users.usersync-journal.jsonl")
	if code, _, stderr := runCmd(t, tok, append([]string{"apply", path, "--no-registration-mail"}, conn...)...); code != exitOK {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCmd(t, tok, append([]string{"rollback", "--journal", journal}, conn...)...); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, stderr)
	}
	rbJournal := filepath.Join(dir, "users.usersync-journal.rollback.jsonl")
	rbBytes, err := os.ReadFile(rbJournal)
	if err != nil {
		t.Fatal(err)
	}
	writes, files := serverWrites(srv), dirNames(t, dir)
	unchanged := func(what string) {
		t.Helper()
		if n := serverWrites(srv); n != writes {
			t.Errorf("%s: %d writes sent", what, n-writes)
		}
		if now, _ := os.ReadFile(rbJournal); !bytes.Equal(now, rbBytes) {
			t.Errorf("%s: the rollback's journal changed", what)
		}
		if now := dirNames(t, dir); now != files {
			t.Errorf("%s: the folder changed:\n was %s\n now %s", what, files, now)
		}
	}

	code, _, stderr := runCmd(t, tok, append([]string{"apply", path, "--journal", rbJournal, "--no-registration-mail"}, conn...)...)
	if code != exitUsage || !strings.Contains(stderr, rbJournal) || !strings.Contains(stderr, "is the journal of a rollback") ||
		!strings.Contains(stderr, "--journal") {
		t.Errorf("apply given the rollback's journal: exit %d, want 2 naming it and what to do:\n%s", code, stderr)
	}
	unchanged("apply given the rollback's journal")

	// An unfinished rollback's journal (its end line cut off) is refused the same way.
	lines := strings.SplitAfter(strings.TrimSuffix(string(rbBytes), "\n"), "\n")
	if !strings.Contains(lines[len(lines)-1], `"t":"end"`) {
		t.Fatalf("the rollback's journal does not end with its end record: %s", lines[len(lines)-1])
	}
	unfinished := filepath.Join(dir, "unfinished.rollback.jsonl")
	if err := os.WriteFile(unfinished, []byte(strings.Join(lines[:len(lines)-1], "")), 0o600); err != nil {
		t.Fatal(err)
	}
	files = dirNames(t, dir)
	code, _, stderr = runCmd(t, tok, append([]string{"apply", path, "--journal", unfinished}, conn...)...)
	if code != exitUsage || !strings.Contains(stderr, "is the journal of a rollback") || !strings.Contains(stderr, "usersync rollback --journal "+unfinished) {
		t.Errorf("apply given an unfinished rollback's journal: exit %d:\n%s", code, stderr)
	}
	unchanged("apply given an unfinished rollback's journal")

	// A named pipe is refused by its path, never opened (that would wait
	// for a writer forever).
	fifo := filepath.Join(dir, "pipe.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	files = dirNames(t, dir)
	for _, args := range [][]string{{"apply", path, "--journal", fifo}, {"rollback", "--journal", fifo}} {
		code, _, stderr := runCommand(t, func(k string) string { return map[string]string{"USERSYNC_TOKEN": tok}[k] }, "", 10*time.Second, append(args, conn...)...)
		if code != exitUsage || !strings.Contains(stderr, "not a regular file") {
			t.Errorf("%s given a named pipe as its journal: exit %d:\n%s", args[0], code, stderr)
		}
		unchanged(args[0] + " given a named pipe")
	}

	// A file that is no journal: the user file itself, a report.
	for _, notJournal := range []string{path, filepath.Join(dir, "users.usersync-journal.rollback-report-"+reportStamp(t, dir)+".json")} {
		before, _ := os.ReadFile(notJournal)
		code, _, stderr = runCmd(t, tok, append([]string{"rollback", "--journal", notJournal}, conn...)...)
		if code != exitUsage || !strings.Contains(stderr, notJournal) || !strings.Contains(stderr, "is not a usersync journal") {
			t.Errorf("rollback given %s: exit %d, want 2 saying it is not a journal:\n%s", filepath.Base(notJournal), code, stderr)
		}
		if now, _ := os.ReadFile(notJournal); !bytes.Equal(now, before) {
			t.Errorf("rollback given %s changed it", notJournal)
		}
		unchanged("rollback given " + filepath.Base(notJournal))
		code, _, stderr = runCmd(t, tok, append([]string{"apply", path, "--journal", notJournal}, conn...)...)
		if code != exitUsage || !strings.Contains(stderr, "is not a usersync journal") {
			t.Errorf("apply given %s as its journal: exit %d, want 2 saying it is not a journal:\n%s", filepath.Base(notJournal), code, stderr)
		}
		unchanged("apply given " + filepath.Base(notJournal))
	}
}

// reportStamp is the time in the name of the one rollback report in dir.
func reportStamp(t *testing.T, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.rollback-report-*.json"))
	if len(m) != 1 {
		t.Fatalf("rollback reports: %v", m)
	}
	s := strings.TrimSuffix(filepath.Base(m[0]), ".json")
	return s[strings.LastIndex(s, "report-")+len("report-"):]
}
