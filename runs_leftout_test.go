package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
	"usersync/sync/render"
	"usersync/ui"
)

// A guided import that left one row out as deleted (in the preview, not
// saved) and one as excluded, stopped mid-run and resumed headless: the
// resumed run takes why from the run's record, so its JSON says deleted
// for the one and excluded for the other, and neither user is written.
func TestHeadlessResumeSaysDeletedNotExcluded(t *testing.T) {
	srv, _ := sandboxToken(t, sandbox.Options{Users: 30, Seed: 140, Latency: 5 * time.Millisecond})
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	tb := &tuiBackend{getenv: func(string) string { return "" }}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sess, err := tb.Login(ctx, ui.LoginRequest{Target: "coursedog", Env: ui.EnvCustom, URL: srv.URL(),
		School: sandbox.DemoSchool, Email: sandbox.DemoEmail, Password: sandbox.DemoPassword})
	if err != nil {
		t.Fatal(err)
	}
	file, _ := writeUsers(t, srv, dir, 20)
	f, existing := openWithUsers(t, ctx, sess, file)
	// Rows 0 and 1 are new users: crash0000 deleted, crash0001 excluded.
	why := map[string]string{f.Value(0, "email"): render.Deleted, f.Value(1, "email"): render.Excluded}
	opts := sync.PlanOptions{Mail: false, Exclude: []int{0, 1}, Why: map[int]string{0: render.Deleted, 1: render.Excluded}}
	p, err := sync.NewPlan(sess.Target.Name(), f, csvfile.Validate(f), existing, opts)
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(dir, "journal.jsonl")
	applyCtx, stop := context.WithCancel(ctx)
	go func() {
		for srv.Stats().Creates < 3 && applyCtx.Err() == nil {
			time.Sleep(2 * time.Millisecond)
		}
		stop()
	}()
	run, err := tb.Apply(applyCtx, sess, p, sync.ApplyOptions{Concurrency: 1, JournalPath: journal,
		ReportPath: filepath.Join(dir, "report.csv"), BackupPath: filepath.Join(dir, "backup.json")})
	stop()
	if err != nil || !run.Interrupted {
		t.Fatalf("the guided import's apply: %v, %+v", err, run)
	}

	// A new sign-in (the guided import's session ends with it).
	c, err := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL(), School: sandbox.DemoSchool})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Login(ctx, sandbox.DemoEmail, sandbox.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, tok, "apply", file, "--target", "coursedog", "--env", srv.URL(),
		"--school", sandbox.DemoSchool, "--journal", journal, "--yes", "--json")
	if code != exitOK { // rows the operator left out are not rows that failed
		t.Fatalf("the headless resume: exit %d, want 0\n%s", code, stderr)
	}
	var resumed sync.Run
	if err := json.Unmarshal([]byte(stdout), &resumed); err != nil {
		t.Fatalf("the resume's JSON: %v\n%s", err, stdout)
	}
	if !resumed.Resumed {
		t.Fatal("the headless apply did not resume the guided import's run: the test proves nothing")
	}
	seen := 0
	for _, o := range resumed.Outcomes {
		w, ok := why[o.Email]
		if !ok {
			continue
		}
		seen++
		if o.Result != sync.Skipped || o.Message != w {
			t.Errorf("%s: %s %q, want skipped %q", o.Email, o.Result, o.Message, w)
		}
		if _, written := srv.User(o.Email); written {
			t.Errorf("%s was written", o.Email)
		}
	}
	if seen != 2 || resumed.Counts.Skip != 2 || resumed.Counts.Create != 18 {
		t.Errorf("resumed: %d rows left out seen, counts %+v; want 2 skipped and 18 created", seen, resumed.Counts)
	}
}

// The other side of it: a row skipped for what it holds (an address that
// is none) was not imported, so the apply that skipped it exits 1, though
// every write it sent succeeded.
func TestApplySkippingAnInvalidRowExits1(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 5, Seed: 141})
	dir := t.TempDir()
	file := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(file, []byte("First Name,Last Name,Email,Products\n"+
		"Ada,Lovelace,ada.skip@example.edu,events\nAlan,Turing,alan at example.edu,events\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, tok, "apply", file, "--env", srv.URL(), "--school", sandbox.DemoSchool,
		"--yes", "--no-registration-mail", "--journal", filepath.Join(dir, "j.jsonl"))
	if code != exitRowsFailed {
		t.Errorf("exit %d, want %d\n%s", code, exitRowsFailed, stderr)
	}
	if _, ok := srv.User("ada.skip@example.edu"); !ok {
		t.Errorf("the valid row was not written:\n%s", stderr)
	}
}
