package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
)

// writeEmails writes path as a user file of new users, one per email.
func writeEmails(t *testing.T, path string, emails ...string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"First Name", "Last Name", "Email", "Products"})
	for _, e := range emails {
		w.Write([]string{"Ann", "Lee", e, "scheduling"})
	}
	w.Flush()
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// setAside lists the finished runs a journal's later runs set aside (J.TIME).
func setAside(t *testing.T, journal string) []string {
	t.Helper()
	m, _ := filepath.Glob(journal + ".*")
	var out []string
	for _, n := range m {
		if rest := strings.TrimPrefix(n, journal+"."); len(rest) >= 16 && !strings.Contains(rest, ".") {
			out = append(out, n)
		}
	}
	return out
}

// TestRollbackOfSetAsideImportsKeepsJournalsApart: three imports of the
// same file leave the two older set aside as J.TIME; rolling back each of
// them writes its own J.TIME.rollback.jsonl, never one shared name, and
// each undoes its own import's users.
func TestRollbackOfSetAsideImportsKeepsJournalsApart(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 5, Seed: 7})
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool, "--yes"}
	journal := filepath.Join(dir, "users.usersync-journal.jsonl")
	batches := [][]string{{"a0@example.edu", "a1@example.edu"}, {"b0@example.edu", "b1@example.edu"}, {"c0@example.edu"}}
	for _, emails := range batches {
		writeEmails(t, path, emails...)
		if code, _, stderr := runCmd(t, tok, append([]string{"apply", path, "--no-registration-mail"}, conn...)...); code != exitOK {
			t.Fatalf("apply %v: exit %d\n%s", emails, code, stderr)
		}
	}
	aside := setAside(t, journal)
	if len(aside) != 2 {
		t.Fatalf("set aside: %v, want the two older imports (folder: %s)", aside, dirNames(t, dir))
	}
	for _, old := range aside {
		if code, _, stderr := runCmd(t, tok, append([]string{"rollback", "--journal", old}, conn...)...); code != exitOK {
			t.Fatalf("rollback --journal %s: exit %d\n%s", filepath.Base(old), code, stderr)
		}
		rb := old + ".rollback.jsonl"
		data, err := os.ReadFile(rb)
		if err != nil {
			t.Fatalf("the rollback of %s: %v (folder: %s)", filepath.Base(old), err, dirNames(t, dir))
		}
		if !strings.Contains(string(data), `"undoes":["`+old+`"]`) {
			t.Errorf("%s does not record that it undoes %s:\n%.400s", filepath.Base(rb), filepath.Base(old), data)
		}
	}
	if _, err := os.Stat(journal + ".rollback.jsonl"); err == nil {
		t.Errorf("a rollback journal named after the whole journal was written: %s", dirNames(t, dir))
	}
	for i, emails := range batches {
		for _, e := range emails {
			u, ok := srv.User(e)
			want := "Inactive"
			if i == 2 {
				want = "Active" // the last import was not rolled back
			}
			if !ok || u.Status != want {
				t.Errorf("%s: %v %q, want %s", e, ok, u.Status, want)
			}
		}
	}
}

