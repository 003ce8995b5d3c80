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
	"strings"
	gosync "sync"
	"testing"
	"time"

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
