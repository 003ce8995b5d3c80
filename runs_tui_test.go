package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/ui"
)

// The resume command the guided import prints after an interrupted run
// works as printed in a new shell (no token in the environment): either
// after the exact login command it prints first, or with the session's
// token kept (0600) when the operator says so.
func TestTUIResumeHintWorksInANewShell(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			if testing.Short() {
				t.Skip("builds the binary and runs it")
			}
			// The sandbox, the binary and a directory for the run's files.
			srv, _ := sandboxToken(t, sandbox.Options{Users: 100, Seed: 120, Latency: 5 * time.Millisecond})
			b := struct {
				srv  *sandbox.Server
				bin  string
				dir  string
				path func(string) string
			}{srv: srv, bin: usersyncBinary(t), dir: t.TempDir()}
			b.path = func(name string) string { return filepath.Join(b.dir, name) }
			config := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", config)
			t.Setenv("HOME", config)
			tb := &tuiBackend{getenv: func(string) string { return "" }}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sess, err := tb.Login(ctx, ui.LoginRequest{Target: "coursedog", Env: ui.EnvCustom, URL: b.srv.URL(),
				School: sandbox.DemoSchool, Email: sandbox.DemoEmail, Password: sandbox.DemoPassword})
			if err != nil {
				t.Fatal(err)
			}
			file, want := writeUsers(t, b.srv, b.dir, 40)
			journal := b.path("journal.jsonl")
			// The TUI's apply, through its backend: mail turned off on the
			// dry-run screen, stopped (Ctrl-C) after ten creates.
			f, existing := openWithUsers(t, ctx, sess, file)
			p, err := sync.NewPlan(sess.Target.Name(), f, csvfile.Validate(f), existing, sync.PlanOptions{Mail: false})
			if err != nil {
				t.Fatal(err)
			}
			applyCtx, stopApply := context.WithCancel(ctx)
			go func() {
				for b.srv.Stats().Creates < 10 && applyCtx.Err() == nil {
					time.Sleep(2 * time.Millisecond)
				}
				stopApply()
			}()
			run, err := tb.Apply(applyCtx, sess, p, sync.ApplyOptions{Concurrency: 1, JournalPath: journal,
				ReportPath: b.path("report.csv"), BackupPath: b.path("backup.json")})
			stopApply()
			if err != nil || !run.Interrupted {
				t.Fatalf("the TUI's apply: %v, %+v", err, run)
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

// openWithUsers opens file with the session's schema and lists the users
// the session's server has: what the guided import holds when it plans.
func openWithUsers(t *testing.T, ctx context.Context, sess ui.Session, file string) (*csvfile.File, []sync.User) {
	t.Helper()
	f, err := csvfile.Open(file, sess.Schema, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	existing, err := sess.Target.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return f, existing
}
