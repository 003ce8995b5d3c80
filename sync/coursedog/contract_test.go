package coursedog_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// A row whose Unique ID belongs to an existing user but whose email is
// another is refused with the reason: the email is the user's identity
// and cannot change, and creating it would make a second account for the
// same person. Default Product and Status reach the server as columns.
func TestEmailChangeRefusedDefaultProductAndStatusApplied(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, sandbox.Options{Users: 20, Seed: 5})
	c, _ := connect(t, srv, coursedog.Options{})
	tg := coursedog.NewTarget(c)
	var known sandbox.User
	for _, u := range srv.Users() {
		if u.ExternalID != "" {
			known = u
			break
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	body := "First Name,Last Name,Email,Products,Unique ID,Default Product,Status\n" +
		known.FirstName + "," + known.LastName + ",renamed." + known.Email + ",scheduling," + known.ExternalID + ",,\n" +
		"Nia,Okoye,nia.okoye@example.edu,\"catalog, events\",N-1,events,Inactive\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	schema, err := tg.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := csvfile.Open(path, schema, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	existing, err := tg.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sync.NewPlan(tg.Name(), f, csvfile.Validate(f), existing, sync.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	refused := p.Rows[0]
	if refused.Action != sync.Skip || len(refused.Reasons) != 1 ||
		!strings.Contains(refused.Reasons[0], `Unique ID "`+known.ExternalID+`" belongs to `+known.Email) ||
		!strings.Contains(refused.Reasons[0], "cannot change") {
		t.Fatalf("the email change was not refused: %+v", refused)
	}
	if p.Rows[1].Action != sync.Create {
		t.Fatalf("row 2: %+v", p.Rows[1])
	}
	run, err := sync.Apply(ctx, tg, p, sync.ApplyOptions{JournalPath: filepath.Join(dir, "j.jsonl"),
		ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")})
	if err != nil || run.Counts.Create != 1 || run.Counts.Skip != 1 || run.Counts.Failed != 0 {
		t.Fatalf("apply: %v %+v", err, run)
	}
	if _, ok := srv.User("renamed." + known.Email); ok {
		t.Error("a second account was created for the same person")
	}
	if u, _ := srv.User(known.Email); u.Email != known.Email {
		t.Errorf("the user's email changed: %+v", u)
	}
	nia, ok := srv.User("nia.okoye@example.edu")
	if !ok || nia.DefaultProduct != "events" || nia.Status != "Inactive" {
		t.Errorf("Default Product and Status did not reach the server: %+v", nia)
	}
	if st := srv.Stats(); st.PostsPerEmail[strings.ToLower("renamed."+known.Email)] != 0 {
		t.Errorf("the refused row was sent: %v", st.PostsPerEmail)
	}
}

// While a run writes, someone else changes a user it has just written
// (a proxy plays them: right after the run's PUT of that user it puts
// another last name). The verify pass after the writes reads every user
// back and reports that one, on its row and in the run; the others hold
// what was sent.
func TestVerifyReportsAUserChangedBehindTheRunsBack(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, sandbox.Options{Users: 20, Seed: 6})
	users := srv.Users()
	var rows []sandbox.User
	for _, u := range users {
		if u.Email != sandbox.DemoEmail && len(rows) < 4 {
			rows = append(rows, u)
		}
	}
	victim := rows[2] // not the canary (the first update), so the run gets past it
	backend, _ := url.Parse(srv.URL())
	rp := httputil.NewSingleHostReverseProxy(backend)
	var once gosync.Once
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r)
		if r.Method == http.MethodPut && bytes.Contains(body, []byte(`"`+victim.Email+`"`)) {
			once.Do(func() {
				// Someone else, with their own session, edits the user.
				other := bytes.Replace(body, []byte(`"lastName":"`+victim.LastName+`-New"`), []byte(`"lastName":"Edited-Elsewhere"`), 1)
				req, _ := http.NewRequest(http.MethodPut, srv.URL()+r.URL.Path, bytes.NewReader(other))
				req.Header.Set("Authorization", r.Header.Get("Authorization"))
				req.Header.Set("Content-Type", "application/json")
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			})
		}
	}))
	t.Cleanup(front.Close)

	c, err := coursedog.NewClient(coursedog.Options{BaseURL: front.URL, School: sandbox.DemoSchool})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Login(ctx, sandbox.DemoEmail, sandbox.DemoPassword); err != nil {
		t.Fatal(err)
	}
	tg := coursedog.NewTarget(c)
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	body := "First Name,Last Name,Email,Products\n"
	for _, u := range rows {
		body += u.FirstName + "," + u.LastName + "-New," + u.Email + ",\"" + strings.Join(u.Products, ", ") + "\"\n"
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	schema, err := tg.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := csvfile.Open(path, schema, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	existing, err := tg.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sync.NewPlan(tg.Name(), f, csvfile.Validate(f), existing, sync.PlanOptions{})
	if err != nil || p.Counts.Update != 4 {
		t.Fatalf("plan: %v %+v", err, p.Counts)
	}
	opts := sync.ApplyOptions{Concurrency: 1, JournalPath: filepath.Join(dir, "j.jsonl"),
		ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")}
	run, err := sync.Apply(ctx, tg, p, opts)
	if err != nil || run.Interrupted || run.Counts.Update != 4 {
		t.Fatalf("apply: %v %+v %q", err, run.Counts, run.Reason)
	}
	if u, _ := srv.User(victim.Email); u.LastName != "Edited-Elsewhere" {
		t.Fatalf("the edit behind the run's back did not happen: %+v", u)
	}
	if run.Canary == nil || run.Canary.Differs() {
		t.Errorf("the canary should have passed: %+v", run.Canary)
	}
	v := run.Verify
	if v == nil || v.Users != 4 || len(v.Mismatches) != 1 || v.Mismatches[0].Email != victim.Email ||
		v.Mismatches[0].Header != "Last Name" || v.Mismatches[0].Sent != victim.LastName+"-New" || v.Mismatches[0].Stored != "Edited-Elsewhere" {
		t.Fatalf("verify: %+v", v)
	}
	report, _ := os.ReadFile(opts.ReportPath)
	if !strings.Contains(string(report), `verify: Last Name was sent as ""`+victim.LastName+`-New"", the server holds ""Edited-Elsewhere""`) {
		t.Errorf("the report does not say it on the row:\n%s", report)
	}
}
