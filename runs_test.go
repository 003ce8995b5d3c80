package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/ui"
)

// The tests in this file each reproduce one way a run used to lose the
// operator's decisions or its own record (issue 11), against the sandbox
// over HTTP, through the real command.

// binRun is the usersync binary pointed at one sandbox with a token.
type binRun struct {
	t   *testing.T
	bin string
	srv *sandbox.Server
	tok string
	dir string
}

func newBinRun(t *testing.T, opts sandbox.Options) *binRun {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs it")
	}
	srv, tok := sandboxToken(t, opts)
	return &binRun{t: t, bin: usersyncBinary(t), srv: srv, tok: tok, dir: t.TempDir()}
}

func (b *binRun) conn() []string {
	return []string{"--env", b.srv.URL(), "--school", sandbox.DemoSchool}
}

// cmd is usersync args with the sandbox's CONN flags added.
func (b *binRun) cmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.bin, append(args, b.conn()...)...)
	cmd.Env = append(os.Environ(), "USERSYNC_TOKEN="+b.tok, "NO_COLOR=1")
	cmd.Dir = b.dir
	return cmd
}

// run runs usersync to its end (bounded) and returns its exit code and output.
func (b *binRun) run(args ...string) (int, string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := b.cmd(ctx, args...).CombinedOutput()
	if ctx.Err() != nil {
		b.t.Fatalf("usersync %s did not finish in 60 s:\n%s", strings.Join(args, " "), out)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		b.t.Fatal(err)
	}
	return code, string(out)
}

// stopWhen starts usersync args and sends sig once cond holds (polled every
// 2 ms), then waits for it; it returns the output and whether the signal
// was sent before the command ended by itself.
func (b *binRun) stopWhen(sig syscall.Signal, cond func() bool, args ...string) (string, bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := b.cmd(ctx, args...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	sent := false
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return out.String(), sent
		case <-tick.C:
			if !sent && cond() {
				cmd.Process.Signal(sig)
				sent = true
			}
		}
	}
}

func (b *binRun) path(name string) string { return filepath.Join(b.dir, name) }

// preexisting is every user the sandbox has now, by lowercase email.
func (b *binRun) preexisting() map[string]sandbox.User {
	m := map[string]sandbox.User{}
	for _, u := range b.srv.Users() {
		m[strings.ToLower(u.Email)] = u
	}
	return m
}

// writes counts the user writes the sandbox has answered since its start.
func (b *binRun) writes() int {
	n := 0
	for route, c := range b.srv.Stats().Requests {
		if strings.HasPrefix(route, "POST /api/v1/{school}/users") || strings.HasPrefix(route, "PUT /api/v1/{school}/users") {
			n += c
		}
	}
	return n
}

// checkRolledBack: every user the import created is Inactive, every other
// user is exactly as before the import (status, names, products).
func checkRolledBack(t *testing.T, srv *sandbox.Server, before map[string]sandbox.User) {
	t.Helper()
	bad := 0
	for _, u := range srv.Users() {
		old, existed := before[strings.ToLower(u.Email)]
		switch {
		case !existed && u.Status != "Inactive":
			t.Errorf("%s was created by the import and is %q after the rollback", u.Email, u.Status)
			bad++
		case existed && (u.Status != old.Status || u.LastName != old.LastName ||
			strings.Join(u.Products, ",") != strings.Join(old.Products, ",")):
			t.Errorf("%s existed before the import as %s %s %v, after the rollback %s %s %v",
				u.Email, old.Status, old.LastName, old.Products, u.Status, u.LastName, u.Products)
			bad++
		}
		if bad > 10 {
			t.Fatal("…")
		}
	}
}

