package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

func TestPlanSavedThenAppliedAndRefusedWhenStale(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 40, Seed: 4})
	dir := t.TempDir()
	path, want := writeUsers(t, srv, dir, 10)
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	planPath := filepath.Join(dir, "plan.json")

	code, stdout, stderr := runCmd(t, tok, append([]string{"plan", path, "--out", planPath, "--no-registration-mail"}, conn...)...)
	if code != exitOK || stdout != "" {
		t.Fatalf("plan exit %d, stdout %q (the diff is for people: stderr): %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "10 to create (0 registration emails), 10 to update, 0 unchanged, 0 skipped") {
		t.Fatalf("plan summary missing:\n%s", stderr)
	}
	if !strings.Contains(stderr, "Last Name: ") || !strings.Contains(stderr, "-Renamed") {
		t.Errorf("plan does not show field-level changes:\n%s", stderr)
	}
	if len(srv.Stats().CreatesPerEmail) != 0 {
		t.Fatalf("plan wrote to the server")
	}

	// Without --yes and without a terminal nothing is sent.
	if code, _, stderr := runCmd(t, tok, append([]string{"apply", planPath}, conn...)...); code != exitUsage || !strings.Contains(stderr, "--yes") {
		t.Fatalf("apply without --yes: exit %d: %s", code, stderr)
	}

	// Another import adds a user before the saved plan is applied: stale.
	extra := filepath.Join(dir, "extra.csv")
	if err := os.WriteFile(extra, []byte("First Name,Last Name,Email,Products\nNew,Comer,new.comer@example.edu,events\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, tok, append([]string{"apply", extra, "--yes", "--no-registration-mail", "--journal", filepath.Join(dir, "x.jsonl")}, conn...)...); code != exitOK {
		t.Fatalf("extra apply: %d %s", code, stderr)
	}
	code, _, stderr = runCmd(t, tok, append([]string{"apply", planPath, "--yes"}, conn...)...)
	if code != exitRowsFailed || !strings.Contains(stderr, "changed since the plan") {
		t.Fatalf("stale plan: exit %d, %s", code, stderr)
	}

	// A fresh plan, saved and applied with --json: one document on stdout.
	if code, _, stderr := runCmd(t, tok, append([]string{"plan", path, "--out", planPath, "--json", "--no-registration-mail"}, conn...)...); code != exitOK {
		t.Fatalf("replan: %d %s", code, stderr)
	}
	code, stdout, stderr = runCmd(t, tok, append([]string{"apply", planPath, "--yes", "--json"}, conn...)...)
	if code != exitOK {
		t.Fatalf("apply plan.json: exit %d: %s", code, stderr)
	}
	var run sync.Run
	if err := json.Unmarshal([]byte(stdout), &run); err != nil {
		t.Fatalf("apply --json stdout is not one JSON document: %v\n%s", err, stdout)
	}
	if run.Counts.Create != 10 || run.Counts.Update != 10 || len(run.Outcomes) != 20 {
		t.Fatalf("apply counts %+v over %d rows", run.Counts, len(run.Outcomes))
	}
	for email, last := range want {
		if u, ok := srv.User(email); !ok || u.LastName != last {
			t.Errorf("%s: %v %q, want %q", email, ok, u.LastName, last)
		}
	}
	if srv.Stats().MailsSent != 0 {
		t.Errorf("mail sent though the plan suppressed it")
	}
}

// TestPlanFromScannedRowsMatchesPlanFromFile: for every readable file of
// the hostile corpus and a file with many duplicates (whose first rows
// learn of them late), the plan that plan and apply make from rows read
// as they come is the plan the guided import makes from the file in
// memory: same rows, actions, reasons, changes and file fingerprint.
func TestPlanFromScannedRowsMatchesPlanFromFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Products,Department\n")
	for i := range 40_000 {
		email := fmt.Sprintf("user%d@example.edu", i)
		if i%101 == 3 {
			email = fmt.Sprintf("User%d@example.edu", i-3000)
		}
		fmt.Fprintf(&b, "Ada,Lovelace %d,%s,events,Mathematics\n", i%3, email)
	}
	big := filepath.Join(t.TempDir(), "dups.csv")
	if err := os.WriteFile(big, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{big, "testdata/users.csv"}
	entries, err := os.ReadDir("testdata/hostile")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") && e.Name() != "generate.go" {
			files = append(files, "testdata/hostile/"+e.Name())
		}
	}
	existing := []sync.User{
		{ID: "u1", Email: "ada.lovelace@example.edu", Fields: map[string]string{"firstName": "Ada", "lastName": "L"}},
		{ID: "u2", Email: "user7@example.edu", Fields: map[string]string{"firstName": "Ada", "lastName": "Lovelace 1"},
			Lists: map[string][]string{"products": {"events"}}},
	}
	opts := sync.PlanOptions{Mail: true, DeactivateMissing: true, MaxDeactivate: 5, Exclude: []int{1}}
	compared := 0
	for _, path := range files {
		schema := coursedog.NewSchema(hostileRoles, hostileDepartments)
		f, ferr := openUserFile("coursedog", path, schema, csvfile.Options{})
		rows, serr := scanForPlan("coursedog", path, coursedog.NewSchema(hostileRoles, hostileDepartments), csvfile.Options{})
		if (ferr == nil) != (serr == nil) {
			t.Errorf("%s: open %v, scan %v", path, ferr, serr)
			continue
		}
		if ferr != nil {
			continue
		}
		want, werr := sync.NewPlan("coursedog", f, csvfile.Validate(f), existing, opts)
		got, gerr := sync.NewPlanFromRows("coursedog", path, schema, rows, existing, opts)
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%s: plan from the file %v, from the rows %v", path, werr, gerr)
			continue
		}
		if werr != nil {
			continue
		}
		got.CreatedAt = want.CreatedAt
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if !bytes.Equal(gj, wj) {
			t.Errorf("%s: plans differ\n got %.3000s\nwant %.3000s", path, gj, wj)
		}
		compared++
	}
	if compared < 35 {
		t.Errorf("compared %d plans", compared)
	}
}