// TestRefusedApplyChangesNothing: a saved plan applied a second time is
// refused as stale (exit 1), and a plan or file applied without --yes
// off a terminal is refused (exit 2); neither sets the finished journal
// aside, makes a lock or writes any file, so the README's rollback of
// that journal still works after.
func TestRefusedApplyChangesNothing(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 5, Seed: 8})
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	writeEmails(t, path, "p0@example.edu", "p1@example.edu")
	plan := filepath.Join(dir, "plan.json")
	connNoYes := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	conn := append(connNoYes, "--yes")
	journal := filepath.Join(dir, "users.usersync-journal.jsonl")
	if code, _, stderr := runCmd(t, tok, append([]string{"plan", path, "--no-registration-mail", "--out", plan}, connNoYes...)...); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	files := dirNames(t, dir)
	for _, target := range []string{plan, path} {
		code, _, stderr := runCmd(t, tok, append([]string{"apply", target}, connNoYes...)...)
		if code != exitUsage || !strings.Contains(stderr, "add --yes") {
			t.Errorf("apply %s without --yes: exit %d\n%s", filepath.Base(target), code, stderr)
		}
		if now := dirNames(t, dir); now != files {
			t.Errorf("apply %s without --yes changed the folder:\n was %s\n now %s", filepath.Base(target), files, now)
		}
	}
	if code, _, stderr := runCmd(t, tok, append([]string{"apply", plan}, conn...)...); code != exitOK {
		t.Fatalf("apply plan.json: exit %d\n%s", code, stderr)
	}
	writes, files := serverWrites(srv), dirNames(t, dir)
	before, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, tok, append([]string{"apply", plan}, conn...)...)
	if code != exitRowsFailed || !strings.Contains(stderr, "changed since the plan was made") {
		t.Errorf("apply plan.json again: exit %d, want 1 (stale)\n%s", code, stderr)
	}
	if now := dirNames(t, dir); now != files {
		t.Errorf("the refused apply changed the folder:\n was %s\n now %s", files, now)
	}
	if now, _ := os.ReadFile(journal); !bytes.Equal(now, before) {
		t.Errorf("the refused apply changed the journal")
	}
	if n := serverWrites(srv); n != writes {
		t.Errorf("the refused apply sent %d writes", n-writes)
	}
	if code, _, stderr := runCmd(t, tok, append([]string{"rollback", "--journal", journal}, conn...)...); code != exitOK {
		t.Fatalf("rollback --journal %s after the refusal: exit %d\n%s", filepath.Base(journal), code, stderr)
	}
	for _, e := range []string{"p0@example.edu", "p1@example.edu"} {
		if u, _ := srv.User(e); u.Status != "Inactive" {
			t.Errorf("%s is %q after the rollback, want Inactive", e, u.Status)
		}
	}
}

// TestEarlyRefusalsLeaveNoFile: apply, rollback and plan refused before
// a run starts (a missing file, no token, no --yes, a journal that does
// not exist) leave no lock, journal, backup or report behind.
func TestEarlyRefusalsLeaveNoFile(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 5, Seed: 9})
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	writeEmails(t, path, "e0@example.edu")
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	missing := filepath.Join(dir, "nosuch.csv")
	noJournal := filepath.Join(dir, "nosuch.usersync-journal.jsonl")
	cases := []struct {
		name  string
		token string
		args  []string
	}{
		{"apply a missing file", tok, append([]string{"apply", missing, "--yes"}, conn...)},
		{"apply a missing file, no token", "", append([]string{"apply", missing, "--yes"}, conn...)},
		{"apply a missing file, its journal in a new folder", tok, append([]string{"apply", missing, "--yes", "--journal", filepath.Join(dir, "runs", "a", "j.jsonl")}, conn...)},
		{"apply without --yes, its journal in a new folder", tok, append([]string{"apply", path, "--journal", filepath.Join(dir, "runs", "j.jsonl")}, conn...)},
		{"apply without a token", "", append([]string{"apply", path, "--yes"}, conn...)},
		{"apply without --yes", tok, append([]string{"apply", path}, conn...)},
		{"apply with a bad token", "not-a-token", append([]string{"apply", path, "--yes"}, conn...)},
		{"rollback of no journal", tok, append([]string{"rollback", "--journal", noJournal, "--yes"}, conn...)},
		{"plan a missing file", tok, append([]string{"plan", missing, "--out", filepath.Join(dir, "p.json")}, conn...)},
	}
	files := dirNames(t, dir)
	refusedLeavingNothing := func(name, token string, args []string) {
		t.Helper()
		code, _, stderr := runCmd(t, token, args...)
		if code == exitOK {
			t.Errorf("%s: exit 0\n%s", name, stderr)
		}
		if now := dirNames(t, dir); now != files {
			t.Errorf("%s (exit %d) left files:\n was %s\n now %s\n%s", name, code, files, now, stderr)
			files = now
		}
	}
	for _, c := range cases {
		refusedLeavingNothing(c.name, c.token, c.args)
	}
	// A finished import's rollback refused (no token, no --yes) leaves
	// nothing either: no rollback journal, lock, backup or report.
	if code, _, stderr := runCmd(t, tok, append([]string{"apply", path, "--yes", "--no-registration-mail"}, conn...)...); code != exitOK {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	journal := filepath.Join(dir, "users.usersync-journal.jsonl")
	files = dirNames(t, dir)
	for _, c := range []struct {
		name, token string
		args        []string
	}{
		{"rollback without a token", "", append([]string{"rollback", "--journal", journal, "--yes"}, conn...)},
		{"rollback without --yes", tok, append([]string{"rollback", "--journal", journal}, conn...)},
	} {
		refusedLeavingNothing(c.name, c.token, c.args)
	}
}

