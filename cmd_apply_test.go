package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"usersync/sandbox"
)

// TestApplySurvivesSIGKILL kills `usersync apply` at random moments, again
// and again, then lets it finish: every user ends as the file says and no
// user is ever created twice.
func TestApplySurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it 20+ times")
	}
	bin := usersyncBinary(t)
	const rows, concurrency = 200, 2
	srv, tok := sandboxToken(t, sandbox.Options{Users: 300, Seed: 21, Latency: 10 * time.Millisecond})
	dir := t.TempDir()
	path, want := writeUsers(t, srv, dir, rows)
	journal := filepath.Join(dir, "journal.jsonl")
	args := []string{"apply", path, "--env", srv.URL(), "--school", sandbox.DemoSchool, "--yes",
		"--no-registration-mail", "--concurrency", fmt.Sprint(concurrency), "--journal", journal,
		"--report", filepath.Join(dir, "report.csv"), "--backup", filepath.Join(dir, "backup.json")}
	command := func(ctx context.Context) *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "USERSYNC_TOKEN="+tok, "NO_COLOR=1")
		cmd.Dir = dir
		return cmd
	}
	// Kill the apply at random moments until 20 kills have landed, then let
	// it run to the end; the run that ends resumes all the others.
	kills := killRepeatedly(t, command, 20, 21, 30*time.Millisecond, 250*time.Millisecond)
	if kills < 20 {
		t.Errorf("only %d kills landed before the apply finished; the test needs more work per run", kills)
	}
	st := srv.Stats()
	if st.CreatesPerEmailMax > 1 {
		t.Errorf("a user was created %d times across %d kills", st.CreatesPerEmailMax, kills)
	}
	for email, last := range want {
		u, ok := srv.User(email)
		if !ok || u.LastName != last {
			t.Errorf("%s: %v %q, want last name %q", email, ok, u.LastName, last)
		}
	}
	var report struct {
		Counts struct{ Create, Update, Unchanged, Skip, Failed, Pending int }
		Rows   []json.RawMessage
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	c := report.Counts
	if len(report.Rows) != 2*rows || c.Create+c.Update+c.Unchanged+c.Skip+c.Failed != 2*rows || c.Failed+c.Pending != 0 {
		t.Errorf("final report counts %+v over %d rows, want %d rows all done", c, len(report.Rows), 2*rows)
	}
	// A kill can lose only the journal lines of the writes in flight, so
	// nearly every row still reports what was done to it.
	if lost := 2*rows - c.Create - c.Update; lost > kills*concurrency {
		t.Errorf("%d rows report no write after %d kills at concurrency %d", lost, kills, concurrency)
	}
	t.Logf("%d kills; final report %+v", kills, c)
}
