package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

	rng := rand.New(rand.NewPCG(33, 2))
	kills := 0
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		cmd := run(ctx, "rollback", "--journal", journal, "--concurrency", "2")
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if kills < 8 {
			time.Sleep(time.Duration(40+rng.IntN(300)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
		}
		err := cmd.Wait()
		timedOut := ctx.Err() != nil
		cancel()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() && !timedOut {
			kills++
			continue
		}
		if err != nil {
			t.Fatalf("rollback after %d kills: %v\n%s", kills, err, out)
		}
		break
	}
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
