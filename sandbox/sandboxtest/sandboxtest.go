// Package sandboxtest starts a sandbox for a test and writes the files the
// tests import into it, for the command's own tests and the system suites
// alike (as net/http/httptest does for servers).
package sandboxtest

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/sandbox"
	"usersync/sync/coursedog"
)

// Login starts a sandbox on 127.0.0.1 (a random port), closed when the test
// ends, and logs in to it with the demo identity; it returns the server and
// the token.
func Login(t testing.TB, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	srv, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, LoginTo(t, srv)
}

// LoginTo logs in to a running sandbox with the demo identity again (a
// new session, as after its tokens expired) and returns the token.
func LoginTo(t testing.TB, srv *sandbox.Server) string {
	t.Helper()
	c, err := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL(), School: sandbox.DemoSchool})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Login(context.Background(), sandbox.DemoEmail, sandbox.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// WriteUsers writes dir/users.csv with n new users and n changes to
// existing ones, and returns its path and the last name the file asks for
// by lowercase email.
func WriteUsers(t testing.TB, srv *sandbox.Server, dir string, n int) (string, map[string]string) {
	t.Helper()
	path := filepath.Join(dir, "users.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"First Name", "Last Name", "Email", "Products"})
	want := map[string]string{} // email → last name
	for i := 0; i < n; i++ {
		email := fmt.Sprintf("crash%04d@example.edu", i)
		w.Write([]string{"Crash", fmt.Sprintf("Test%d", i), email, "scheduling"})
		want[email] = fmt.Sprintf("Test%d", i)
	}
	k := 0
	for _, u := range srv.Users() {
		if k == n || u.Email == sandbox.DemoEmail {
			continue
		}
		w.Write([]string{u.FirstName, u.LastName + "-Renamed", u.Email, "catalog"})
		want[strings.ToLower(u.Email)] = u.LastName + "-Renamed"
		k++
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, want
}
