// Package systest holds the system suites: each drives the built usersync
// binary (or both API clients) against a sandbox on 127.0.0.1, as an
// operator or a hostile server would, and asserts what the server holds in
// the end. The command's own tests (cmd_*_test.go) stay beside the commands.
package systest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sandbox/sandboxtest"
)

// The exit codes DESIGN.md gives (main.go's exitOK…); the suites check
// them as a script would.
const (
	exitOK          = 0
	exitRowsFailed  = 1
	exitUsage       = 2
	exitInterrupted = 3
)

var (
	sandboxToken = sandboxtest.Login
	writeUsers   = sandboxtest.WriteUsers
)

// binPath is the usersync binary TestMain builds once for every suite.
var binPath string

// TestMain runs the suites from the module's root, as the README's commands
// are (testdata/…, docs/… stay the paths a person types), with the binary
// built once.
func TestMain(m *testing.M) {
	if err := os.Chdir(".."); err != nil {
		fmt.Fprintln(os.Stderr, "systest:", err)
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "usersync-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "systest:", err)
		os.Exit(2)
	}
	binPath = filepath.Join(dir, "usersync")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "systest: go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// usersyncBinary is the binary TestMain built.
func usersyncBinary(t *testing.T) string {
	t.Helper()
	return binPath
}

// runCommand runs the usersync binary with args, stdin and the environment
// getenv gives for the variables usersync reads (the rest of the test's
// own environment stays: PATH, HOME), bounded by limit; it returns the
// exit code and what the command wrote on stdout and stderr.
func runCommand(t *testing.T, getenv func(string) string, stdin string, limit time.Duration, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "USERSYNC_TOKEN=") && !strings.HasPrefix(kv, "NO_COLOR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for _, k := range []string{"USERSYNC_TOKEN", "NO_COLOR"} {
		if v := getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdin = strings.NewReader(stdin)
	out, errs := &lockedBuffer{}, &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, errs
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("usersync %s did not finish within %v; stderr so far:\n%s", args[0], limit, errs.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errs.String()
}

// runCmd runs usersync with the token in the environment and no colour.
func runCmd(t *testing.T, token string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCommand(t, func(k string) string {
		switch k {
		case "USERSYNC_TOKEN":
			return token
		case "NO_COLOR":
			return "1"
		}
		return ""
	}, "", 60*time.Second, args...)
}

// noEnv is an environment without a token.
func noEnv(string) string { return "" }

// lockedBuffer is an output buffer a running command and the test may use
// at once.
type lockedBuffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

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

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// tmuxSession drives the built binary in a detached tmux session on a
// server socket of its own, so it never touches anyone else's tmux.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) capture() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-t", s.name)
}

// keys sends tmux key names ("Enter", "Escape", "C-c") or single letters.
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		s.tmux("send-keys", "-t", s.name, k)
		time.Sleep(120 * time.Millisecond)
	}
}

func (s *tmuxSession) typeText(text string) {
	s.t.Helper()
	s.tmux("send-keys", "-t", s.name, "-l", text)
	time.Sleep(150 * time.Millisecond)
}

// waitFor waits until the screen shows every text and returns it.
func (s *tmuxSession) waitFor(texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		screen := s.capture()
		ok := true
		for _, text := range texts {
			ok = ok && strings.Contains(screen, text)
		}
		if ok {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; it shows:\n%s", texts, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startTUI builds usersync, copies a testdata file into a fresh folder as
// name, and runs `usersync ARGS name` there in a detached 120x40 tmux
// session (NO_COLOR, a config folder of its own). After the program exits
// the pane prints "EXITED <status>".
func startTUI(t *testing.T, testdata, name string, args ...string) (s *tmuxSession, dir string, original []byte) {
	t.Helper()
	return startTUISized(t, 120, 40, testdata, name, args...)
}

// startTUISized is startTUI in a w×h terminal.
func startTUISized(t *testing.T, w, h int, testdata, name string, args ...string) (s *tmuxSession, dir string, original []byte) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (CI installs it)")
	}
	dir = t.TempDir()
	bin := usersyncBinary(t)
	original, err := os.ReadFile(testdata)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), original, 0o644); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(args, "--sandbox") {
		// The sandbox works on copies of the files it opens: here, in
		// place, so the test reads what the session saved.
		args = append(args, "--sandbox-dir", ".")
	}
	s = &tmuxSession{t: t, socket: fmt.Sprintf("usersync-e2e-%d-%s", os.Getpid(), strings.TrimSuffix(name, ".csv")), name: "e2e"}
	cmd := fmt.Sprintf("cd %q && XDG_CONFIG_HOME=%q HOME=%q NO_COLOR=1 %q %s %s; echo EXITED $?; sleep 30",
		dir, filepath.Join(dir, "config"), dir, bin, strings.Join(args, " "), name)
	s.tmux("new-session", "-d", "-s", s.name, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), cmd)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s, dir, original
}
