package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/sandbox"
)

// departmentFile writes n new users and n changes to existing users, each
// naming a department the user does not have.
func departmentFile(t *testing.T, srv *sandbox.Server, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, "users.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"First Name", "Last Name", "Email", "Products", "Department"})
	depts := srv.Departments()
	for i := range n {
		w.Write([]string{"Can", fmt.Sprintf("Ary%d", i), fmt.Sprintf("canary%03d@example.edu", i), "scheduling", depts[i%len(depts)].Name})
	}
	k := 0
	for _, u := range srv.Users() {
		if k == n || u.Email == sandbox.DemoEmail {
			continue
		}
		for _, d := range depts {
			if d.Name != u.Department {
				w.Write([]string{u.FirstName, u.LastName, u.Email, strings.Join(u.Products, ","), d.Name})
				k++
				break
			}
		}
	}
	w.Flush()
	f.Close()
	return path
}

// Against a server that accepts Department and silently drops it, the
// canary (one create, one update) is read back and stops the run with exit
// 1, naming the field and both values, after at most two writes; the other
// users are untouched. With --no-canary the run goes on, and its verify
// pass reports every user whose department did not stick.
func TestCanaryStopsARunAgainstAServerThatDropsAField(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 30, Seed: 8, IgnoreFields: []string{"department"}})
	dir := t.TempDir()
	path := departmentFile(t, srv, dir, 5)
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	before := srv.Users()

	code, _, stderr := runCmd(t, tok, append([]string{"apply", path, "--yes", "--no-registration-mail"}, conn...)...)
	st := srv.Stats()
	writes := st.Requests["POST /api/v1/{school}/users"] + st.Requests["PUT /api/v1/{school}/users/{id}"] + st.Requests["PUT /api/v1/{school}/users"]
	if code != exitRowsFailed || writes > 2 || writes == 0 {
		t.Fatalf("want exit 1 after at most two writes, got exit %d after %d writes\n%s", code, writes, stderr)
	}
	for _, want := range []string{"canary: the server did not store what was sent", "Department was sent as", `the server holds ""`,
		"nothing else was written", "canary: 2 of 2 users differ from what was sent"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	changed := 0
	for _, u := range before {
		if now, _ := srv.User(u.Email); now.UpdatedAt != u.UpdatedAt {
			changed++
		}
	}
	if changed > 1 || st.Creates > 1 {
		t.Errorf("beyond the canary: %d users changed, %d created", changed, st.Creates)
	}

	// --no-canary: the operator knows better; verify still says what is off.
	code, _, stderr = runCmd(t, tok, append([]string{"apply", path, "--yes", "--no-registration-mail", "--no-canary",
		"--journal", filepath.Join(dir, "j2.jsonl")}, conn...)...)
	if code != exitRowsFailed || !strings.Contains(stderr, "verify: ") || !strings.Contains(stderr, "differ from what was sent") {
		t.Errorf("--no-canary: exit %d, want 1 with the verify findings:\n%s", code, stderr)
	}
}

// Against a faithful server the canary and verify pass and say so.
func TestCanaryAndVerifyPassOnAFaithfulServer(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 30, Seed: 9})
	path := departmentFile(t, srv, t.TempDir(), 4)
	code, _, stderr := runCmd(t, tok, "apply", path, "--yes", "--no-registration-mail", "--env", srv.URL(), "--school", sandbox.DemoSchool)
	if code != exitOK || !strings.Contains(stderr, "canary: the 2 users read back hold what was sent") ||
		!strings.Contains(stderr, "verify: the 8 users read back hold what was sent") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}