// A rollback stopped half-way and run again must finish the same undo: it
// deactivates only users the import created, never one that was Active
// before (it used to re-plan every restored user as a deactivation).
func TestRollbackResumedDeactivatesOnlyWhatTheImportCreated(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 300, Seed: 111, Latency: 3 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 120)
	journal := b.path("journal.jsonl")
	if code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--journal", journal); code != exitOK {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	start := b.writes()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		out, sent := b.stopWhen(sig, func() bool { return b.writes() >= start+40 },
			"rollback", "--journal", journal, "--yes", "--concurrency", "2")
		if !sent {
			t.Fatalf("the rollback ended before %v:\n%s", sig, out)
		}
		start = b.writes()
	}
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("resumed rollback: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// --no-registration-mail holds across a saved plan and across a resume
// with the command the program prints, and a flag that contradicts the
// saved plan or the unfinished run is refused before anything is sent.
func TestMailDecisionHoldsAcrossSavedPlansAndResumes(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 112, Latency: 5 * time.Millisecond})
	file, _ := writeUsers(t, b.srv, b.dir, 100)
	planPath := b.path("plan.json")
	if code, out := b.run("plan", file, "--out", planPath); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	// The plan was made with mail on: a flag saying otherwise is refused.
	code, out := b.run("apply", planPath, "--yes", "--no-registration-mail", "--journal", b.path("j0.jsonl"))
	if code != exitUsage || !strings.Contains(out, "registration mail") || b.writes() != 0 {
		t.Fatalf("apply of a mail-on plan with --no-registration-mail: exit %d, %d writes\n%s", code, b.writes(), out)
	}
	if st := b.srv.Stats(); st.MailsSent != 0 {
		t.Fatalf("%d registration mails sent", st.MailsSent)
	}
	t.Logf("saved plan vs flag:\n%s", out)

	// Started with mail off, interrupted, resumed with the bare command.
	journal := b.path("journal.jsonl")
	out, sent := b.stopWhen(syscall.SIGINT, func() bool { return b.srv.Stats().Creates >= 20 },
		"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--concurrency", "2")
	if !sent {
		t.Fatalf("the apply ended before the interrupt:\n%s", out)
	}
	if !strings.Contains(out, "--no-registration-mail") && !strings.Contains(out, "usersync apply") {
		t.Logf("interrupted apply said:\n%s", out)
	}
	// A contradicting flag is refused at once, naming the setting and both values.
	w := b.writes()
	code, out = b.run("apply", file, "--yes", "--replace", "--journal", journal)
	if code != exitUsage || !strings.Contains(out, "replace") || !strings.Contains(out, "--journal") || b.writes() != w {
		t.Fatalf("resume with --replace: exit %d, %d writes sent\n%s", code, b.writes()-w, out)
	}
	t.Logf("resume with a contradicting flag:\n%s", out)
	code, out = b.run("apply", file, "--yes", "--journal", journal)
	if code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	st := b.srv.Stats()
	if st.MailsSent != 0 || st.Creates != 100 {
		t.Fatalf("after the resume: %d mails sent, %d created; want 0 mails, 100 created", st.MailsSent, st.Creates)
	}
}

// A saved plan whose file changed or vanished since is refused.
func TestSavedPlanRefusedWhenItsFileChanged(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 40, Seed: 113})
	file, _ := writeUsers(t, b.srv, b.dir, 5)
	planPath := b.path("plan.json")
	if code, out := b.run("plan", file, "--out", planPath, "--no-registration-mail"); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	data, _ := os.ReadFile(file)
	if err := os.WriteFile(file, append(data, "Late,Addition,late.addition@example.edu,events\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := b.run("apply", planPath, "--yes")
	if code != exitUsage || !strings.Contains(out, "changed") || b.writes() != 0 {
		t.Fatalf("apply of a plan whose file changed: exit %d, %d writes\n%s", code, b.writes(), out)
	}
	os.Remove(file)
	code, out = b.run("apply", planPath, "--yes")
	if code != exitUsage || !strings.Contains(out, filepath.Base(file)) || b.writes() != 0 {
		t.Fatalf("apply of a plan whose file is gone: exit %d, %d writes\n%s", code, b.writes(), out)
	}
}

// Rows whose requests were in flight when the run stopped are settled on
// resume by reading the user: reported created (not "unchanged") and
// deactivated by a rollback.
func TestInFlightWritesSettledOnResume(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 114})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 80)
	// Dropped answers: the sandbox creates the user and hangs up, so the
	// create is in doubt while its retry waits.
	if err := b.srv.SetFaults(sandbox.Options{DropRate: 0.4, Latency: 2 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	journal, report := b.path("journal.jsonl"), b.path("report.csv")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--report", report, "--concurrency", "4"}
	for i, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL, syscall.SIGINT, syscall.SIGKILL} {
		dropped := b.srv.Stats().Dropped
		out, sent := b.stopWhen(sig, func() bool { return b.srv.Stats().Dropped >= dropped+2 }, args...)
		if !sent {
			t.Logf("run %d ended before %v:\n%s", i, sig, out)
			break
		}
	}
	b.srv.SetFaults(sandbox.Options{})
	if code, out := b.run(args...); code != exitOK {
		t.Fatalf("final resume: exit %d\n%s", code, out)
	}
	var rep reportCounts
	data, err := os.ReadFile(b.path("report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Counts.Create != 80 || rep.Counts.Update != 80 {
		t.Errorf("report %+v: want all 80 new users created and 80 updated (in-flight rows must not read unchanged)", rep.Counts)
	}
	if st := b.srv.Stats(); st.CreatesPerEmailMax > 1 {
		t.Errorf("a user was created %d times", st.CreatesPerEmailMax)
	}
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// A second apply of the same file while one runs is refused at once, and
// the first one's journal stays whole.
func TestSecondApplyOfTheSameJournalRefused(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 115, Latency: 20 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	first := b.cmd(ctx, "apply", file, "--yes", "--no-registration-mail", "--concurrency", "2")
	firstOut := &lockedBuffer{}
	first.Stdout, first.Stderr = firstOut, firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	for b.srv.Stats().Creates < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--concurrency", "2")
	if code != exitUsage || !strings.Contains(out, "running") {
		t.Errorf("second apply: exit %d\n%s", code, out)
	}
	t.Logf("second apply:\n%s", out)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the second apply took %v to be refused", d)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first apply: %v\n%s", err, firstOut.String())
	}
	if st := b.srv.Stats(); st.CreatesPerEmailMax > 1 || st.Creates != 60 {
		t.Errorf("%d created, at most %d times each", st.Creates, st.CreatesPerEmailMax)
	}
	journal := strings.TrimSuffix(file, ".csv") + ".usersync-journal.jsonl"
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback after two applies: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}

