package systest

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox"
)

// TestChaosApplyAndRollback applies a 2,000-row mixed file with faults on
// (failures, dropped answers, latency), killing the apply with SIGKILL or
// SIGINT at random moments and running it again, with and without the flags
// it started with; then rolls it back the same way. After every step: no
// email created twice, no registration mail (the run started with mail
// off), no user that was Active before the import made Inactive by the
// rollback, a contradicting flag refused with nothing sent. At the end of
// the apply the server holds what the file says; at the end of the
// rollback every created user is Inactive and every other user is as the
// backup has it.
//
// It is bounded (at least 30 interrupted steps, about a minute);
// USERSYNC_CHAOS=N runs N steps of each phase instead.
func TestChaosApplyAndRollback(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it many times")
	}
	steps := 20
	if n, err := strconv.Atoi(os.Getenv("USERSYNC_CHAOS")); err == nil && n > 0 {
		steps = n
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	b := newBinRun(t, sandbox.Options{Users: 1300, Seed: 130})
	t.Cleanup(func() {
		// USERSYNC_CHAOS_KEEP=DIR keeps the journals and reports of a failed run.
		if keep := os.Getenv("USERSYNC_CHAOS_KEEP"); keep != "" && t.Failed() {
			exec.Command("cp", "-r", b.dir, keep).Run()
		}
	})
	before := b.preexisting()
	file, want := writeChaosFile(t, b.srv, b.dir)
	if err := b.srv.SetFaults(sandbox.Options{FailRate: 0.05, DropRate: 0.05, Latency: 2 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	journal := b.path("journal.jsonl")
	base := []string{"--yes", "--journal", journal, "--report", b.path("report.csv"), "--concurrency", "8"}
	deadline := time.Now().Add(75 * time.Second)
	if steps > 20 {
		deadline = time.Now().Add(time.Duration(steps) * 4 * time.Second)
	}

	checkStep := func(phase string, step int) {
		t.Helper()
		st := b.srv.Stats()
		if st.CreatesPerEmailMax > 1 {
			t.Fatalf("%s step %d: a user was created %d times", phase, step, st.CreatesPerEmailMax)
		}
		if st.MailsSent != 0 {
			t.Fatalf("%s step %d: %d registration mails sent with mail off", phase, step, st.MailsSent)
		}
		for _, u := range b.srv.Users() {
			if old, ok := before[strings.ToLower(u.Email)]; ok && old.Status == "Active" && u.Status == "Inactive" {
				t.Fatalf("%s step %d: %s was Active before the import and is Inactive now", phase, step, u.Email)
			}
		}
	}
	// interrupt runs one step: the command, stopped after a random pause
	// with SIGKILL or SIGINT (unless it ends first). It returns whether the
	// run is done (exit 0). SIGINT must stop it cleanly (exit 3) whenever it
	// lands; any other exit fails the test.
	interrupt := func(args ...string) bool {
		ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(30*time.Second))
		defer cancel()
		cmd := b.cmd(ctx, args...)
		buf := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = buf, buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		sig := syscall.SIGKILL
		if rng.IntN(2) == 0 {
			sig = syscall.SIGINT
		}
		var err error
		signalled := false
		select {
		case err = <-done:
		case <-time.After(time.Duration(20+rng.IntN(600)) * time.Millisecond):
			cmd.Process.Signal(sig)
			signalled = true
			err = <-done
		}
		ee, _ := err.(*exec.ExitError)
		switch {
		case err == nil:
			return true
		case signalled && ee != nil && !ee.Exited():
			// Killed; or a SIGINT that came before the program set up its
			// handler (at its very start), which kills it the same way.
			return false
		case ee != nil && ee.ExitCode() == exitInterrupted:
			return false
		}
		t.Fatalf("%s (signalled %v with %v): %v\n%s", strings.Join(args, " "), signalled, sig, err, buf.String())
		return false
	}
	// finish runs the command to its end: exit 0, or 3 when the weather
	// stopped it (then it runs again).
	finish := func(args ...string) bool {
		code, out := b.run(args...)
		switch code {
		case exitOK:
			return true
		case exitInterrupted:
			return false
		}
		t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), code, out)
		return false
	}

	// Phase 1: the apply.
	stepsDone, finished := 0, false
	for !finished {
		if time.Now().After(deadline) {
			t.Fatalf("the apply did not finish in time after %d steps", stepsDone)
		}
		args := append([]string{"apply", file}, base...)
		switch {
		case stepsDone == 0 || rng.IntN(3) == 0:
			args = append(args, "--no-registration-mail") // as recorded: agrees
		case rng.IntN(6) == 0:
			// A flag that contradicts the run: refused, nothing sent.
			w := b.writes()
			code, out := b.run(append(args, "--replace")...)
			if code != exitUsage || !strings.Contains(out, "replace mode") || b.writes() != w {
				t.Fatalf("apply step %d with --replace: exit %d, %d writes sent\n%s", stepsDone, code, b.writes()-w, out)
			}
		}
		if stepsDone < steps {
			finished = interrupt(args...)
		} else {
			finished = finish(args...)
		}
		stepsDone++
		checkStep("apply", stepsDone)
	}
	applySteps := stepsDone
	for email, last := range want {
		u, ok := b.srv.User(email)
		if !ok || u.LastName != last || u.Status == "Inactive" {
			t.Errorf("after the apply %s: %v %q %s, the file says %q", email, ok, u.LastName, u.Status, last)
		}
	}
	for email, old := range before {
		if _, inFile := want[email]; inFile {
			continue
		}
		if u, _ := b.srv.User(email); u.LastName != old.LastName || u.Status != old.Status {
			t.Errorf("%s is not in the file and changed: %s %s → %s %s", email, old.LastName, old.Status, u.LastName, u.Status)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Phase 2: the rollback.
	stepsDone, finished = 0, false
	for !finished {
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("the rollback did not finish in time after %d steps", stepsDone)
		}
		args := []string{"rollback", "--journal", journal, "--yes", "--concurrency", "8"}
		if stepsDone < steps/2+1 {
			finished = interrupt(args...)
		} else {
			finished = finish(args...)
		}
		stepsDone++
		checkStep("rollback", stepsDone)
	}
	b.srv.SetFaults(sandbox.Options{})
	checkRolledBack(t, b.srv, before)

	t.Logf("%d apply steps, %d rollback steps; %d requests answered 5xx, %d dropped", applySteps, stepsDone,
		b.srv.Stats().Responses["500"]+b.srv.Stats().Responses["502"]+b.srv.Stats().Responses["503"], b.srv.Stats().Dropped)
	if applySteps+stepsDone < 30 {
		t.Errorf("only %d steps", applySteps+stepsDone)
	}
}

