package systest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"usersync/sync"
	"usersync/sync/ccai"
	"usersync/sync/coursedog"
	"usersync/sync/httpapi"
)

// elsewhere is another host on this machine: it answers every request 200
// with an empty list, as a directory that needs no credentials would, and
// records what it was sent.
type elsewhere struct {
	*httptest.Server
	mu   gosync.Mutex
	seen []string // method, path, Authorization and body of each request
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.seen = append(e.seen, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization")+" body="+string(body))
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "[]")
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *elsewhere) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

// redirector answers every request with a redirect to the same path at
// to (307 keeps the method and the body, as a login's would be re-sent).
func redirector(t *testing.T, to func(r *http.Request) string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to(r), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(s.Close)
	return s
}

// TestLoginFollowsNoRedirect: a login answered with a redirect, to another
// host or to another path of the same one, is an error that names where
// it pointed, and the password goes nowhere else.
func TestLoginFollowsNoRedirect(t *testing.T) {
	other := newElsewhere(t)
	cross := redirector(t, func(r *http.Request) string { return other.URL + r.URL.Path })
	var sameHits gosync.Map
	same := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sameHits.Store(r.URL.Path, true)
		http.Redirect(w, r, "/elsewhere/sessions", http.StatusPermanentRedirect)
	}))
	defer same.Close()

	for _, c := range []struct {
		name, base, to string
	}{
		{"another host", cross.URL, other.URL + "/api/v1/sessions"},
		{"the same host", same.URL, same.URL + "/elsewhere/sessions"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, err := coursedog.NewClient(coursedog.Options{BaseURL: c.base})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.Login(context.Background(), "operator@example.edu", "s3cret-password")
			var se *sync.Error
			var re *httpapi.RedirectError
			if !errors.As(err, &se) || se.Retryable() || !errors.As(err, &re) || re.To != c.to ||
				!strings.Contains(err.Error(), "answered with a redirect to "+c.to+"; usersync follows no redirect when it sends a password") {
				t.Fatalf("login: %v", err)
			}

			// The command says the same and stores nothing.
			home := t.TempDir()
			props := filepath.Join(home, "coursedog.properties")
			code, stdout, stderr := runCommand(t, noEnv, "s3cret-password\n", 30*time.Second,
				"login", "--env", c.base, "--email", "operator@example.edu", "--password-stdin", "--properties", props)
			if code == exitOK || !strings.Contains(stderr, "answered with a redirect to "+c.to) || strings.Contains(stderr+stdout, "s3cret-password") {
				t.Errorf("usersync login: exit %d\n%s", code, stderr)
			}
			if _, err := os.Stat(props); err == nil {
				t.Error("a token file was written")
			}
		})
	}
	if got := other.requests(); len(got) != 0 {
		t.Errorf("the other host was sent %q", got)
	}
	if _, hit := sameHits.Load("/elsewhere/sessions"); hit {
		t.Error("the redirect on the same host was followed with the password")
	}
}

// TestReadRedirectedElsewhereFails: a read redirected to another host is
// an error naming that host, for both targets; nothing is sent there (so
// no token and no plan against a directory nobody chose), and plan exits 2.
func TestReadRedirectedElsewhereFails(t *testing.T) {
	other := newElsewhere(t)
	srv := redirector(t, func(r *http.Request) string { return other.URL + r.URL.RequestURI() })
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(users, []byte("First Name,Last Name,Email,Products\nAda,Lovelace,ada@example.edu,events\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// The clients.
	cd, err := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL, School: "demo", Token: "cd-token-123", ReadTries: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cd.ListUsers(context.Background())
	var re *httpapi.RedirectError
	if !errors.As(err, &re) || !strings.HasPrefix(re.To, other.URL) || !strings.Contains(err.Error(), "usersync sends credentials only to the host it was given") {
		t.Errorf("coursedog list: %v", err)
	}
	cc, err := ccai.NewClient(ccai.Options{BaseURL: srv.URL, Tenant: "demo", Token: "ccai-token-123"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Template(context.Background()); !errors.As(err, &re) || !strings.HasPrefix(re.To, other.URL) {
		t.Errorf("ccai template: %v", err)
	}

	// The commands.
	for _, args := range [][]string{
		{"plan", users, "--env", srv.URL, "--school", "demo"},
		{"plan", users, "--target", "ccai", "--env", srv.URL, "--tenant", "demo"},
	} {
		code, stdout, stderr := runCmd(t, "cmd-token-123", args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "answered with a redirect to "+other.URL) {
			t.Errorf("%s: exit %d, stdout %q\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	if got := other.requests(); len(got) != 0 {
		t.Errorf("the other host was sent %q", got)
	}
}
