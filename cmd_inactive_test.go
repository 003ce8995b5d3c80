package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/sandbox"
)

// TestReapplyAfterRollbackSaysWhoStaysInactive: an import is rolled back
// (the users it created are now Inactive), then the same file, which has
// no Status column, is planned and applied again. Those users match the
// file, but they are not back: the dry run, the apply and their JSON say
// how many users of the file are Inactive on the server and stay so, and
// that a Status column with Active makes them Active — never a silent
// "unchanged". The file leaves status alone (what a file does not say is
// left as it is), so they stay Inactive; with Status = Active they are
// made Active, and no registration mail is sent for them.
func TestReapplyAfterRollbackSaysWhoStaysInactive(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 20, Seed: 99})
	dir := t.TempDir()
	path, inFile := writeUsers(t, srv, dir, 5) // 5 new users, 5 updates; no Status column
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	journal := filepath.Join(dir, "users.usersync-journal.jsonl")
	must := func(what string, code int, stderr string) {
		t.Helper()
		if code != exitOK {
			t.Fatalf("%s: exit %d\n%s", what, code, stderr)
		}
	}
	code, _, stderr := runCmd(t, tok, append([]string{"apply", path, "--yes", "--no-registration-mail"}, conn...)...)
	must("apply", code, stderr)
	code, _, stderr = runCmd(t, tok, append([]string{"rollback", "--journal", journal, "--yes"}, conn...)...)
	must("rollback", code, stderr)
	created := []string{"crash0000@example.edu", "crash0001@example.edu", "crash0002@example.edu", "crash0003@example.edu", "crash0004@example.edu"}
	for _, e := range created {
		if u, _ := srv.User(e); u.Status != "Inactive" {
			t.Fatalf("%s after the rollback: %q, want Inactive", e, u.Status)
		}
	}
	// Every user of the file that is Inactive now: the 5 the import
	// created, and any the sandbox seeded Inactive.
	stays := 0
	for e := range inFile {
		if u, _ := srv.User(e); u.Status == "Inactive" {
			stays++
		}
	}
	says := fmt.Sprintf("%d users in the file are Inactive on the server and stay Inactive", stays)
	const how = "add a Status column with Active"

	// The dry run, for people and as JSON.
	code, _, stderr = runCmd(t, tok, append([]string{"plan", path}, conn...)...)
	must("plan", code, stderr)
	if !strings.Contains(stderr, says) || !strings.Contains(stderr, how) || !strings.Contains(stderr, fmt.Sprintf("%d stay Inactive", stays)) {
		t.Errorf("the dry run does not say who stays Inactive and how to make them Active:\n%s", stderr)
	}
	code, stdout, stderr := runCmd(t, tok, append([]string{"plan", path, "--json"}, conn...)...)
	must("plan --json", code, stderr)
	var plan struct {
		Counts map[string]int `json:"counts"`
		Notes  []string       `json:"notes"`
		Rows   []struct {
			Email         string `json:"email"`
			Action        string `json:"action"`
			StaysInactive bool   `json:"stays_inactive"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(stdout), &plan); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, stdout)
	}
	inactive := map[string]bool{}
	for _, r := range plan.Rows {
		if r.StaysInactive {
			inactive[r.Email] = true
		}
	}
	if plan.Counts["inactive"] != stays || len(inactive) != stays || !strings.Contains(strings.Join(plan.Notes, "\n"), how) {
		t.Errorf("plan --json: counts %v, %d rows staying Inactive, notes %q", plan.Counts, len(inactive), plan.Notes)
	}
	for _, e := range created {
		if !inactive[e] {
			t.Errorf("plan --json: %s is not marked as staying Inactive", e)
		}
	}

	// The apply says it too, and so does its JSON and its report; the
	// users stay Inactive (the file says nothing of their status).
	code, stdout, stderr = runCmd(t, tok, append([]string{"apply", path, "--yes", "--no-registration-mail", "--json", "--report", filepath.Join(dir, "again.csv")}, conn...)...)
	must("apply again", code, stderr)
	if !strings.Contains(stderr, says) || !strings.Contains(stderr, how) {
		t.Errorf("the apply does not say who stays Inactive:\n%s", stderr)
	}
	var run struct {
		Counts map[string]int `json:"counts"`
		Notes  []string       `json:"notes"`
	}
	if err := json.Unmarshal([]byte(stdout), &run); err != nil {
		t.Fatal(err)
	}
	if run.Counts["inactive"] != stays || !strings.Contains(strings.Join(run.Notes, "\n"), how) {
		t.Errorf("apply --json: counts %v, notes %q", run.Counts, run.Notes)
	}
	report, err := os.ReadFile(filepath.Join(dir, "again.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range created {
		if u, _ := srv.User(e); u.Status != "Inactive" {
			t.Errorf("%s was made %q by a file without a Status column", e, u.Status)
		}
		if !strings.Contains(string(report), e) || !reportLineSays(string(report), e, "stays Inactive") {
			t.Errorf("the report's line for %s does not say it stays Inactive:\n%s", e, report)
		}
	}

	// The way the words give: a Status column with Active.
	withStatus := filepath.Join(dir, "active.csv")
	writeWithStatus(t, path, withStatus, "Active")
	mails := srv.Stats().MailsSent
	code, _, stderr = runCmd(t, tok, append([]string{"apply", withStatus, "--yes"}, conn...)...)
	must("apply with Status = Active", code, stderr)
	if strings.Contains(stderr, "stay Inactive") {
		t.Errorf("the apply with Status = Active still says some stay Inactive:\n%s", stderr)
	}
	for _, e := range created {
		if u, _ := srv.User(e); u.Status != "Active" {
			t.Errorf("%s after Status = Active: %q", e, u.Status)
		}
	}
	if n := srv.Stats().MailsSent; n != mails {
		t.Errorf("%d registration mails sent to users made Active again", n-mails)
	}
}

// reportLineSays reports whether the report line of email holds text.
func reportLineSays(report, email, text string) bool {
	for _, l := range strings.Split(report, "\n") {
		if strings.Contains(l, email) {
			return strings.Contains(l, text)
		}
	}
	return false
}

// writeWithStatus copies the CSV at from to to with a Status column set
// to status on every row.
func writeWithStatus(t *testing.T, from, to, status string) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	for i, r := range recs {
		if i == 0 {
			w.Write(append(r, "Status"))
		} else {
			w.Write(append(r, status))
		}
	}
	w.Flush()
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