// writeChaosFile writes 2,000 rows: 1,000 new users, 800 changes to
// existing ones and 200 that repeat an existing user exactly. It returns
// the path and the last name the file gives each email.
func writeChaosFile(t *testing.T, srv *sandbox.Server, dir string) (string, map[string]string) {
	t.Helper()
	path := filepath.Join(dir, "chaos.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"First Name", "Last Name", "Email", "Products"})
	want := map[string]string{}
	for i := 0; i < 1000; i++ {
		email := fmt.Sprintf("chaos%04d@example.edu", i)
		w.Write([]string{"Chaos", fmt.Sprintf("New%d", i), email, "scheduling"})
		want[email] = fmt.Sprintf("New%d", i)
	}
	changed, same := 0, 0
	for _, u := range srv.Users() {
		if u.Email == sandbox.DemoEmail || u.Status != "Active" {
			continue
		}
		email := strings.ToLower(u.Email)
		switch {
		case changed < 800:
			w.Write([]string{u.FirstName, u.LastName + "-Chaos", u.Email, "catalog"})
			want[email] = u.LastName + "-Chaos"
			changed++
		case same < 200:
			w.Write([]string{u.FirstName, u.LastName, u.Email, strings.Join(u.Products, ", ")})
			want[email] = u.LastName
			same++
		}
	}
	w.Flush()
	f.Close()
	if changed != 800 || same != 200 {
		t.Fatalf("the sandbox has too few active users: %d changed, %d same", changed, same)
	}
	return path, want
}
