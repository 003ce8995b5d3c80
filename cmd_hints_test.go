package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/sandbox"
)

// shellWords splits a command line as a POSIX shell does for the quoting
// usersync prints (plain words and '…' with '\” inside).
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	in, inWord := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case in && c == '\'':
			in = false
		case in:
			cur.WriteByte(c)
		case c == '\'':
			in, inWord = true, true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		case c == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if in {
		t.Fatalf("unclosed quote in %q", line)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// hintAfter is the command printed after marker in stderr, as words
// without the leading "usersync".
func hintAfter(t *testing.T, stderr, marker string) []string {
	t.Helper()
	i := strings.Index(stderr, marker)
	if i < 0 {
		t.Fatalf("no %q in:\n%s", marker, stderr)
	}
	line := stderr[i+len(marker):]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	w := shellWords(t, strings.TrimSpace(line))
	if len(w) < 2 || w[0] != "usersync" {
		t.Fatalf("the hint %q is not a usersync command", line)
	}
	return w[1:]
}

// TestHintsWorkAsPrinted: the commands plan, apply and rollback tell the
// operator to run next work when pasted, in a folder whose name has a
// space, against a server given by --env: plan --out's "apply it with",
// apply's refusal without --yes (which shows the plan's diff itself, for
// a saved plan too, not a `usersync plan` that refuses a plan.json), and
// rollback's pointer to the run set aside before one that sent nothing.
func TestHintsWorkAsPrinted(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 5, Seed: 11})
	dir := filepath.Join(t.TempDir(), "my runs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "users.csv")
	writeEmails(t, path, "h0@example.edu", "h1@example.edu")
	plan := filepath.Join(dir, "plan.json")
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	code, _, stderr := runCmd(t, tok, append([]string{"plan", path, "--no-registration-mail", "--out", plan}, conn...)...)
	if code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	applyIt := hintAfter(t, stderr, "apply it with:")

	code, _, stderr = runCmd(t, tok, append([]string{"apply", plan}, conn...)...)
	if code != exitUsage || strings.Contains(stderr, "usersync plan") || !strings.Contains(stderr, "h0@example.edu") ||
		!strings.Contains(stderr, "the plan above is what it would do") {
		t.Errorf("apply plan.json without --yes: exit %d, want 2 showing the plan's diff itself:\n%s", code, stderr)
	}
	if code, _, stderr := runCmd(t, tok, applyIt...); code != exitOK {
		t.Fatalf("the printed %q: exit %d\n%s", strings.Join(applyIt, " "), code, stderr)
	}
	if u, ok := srv.User("h0@example.edu"); !ok || u.Status != "Active" {
		t.Fatalf("h0 after the apply: %v %+v", ok, u)
	}

	// The same file again sends nothing and sets the import aside: rollback
	// of the journal points to it.
	if code, _, stderr := runCmd(t, tok, append([]string{"apply", path, "--yes"}, conn...)...); code != exitOK {
		t.Fatalf("apply again: exit %d\n%s", code, stderr)
	}
	journal := filepath.Join(dir, "users.usersync-journal.jsonl")
	code, _, stderr = runCmd(t, tok, append([]string{"rollback", "--journal", journal, "--yes"}, conn...)...)
	if code != exitUsage {
		t.Fatalf("rollback of a run that sent nothing: exit %d\n%s", code, stderr)
	}
	undo := hintAfter(t, stderr, "to undo that one,")
	if code, _, stderr := runCmd(t, tok, append(undo, "--yes")...); code != exitOK {
		t.Fatalf("the printed %q: exit %d\n%s", strings.Join(undo, " "), code, stderr)
	}
	for _, e := range []string{"h0@example.edu", "h1@example.edu"} {
		if u, _ := srv.User(e); u.Status != "Inactive" {
			t.Errorf("%s is %q after the printed rollback", e, u.Status)
		}
	}
}