// A server that stops answering stops the run resumably (exit 3), and reads
// before the first write that run out of retries exit 3 too.
func TestServerThatStopsAnsweringStopsTheRun(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 116, Latency: 5 * time.Millisecond})
	file, _ := writeUsers(t, b.srv, b.dir, 100)
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--concurrency", "4",
		"--journal", b.path("journal.jsonl"), "--report", b.path("report.csv")}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := b.cmd(ctx, args...)
	out, err := func() ([]byte, error) {
		buf := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = buf, buf
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		for b.srv.Stats().Creates < 10 {
			time.Sleep(2 * time.Millisecond)
		}
		b.srv.Close()
		err := cmd.Wait()
		return []byte(buf.String()), err
	}()
	if ctx.Err() != nil {
		t.Fatalf("apply against a dead server did not stop within 60 s:\n%s", out)
	}
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != exitInterrupted || !strings.Contains(string(out), "stopped answering") {
		t.Fatalf("apply against a dead server: %v\n%s", err, out)
	}
	if _, err := os.Stat(b.path("report.json")); err != nil {
		t.Errorf("no report: %v", err)
	}
	t.Logf("dead server:\n%s", out)
	// Nothing answers at all now: the first reads fail; nothing is sent.
	code, out2 := b.run("plan", file)
	if code != exitInterrupted {
		t.Errorf("plan against a dead server: exit %d, want 3\n%s", code, out2)
	}
}

