package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
)

// TestRollbackSurvivesSIGKILL applies a file, then rolls it back with the
// rollback killed at random moments and run again until it finishes: every
// user the apply touched is back as the backup has it (created users
// deactivated), and nothing is created.
func TestRollbackSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it repeatedly")
	}
	bin := usersyncBinary(t)
	srv, tok := sandboxToken(t, sandbox.Options{Users: 200, Seed: 33, Latency: 10 * time.Millisecond})
	before := map[string]sandbox.User{}
	for _, u := range srv.Users() {
		before[strings.ToLower(u.Email)] = u
	}
	dir := t.TempDir()
	path, want := writeUsers(t, srv, dir, 100)
	journal := filepath.Join(dir, "journal.jsonl")
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool, "--yes"}
	run := func(ctx context.Context, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, append(args, conn...)...)
		cmd.Env = append(os.Environ(), "USERSYNC_TOKEN="+tok, "NO_COLOR=1")
		cmd.Dir = dir
		return cmd
	}
	if out, err := run(context.Background(), "apply", path, "--no-registration-mail", "--journal", journal,
		"--backup", filepath.Join(dir, "backup.json"), "--report", filepath.Join(dir, "report.csv")).CombinedOutput(); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	createsAfterApply := srv.Stats().Creates

	rollback := func(ctx context.Context) *exec.Cmd {
		return run(ctx, "rollback", "--journal", journal, "--concurrency", "2")
	}
	kills := killRepeatedly(t, rollback, 8, 33, 40*time.Millisecond, 300*time.Millisecond)
	if kills < 8 {
		t.Errorf("only %d kills landed", kills)
	}
	if n := srv.Stats().Creates; n != createsAfterApply {
		t.Errorf("the rollback created %d users", n-createsAfterApply)
	}
	for email := range want {
		now, _ := srv.User(email)
		old, existed := before[email]
		if !existed {
			if now.Status != "Inactive" {
				t.Errorf("created %s is %q, want Inactive", email, now.Status)
			}
			continue
		}
		if now.LastName != old.LastName || strings.Join(now.Products, ",") != strings.Join(old.Products, ",") {
			t.Errorf("%s: %s %v, backup has %s %v", email, now.LastName, now.Products, old.LastName, old.Products)
		}
	}
	t.Logf("%d kills", kills)
}
