//go:build unix

package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"usersync/csvfile/textsafe"
	"usersync/sandbox"
)

// unprintable returns the first character of out that is neither a line
// feed nor text that shows as itself (any ESC counts: NO_COLOR is set), or
// "".
func unprintable(out string) string {
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRuneInString(out[i:])
		if r != '\n' && (textsafe.Classify(r) != textsafe.Plain || (r == utf8.RuneError && size == 1)) {
			lo, hi := max(0, i-40), min(len(out), i+40)
			return textsafe.Describe(r) + " in …" + textsafe.Show(out[lo:hi]) + "…"
		}
		i += size
	}
	return ""
}

// TestHostileOutputsPrintable: for every file of testdata/hostile, with
// NO_COLOR set, the bytes validate prints (text and --json) and plan
// prints against the sandbox (text and --json), and what their printers
// write when called straight into a buffer (no renderer in front), hold
// no control character but line feeds, no ESC, no bidi control and no
// invisible character. The files hold OSC 52, clear-screen, retitle, BEL,
// BS, C1 controls, DEL, bidi overrides and isolates, zero-width
// characters, and escapes in headers and in a mapping file.
func TestHostileOutputsPrintable(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	srv, tok := sandboxToken(t, sandbox.Options{Users: 5, Seed: 12})
	entries, err := os.ReadDir("testdata/hostile")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		name := e.Name()
		if name == "generate.go" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".mapping") {
			continue
		}
		path := "testdata/hostile/" + name
		conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
		outputs := map[string]string{}
		for _, args := range [][]string{
			{"validate", path},
			{"validate", path, "--json"},
			append([]string{"plan", path}, conn...),
			append([]string{"plan", path, "--json"}, conn...),
		} {
			_, stdout, stderr := runCmd(t, tok, args...)
			outputs[strings.Join(args[:min(3, len(args))], " ")+" (stdout)"] = stdout
			outputs[strings.Join(args[:min(3, len(args))], " ")+" (stderr)"] = stderr
		}
		// The printers themselves, without run's renderer in front.
		_, direct := validateKnown(t, path, hostileOptions(t, nil))
		outputs["printValidation"] = direct
		env := &cmdEnv{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{},
			getenv: func(k string) string { return map[string]string{"USERSYNC_TOKEN": tok}[k] }}
		fs := flag.NewFlagSet("plan", flag.ContinueOnError)
		pf := addPlanFlags(fs)
		if err := fs.Parse(conn); err != nil {
			t.Fatal(err)
		}
		if pl, _, err := makePlan(context.Background(), env, pf, path); err == nil {
			var b bytes.Buffer
			printPlan(&b, pl.plan)
			outputs["printPlan"] = b.String()
		}
		for what, out := range outputs {
			if p := unprintable(out); p != "" {
				t.Errorf("%s: %s: %s", name, what, p)
			}
		}
		checked++
	}
	if checked < 60 {
		t.Errorf("%d files checked", checked)
	}
}