// A journal damaged mid-file is refused with its file and line, not set
// aside; a rollback from it still undoes what it can establish and says
// what it could not.
func TestDamagedJournalRefusedAndRollbackSaysWhatItCannotEstablish(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 117, Latency: 2 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 60)
	journal := b.path("journal.jsonl")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal}
	out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return b.srv.Stats().Creates >= 30 }, args...)
	if !sent {
		t.Fatalf("apply ended before the kill:\n%s", out)
	}
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) < 10 {
		t.Fatalf("journal has %d lines", len(lines))
	}
	damaged := append(append([]string{}, lines[:5]...), "{\"t\":\"out\",garbage\n")
	damaged = append(damaged, lines[5:]...)
	if err := os.WriteFile(journal, []byte(strings.Join(damaged, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	w := b.writes()
	code, out := b.run(args...)
	if code != exitUsage || !strings.Contains(out, "journal.jsonl") || !strings.Contains(out, "line 6") || b.writes() != w {
		t.Fatalf("resume from a damaged journal: exit %d, %d writes\n%s", code, b.writes()-w, out)
	}
	if _, err := os.Stat(journal); err != nil {
		t.Fatalf("the damaged journal was moved aside: %v", err)
	}
	t.Logf("resume from a damaged journal:\n%s", out)
	code, out = b.run("rollback", "--journal", journal, "--yes")
	if code == exitOK || !strings.Contains(out, "line 6") {
		t.Errorf("rollback from a damaged journal: exit %d (must say it could not read line 6 and not exit 0)\n%s", code, out)
	}
	t.Logf("rollback from a damaged journal:\n%s", lastLines(out, 12))
	// Every user the import created is Inactive: the rollback established
	// them from the other lines, the backup and the server.
	checkRolledBack(t, b.srv, before)
}

// The report exists before the first write: a report path that cannot be
// written stops the apply before anything is sent; a killed run leaves a
// report of what it did.
func TestReportWrittenBeforeTheFirstWrite(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 100, Seed: 118, Latency: 5 * time.Millisecond})
	file, _ := writeUsers(t, b.srv, b.dir, 40)
	blocker := b.path("not-a-dir")
	os.WriteFile(blocker, nil, 0o600)
	code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--report", filepath.Join(blocker, "report.csv"))
	if code != exitUsage || b.writes() != 0 {
		t.Fatalf("unwritable report: exit %d, %d writes sent\n%s", code, b.writes(), out)
	}
	out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return b.srv.Stats().Creates >= 20 },
		"apply", file, "--yes", "--no-registration-mail", "--report", b.path("report.csv"), "--concurrency", "2")
	if !sent {
		t.Fatalf("apply ended before the kill:\n%s", out)
	}
	var rep reportCounts
	data, err := os.ReadFile(b.path("report.json"))
	if err != nil {
		t.Fatalf("a killed run left no report: %v", err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 80 {
		t.Errorf("the report of the killed run lists %d rows, want 80", len(rep.Rows))
	}
}

// A rollback speaks of what the import created and updated, counts its
// deactivations, and without --yes says that it did not roll back.
func TestRollbackWording(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 60, Seed: 119})
	file, _ := writeUsers(t, b.srv, b.dir, 5)
	journal := b.path("journal.jsonl")
	if code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--journal", journal); code != exitOK {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	code, out := b.run("rollback", "--journal", journal)
	if code != exitUsage || !strings.Contains(out, "rollback: not applied") || strings.Contains(out, "apply: not applied") {
		t.Errorf("rollback without --yes: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "replace mode") || strings.Contains(out, "not in file") || !strings.Contains(out, "created by the import") {
		t.Errorf("the rollback plan speaks of the wrong things:\n%s", out)
	}
	t.Logf("rollback without --yes:\n%s", out)
	code, out = b.run("rollback", "--journal", journal, "--yes")
	t.Logf("rollback:\n%s", out)
	if code != exitOK || !strings.Contains(out, "5 deactivated") || !strings.Contains(out, "5 restored") {
		t.Errorf("rollback: exit %d; the last lines must count 5 deactivated and 5 restored\n%s", code, out)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// The resume command the guided import prints after an interrupted run
// works as printed in a new shell (no token in the environment): either
// after the exact login command it prints first, or with the session's
// token kept (0600) when the operator says so.
func TestTUIResumeHintWorksInANewShell(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			b := newBinRun(t, sandbox.Options{Users: 100, Seed: 120, Latency: 5 * time.Millisecond})
			config := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", config)
			t.Setenv("HOME", config)
			tb := &tuiBackend{getenv: func(string) string { return "" }}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := tb.Login(ctx, ui.LoginRequest{Target: "coursedog", Env: ui.EnvCustom, URL: b.srv.URL(),
				School: sandbox.DemoSchool, Email: sandbox.DemoEmail, Password: sandbox.DemoPassword}); err != nil {
				t.Fatal(err)
			}
			file, want := writeUsers(t, b.srv, b.dir, 40)
			journal := b.path("journal.jsonl")
			b.tok = tb.login.token // the session's own token, as the TUI's apply used it
			out, sent := b.stopWhen(syscall.SIGINT, func() bool { return b.srv.Stats().Creates >= 10 },
				"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--concurrency", "1")
			if !sent {
				t.Fatalf("the apply ended before the interrupt:\n%s", out)
			}
			// The command the UI builds for this run.
			resume := "usersync apply " + file + " --target coursedog --env " + b.srv.URL() + " --school " + sandbox.DemoSchool +
				" --journal " + journal + " --yes"
			var hint strings.Builder
			tb.printResumeHint(&hint, strings.NewReader("y\n"), keep, resume)
			t.Logf("hint:\n%s", hint.String())
			var cmds [][]string
			for _, line := range strings.Split(hint.String(), "\n") {
				if f := strings.Fields(line); len(f) > 0 && f[0] == "usersync" {
					cmds = append(cmds, f[1:])
				}
			}
			if len(cmds) == 0 || !strings.Contains(strings.Join(cmds[len(cmds)-1], " "), "--journal "+journal) {
				t.Fatalf("no resume command in the hint:\n%s", hint.String())
			}
			// A new shell: no token in the environment.
			newShell := func(stdin string, args []string) (int, string) {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, b.bin, args...)
				cmd.Env = []string{"HOME=" + config, "XDG_CONFIG_HOME=" + config, "NO_COLOR=1", "PATH=" + os.Getenv("PATH")}
				cmd.Dir = t.TempDir()
				cmd.Stdin = strings.NewReader(stdin)
				out, err := cmd.CombinedOutput()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
				return code, string(out)
			}
			for i, args := range cmds {
				stdin := ""
				if args[0] == "login" {
					args, stdin = append(args, "--password-stdin"), sandbox.DemoPassword+"\n"
				}
				if code, out := newShell(stdin, args); code != exitOK {
					t.Fatalf("command %d of the hint (%s): exit %d\n%s", i+1, strings.Join(args, " "), code, out)
				}
			}
			if keep == (len(cmds) != 1) {
				t.Errorf("keep=%v: %d commands in the hint", keep, len(cmds))
			}
			if keep {
				props := filepath.Join(config, "usersync", "coursedog.properties")
				if st, err := os.Stat(props); err != nil || st.Mode().Perm() != 0o600 {
					t.Errorf("the kept token file %s: %v, mode %v; want 0600", props, err, st.Mode().Perm())
				}
			}
			for email, last := range want {
				if u, ok := b.srv.User(email); !ok || u.LastName != last {
					t.Errorf("%s: %v %q, want %q", email, ok, u.LastName, last)
				}
			}
			if st := b.srv.Stats(); st.MailsSent != 0 || st.CreatesPerEmailMax > 1 {
				t.Errorf("%d mails, a user created %d times", st.MailsSent, st.CreatesPerEmailMax)
			}
		})
	}
}

