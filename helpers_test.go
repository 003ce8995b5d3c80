package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox/sandboxtest"
)

// The helpers the command's tests share: the binary built once, the
// sandbox (sandbox/sandboxtest, as systest/ uses it), and usersync run
// in-process with its streams and environment captured.

var (
	binOnce gosync.Once
	binPath string
	binErr  error
)

// usersyncBinary builds the command once per test run.
func usersyncBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "usersync-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "usersync")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// The sandbox helpers, shared with the system suites (systest/).
var (
	sandboxToken = sandboxtest.Login
	sandboxLogin = sandboxtest.LoginTo
	writeUsers   = sandboxtest.WriteUsers
)

// killRepeatedly starts the command built by start and SIGKILLs it after a
// random pause (from min to min+spread), until kills have landed; then it
// lets a run finish and returns the kills. A run that ends by itself before
// its kill ends the loop too; one that fails fails the test.
func killRepeatedly(t *testing.T, start func(context.Context) *exec.Cmd, kills int, seed uint64, min, spread time.Duration) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	deadline := time.Now().Add(90 * time.Second)
	landed := 0
	for {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		cmd := start(ctx)
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatal(err)
		}
		if landed < kills {
			time.Sleep(min + time.Duration(rng.Int64N(int64(spread))))
			cmd.Process.Signal(syscall.SIGKILL)
		}
		err := cmd.Wait()
		timedOut := ctx.Err() != nil
		cancel()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() && !timedOut {
			landed++
			continue
		}
		if err != nil {
			t.Fatalf("%s after %d kills: %v\n%s", cmd.Args[1], landed, err, out)
		}
		return landed
	}
}

// runCmd runs usersync in-process with the token in the environment.
func runCmd(t *testing.T, token string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cmdEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string {
		switch k {
		case "USERSYNC_TOKEN":
			return token
		case "NO_COLOR":
			return "1"
		}
		return ""
	}}
	code = run(env, args)
	return code, out.String(), errb.String()
}

// runOffline runs usersync in-process with empty stdin and no environment.
func runOffline(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &cmdEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	code = run(env, args)
	return code, out.String(), errOut.String()
}

// runCommand runs usersync in-process with args, bounded by limit, and
// returns its exit code and what it wrote on stdout and stderr.
func runCommand(t *testing.T, getenv func(string) string, stdin string, limit time.Duration, args ...string) (int, string, string) {
	t.Helper()
	env, out, errs := testEnv(stdin, nil)
	env.getenv = getenv
	done := make(chan int, 1)
	go func() { done <- run(env, args) }()
	select {
	case code := <-done:
		return code, out.String(), errs.String()
	case <-time.After(limit):
		t.Fatalf("usersync %s did not finish within %v; stderr so far:\n%s", args[0], limit, errs.String())
		return 0, "", ""
	}
}

// lockedBuffer is a bytes.Buffer a command may write from another goroutine.
type lockedBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testEnv(stdin string, vars map[string]string) (*cmdEnv, *lockedBuffer, *lockedBuffer) {
	out, errs := &lockedBuffer{}, &lockedBuffer{}
	return &cmdEnv{stdin: strings.NewReader(stdin), stdout: out, stderr: errs,
		getenv: func(k string) string { return vars[k] }}, out, errs
}