// TestTwoAppliesOfOnePlanAtOnce: the same saved plan applied twice at the
// same moment: one applies it, the other is refused (busy, or stale once
// the first is done) and sets nothing aside, so the journal holds the one
// run and its rollback works.
func TestTwoAppliesOfOnePlanAtOnce(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 5, Seed: 10})
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	writeEmails(t, path, "t0@example.edu", "t1@example.edu", "t2@example.edu")
	plan := filepath.Join(dir, "plan.json")
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	if code, _, stderr := runCmd(t, tok, append([]string{"plan", path, "--no-registration-mail", "--out", plan}, conn...)...); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	codes := make(chan int, 2)
	errs := make(chan string, 2)
	for i := 0; i < 2; i++ {
		go func() {
			code, _, stderr := runCmd(t, tok, append([]string{"apply", plan, "--yes"}, conn...)...)
			codes <- code
			errs <- stderr
		}()
	}
	got := map[int]int{}
	var out []string
	for i := 0; i < 2; i++ {
		got[<-codes]++
		out = append(out, <-errs)
	}
	if got[exitOK] != 1 || got[exitUsage]+got[exitRowsFailed] != 1 {
		t.Fatalf("exits %v, want one 0 and one refusal:\n%s", got, strings.Join(out, "\n---\n"))
	}
	if n := srv.Stats().CreatesPerEmailMax; n > 1 {
		t.Errorf("a user was created %d times", n)
	}
	journal := filepath.Join(dir, "users.usersync-journal.jsonl")
	if a := setAside(t, journal); len(a) != 0 {
		t.Errorf("the refused apply set %v aside", a)
	}
	if _, err := os.Lstat(journal + ".lock"); err == nil {
		t.Errorf("a lock is left: %s", dirNames(t, dir))
	}
	if code, _, stderr := runCmd(t, tok, append([]string{"rollback", "--journal", journal, "--yes"}, conn...)...); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, stderr)
	}
	for _, e := range []string{"t0@example.edu", "t1@example.edu", "t2@example.edu"} {
		if u, _ := srv.User(e); u.Status != "Inactive" {
			t.Errorf("%s is %q after the rollback", e, u.Status)
		}
	}
}

// TestSavedPlanSurvivesSIGKILL kills `usersync apply plan.json` at random
// moments (before its run is recorded, while it checks the plan, mid-
// write) and runs it again until it finishes: no user is created twice,
// every user ends as planned, no lock is left, and the plan is never
// refused as stale by its own writes.
func TestSavedPlanSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it repeatedly")
	}
	bin := usersyncBinary(t)
	srv, tok := sandboxToken(t, sandbox.Options{Users: 100, Seed: 13, Latency: 10 * time.Millisecond})
	dir := t.TempDir()
	path, want := writeUsers(t, srv, dir, 80)
	plan := filepath.Join(dir, "plan.json")
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	if code, _, stderr := runCmd(t, tok, append([]string{"plan", path, "--no-registration-mail", "--out", plan}, conn...)...); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	command := func(ctx context.Context) *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, append([]string{"apply", plan, "--yes", "--concurrency", "2"}, conn...)...)
		cmd.Env = append(os.Environ(), "USERSYNC_TOKEN="+tok, "NO_COLOR=1")
		cmd.Dir = dir
		return cmd
	}
	kills := killRepeatedly(t, command, 8, 13, 5*time.Millisecond, 200*time.Millisecond)
	if n := srv.Stats().CreatesPerEmailMax; n > 1 {
		t.Errorf("a user was created %d times across %d kills", n, kills)
	}
	for email, last := range want {
		if u, ok := srv.User(email); !ok || u.LastName != last {
			t.Errorf("%s: %v %q, want %q", email, ok, u.LastName, last)
		}
	}
	journal := filepath.Join(dir, "users.usersync-journal.jsonl")
	if _, err := os.Lstat(journal + ".lock"); err == nil {
		t.Errorf("a lock is left after the run finished")
	}
	t.Logf("%d kills; set aside: %v", kills, setAside(t, journal))
}