// A torn last line (what a crash mid-write leaves) is cut and the run goes
// on; a journal that records another file's run is refused with its file
// and line, nothing sent.
func TestTornLastLineResumesAndAnotherFilesJournalIsRefused(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 121, Latency: 3 * time.Millisecond})
	file, want := writeUsers(t, b.srv, b.dir, 50)
	journal := b.path("journal.jsonl")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--concurrency", "2"}
	if out, sent := b.stopWhen(syscall.SIGKILL, func() bool { return b.srv.Stats().Creates >= 15 }, args...); !sent {
		t.Fatalf("apply ended before the kill:\n%s", out)
	}
	f, err := os.OpenFile(journal, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"t":"out","row":3,"line":5,"email":"crash0003@exa`)
	f.Close()

	// Another file, the same journal: refused, naming the journal's first line.
	other := b.path("other.csv")
	os.WriteFile(other, []byte("First Name,Last Name,Email,Products\nOther,Person,other.person@example.edu,events\n"), 0o600)
	w := b.writes()
	code, out := b.run("apply", other, "--yes", "--no-registration-mail", "--journal", journal)
	if code != exitUsage || !strings.Contains(out, journal+" (line 1") || !strings.Contains(out, "file") || b.writes() != w {
		t.Fatalf("apply of another file with this journal: exit %d, %d writes\n%s", code, b.writes()-w, out)
	}
	t.Logf("another file:\n%s", out)

	if code, out := b.run(args...); code != exitOK {
		t.Fatalf("resume after a torn last line: exit %d\n%s", code, out)
	}
	data, _ := os.ReadFile(journal)
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("journal line %d is not a record after the resume: %v: %q", i+1, err, line)
		}
	}
	for email, last := range want {
		if u, ok := b.srv.User(email); !ok || u.LastName != last {
			t.Errorf("%s: %v %q, want %q", email, ok, u.LastName, last)
		}
	}
	if st := b.srv.Stats(); st.CreatesPerEmailMax > 1 {
		t.Errorf("a user was created %d times", st.CreatesPerEmailMax)
	}
}