// TestHostileDevicesAndPipes: what is not a file is refused by its path's
// stat, at once, with a message; standard input (-) and a pipe the shell
// hands over (/dev/fd/N, bash's <(…)) are read, with the same rules.
func TestHostileDevicesAndPipes(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "users.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock.csv")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const how = ", not a file; usersync reads files, or standard input as -: usersync validate - < users.csv"
	for _, c := range []struct{ path, want string }{
		{"/dev/zero", "usersync validate: /dev/zero: this is a device" + how},
		{"/dev/urandom", "usersync validate: /dev/urandom: this is a device" + how},
		{fifo, "usersync validate: " + fifo + ": this is a named pipe" + how},
		{sock, "usersync validate: " + sock + ": this is a socket" + how},
	} {
		for _, target := range []string{"coursedog", "ccai"} {
			done := make(chan struct{})
			go func() {
				defer close(done)
				code, _, stderr := runOffline(t, "validate", c.path, "--target", target)
				if code != exitUsage || strings.TrimSpace(stderr) != c.want {
					t.Errorf("validate %s --target %s: exit %d\n%s\nwant %s", c.path, target, code, stderr, c.want)
				}
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("validate %s --target %s still running after 5 s", c.path, target)
			}
		}
	}
	// apply FILE tries it as a saved plan first: not from a pipe or a device.
	srv, tok := sandboxToken(t, sandbox.Options{Users: 5})
	for _, args := range [][]string{{"plan", fifo}, {"apply", fifo, "--yes"}} {
		code, _, stderr := runCmd(t, tok, append(args, "--env", srv.URL(), "--school", sandbox.DemoSchool)...)
		if code != exitUsage || !strings.Contains(stderr, fifo+": this is a named pipe") {
			t.Errorf("%s on a named pipe: exit %d\n%s", args[0], code, stderr)
		}
	}

	// Standard input, read once whatever the target.
	data, err := os.ReadFile("testdata/hostile/terminal_escapes_in_names.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"coursedog", "ccai"} {
		var out, errb bytes.Buffer
		env := &cmdEnv{stdin: bytes.NewReader(data), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		code := run(env, []string{"validate", "-", "--target", target})
		if code != exitRowsFailed || !strings.HasPrefix(errb.String(), "<stdin>: 5 rows for "+target) ||
			!strings.Contains(errb.String(), `<stdin>:2: First Name: "Ada\x1b]52;c;cm0gLXJmIH4=\x07" contains U+001B (ESC)`) {
			t.Errorf("validate - --target %s: exit %d\n%s", target, code, errb.String())
		}
	}
	// Binary on standard input is refused from its first bytes.
	var errb bytes.Buffer
	zeros := bytes.NewReader(make([]byte, 1<<20))
	env := &cmdEnv{stdin: zeros, stdout: &bytes.Buffer{}, stderr: &errb, getenv: func(string) string { return "" }}
	if code := run(env, []string{"validate", "-"}); code != exitUsage ||
		strings.TrimSpace(errb.String()) != "usersync validate: <stdin>:1: binary data (a NUL byte): this is not a CSV text file" || zeros.Len() < 1<<20-4096 {
		t.Errorf("validate - < zeros: exit %d, %d bytes left unread\n%s", code, zeros.Len(), errb.String())
	}

	// A pipe handed over as /dev/fd/N, its writer already gone.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.Write(data)
	w.Close()
	path := fmt.Sprintf("/dev/fd/%d", r.Fd())
	code, _, stderr := runOffline(t, "validate", path, "--target", "ccai")
	if code != exitRowsFailed || !strings.HasPrefix(stderr, path+": 5 rows for ccai") {
		t.Errorf("validate %s: exit %d\n%s", path, code, stderr)
	}
}

// TestHostileServerMessagesRendered: a server's error messages reach the
// operator's terminal rendered: an OSC 52 or a bidi override in them is
// shown escaped, for both targets and in the guided import's words too.
func TestHostileServerMessagesRendered(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"denied \u001b]52;c;cm0gLXJmIH4=\u0007 \u202eeurt\u202c \u009b2J"}`)
	}))
	defer evil.Close()
	users := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(users, []byte("First Name,Last Name,Email,Products\nAda,Lovelace,ada@example.edu,events\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	env := &cmdEnv{stdin: strings.NewReader("pw\n"), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	run(env, []string{"login", "--env", evil.URL, "--email", "a@example.edu", "--password-stdin", "--properties", filepath.Join(t.TempDir(), "p")})
	outputs := []string{errb.String()}
	for _, args := range [][]string{
		{"plan", users, "--env", evil.URL, "--school", "s"},
		{"plan", users, "--target", "ccai", "--env", evil.URL, "--tenant", "t"},
	} {
		_, stdout, stderr := runCmd(t, "tok", args...)
		outputs = append(outputs, stdout, stderr)
	}
	if outputs[0] == "" || outputs[2] == "" || outputs[4] == "" {
		t.Fatalf("an error went unsaid: %q", outputs)
	}
	for i, o := range outputs {
		if p := unprintable(o); p != "" {
			t.Errorf("output %d: %s\n%s", i, p, o)
		}
		if o != "" && !strings.Contains(o, `denied \x1b]52;c;cm0gLXJmIH4=\x07 \u202eeurt\u202c \u009b2J`) {
			t.Errorf("output %d does not show the server's message escaped:\n%s", i, o)
		}
	}
}
