package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
)

// runAt runs usersync in-process with its clock stopped at now, the token
// in the environment, and no colour.
func runAt(t *testing.T, now time.Time, token string, args ...string) (int, string, string) {
	t.Helper()
	env, out, errs := testEnv("", map[string]string{"USERSYNC_TOKEN": token, "NO_COLOR": "1"})
	env.now = func() time.Time { return now }
	code := run(env, args)
	return code, out.String(), errs.String()
}

// reportCounts reads a report's JSON twin: its counts and rows.
func reportCounts(t *testing.T, path string) (counts map[string]int, rows int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Counts map[string]int    `json:"counts"`
		Rows   []json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r.Counts, len(r.Rows)
}

// TestRunsInTheSameSecondKeepEveryReport: two applies, then two rollbacks,
// each pair started in the same second (the clock is stopped), all with
// their default report names. Every run keeps its own report (CSV and JSON
// twin); none is written over by the next.
func TestRunsInTheSameSecondKeepEveryReport(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 20, Seed: 91})
	dir := t.TempDir()
	path, _ := writeUsers(t, srv, dir, 5)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool, "--yes", "--no-registration-mail"}

	code, _, stderr := runAt(t, now, tok, append([]string{"apply", path}, conn...)...)
	if code != exitOK {
		t.Fatalf("first apply: exit %d\n%s", code, stderr)
	}
	first := filepath.Join(dir, "users.report-20260304-050607.json")
	if c, _ := reportCounts(t, first); c["create"] != 5 || c["update"] != 5 {
		t.Fatalf("first report %v, want 5 created and 5 updated", c)
	}
	// The same file again, the same second (its own journal, so the
	// first's stays the one to roll back): everything is unchanged now.
	code, _, stderr = runAt(t, now, tok, append([]string{"apply", path, "--journal", filepath.Join(dir, "again.jsonl")}, conn...)...)
	if code != exitOK {
		t.Fatalf("second apply: exit %d\n%s", code, stderr)
	}
	if c, _ := reportCounts(t, first); c["create"] != 5 || c["update"] != 5 {
		t.Errorf("the first apply's report was written over by the second's: %v", c)
	}
	second := filepath.Join(dir, "users.report-20260304-050607-2.json")
	if c, n := reportCounts(t, second); c["unchanged"] != 10 || n != 10 {
		t.Errorf("second report %v (%d rows), want 10 unchanged", c, n)
	}
	if !strings.Contains(stderr, "users.report-20260304-050607-2.csv") {
		t.Errorf("the second apply does not name its own report:\n%s", stderr)
	}
	for _, p := range []string{first, second} {
		if _, err := os.Stat(strings.TrimSuffix(p, ".json") + ".csv"); err != nil {
			t.Errorf("CSV report beside %s: %v", p, err)
		}
	}

	// Two rollbacks of the same import in the same second: the second finds
	// it undone, and keeps its own report beside the first's.
	journal := filepath.Join(dir, "users.usersync-journal.jsonl")
	for i := 0; i < 2; i++ {
		code, _, stderr = runAt(t, now, tok, "rollback", "--journal", journal, "--env", srv.URL(), "--school", sandbox.DemoSchool, "--yes")
		if code != exitOK {
			t.Fatalf("rollback %d: exit %d\n%s", i+1, code, stderr)
		}
	}
	rb := filepath.Join(dir, "users.usersync-journal.rollback-report-20260304-050607.json")
	if c, _ := reportCounts(t, rb); c["deactivate"] != 5 || c["update"] != 5 {
		t.Errorf("the first rollback's report %v, want 5 deactivated and 5 restored (written over by the second?)", c)
	}
	if c, _ := reportCounts(t, strings.TrimSuffix(rb, ".json")+"-2.json"); c["deactivate"]+c["update"] != 0 {
		t.Errorf("the second rollback's report %v, want nothing done", c)
	}
}
