package sync_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// env is a sandbox and a logged-in coursedog target, over real HTTP.
type env struct {
	srv *sandbox.Server
	t   *coursedog.Target
	dir string
}

func startEnv(tb testing.TB, opts sandbox.Options) *env {
	tb.Helper()
	srv, err := sandbox.Start(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	c, err := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL(), School: sandbox.DemoSchool})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Faults apply to the login too: try until it goes through.
	for try := 0; ; try++ {
		tok, err := c.Login(ctx, sandbox.DemoEmail, sandbox.DemoPassword)
		if err == nil {
			c.SetToken(tok)
			break
		}
		if try > 20 {
			tb.Fatal(err)
		}
	}
	return &env{srv: srv, t: coursedog.NewTarget(c), dir: tb.TempDir()}
}

var header = []string{"First Name", "Last Name", "Email", "Products", "Unique ID", "Department", "Secondary Departments", "Role IDs"}

// writeMix writes a file of n rows against the sandbox's users: half new,
// 40% changing an existing user, 10% repeating one exactly. It returns the
// path and the rows by email.
func writeMix(tb testing.TB, e *env, n int) (string, map[string][]string) {
	tb.Helper()
	users := e.srv.Users()
	roles := e.srv.Roles()
	rows := map[string][]string{}
	var records [][]string
	add := func(r []string) { records = append(records, r); rows[strings.ToLower(r[2])] = r }
	newN, changeN := n/2, n*4/10
	for i := 0; i < newN; i++ {
		add([]string{fmt.Sprintf("New%d", i), "Person", fmt.Sprintf("new.person%d@example.edu", i),
			"scheduling, events", fmt.Sprintf("N%05d", i), "", "", roles[i%len(roles)].ID})
	}
	k := 0
	for _, u := range users {
		if u.Email == sandbox.DemoEmail || strings.EqualFold(u.Status, "Inactive") {
			continue
		}
		if k < changeN {
			add([]string{u.FirstName, u.LastName + "-Changed", u.Email, u.Products[0], "", "", "", ""})
		} else if k < n-newN {
			add([]string{u.FirstName, u.LastName, u.Email, strings.Join(u.Products, ", "), "", "", "", ""})
		} else {
			break
		}
		k++
	}
	if len(records) != n {
		tb.Fatalf("the sandbox has too few users for a %d-row mix", n)
	}
	path := filepath.Join(e.dir, "users.csv")
	writeUsers(tb, path, records)
	return path, rows
}

// writeUsers writes a user file of the header and records at path.
func writeUsers(tb testing.TB, path string, records [][]string) {
	tb.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(records)
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
}

func plan(tb testing.TB, e *env, path string, opts sync.PlanOptions) (*sync.Plan, []sync.User) {
	tb.Helper()
	ctx := context.Background()
	schema, err := e.t.Schema(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := csvfile.Open(path, schema, csvfile.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	existing, err := e.t.ListUsers(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := sync.NewPlan(e.t.Name(), f, csvfile.Validate(f), existing, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return p, existing
}

func applyOpts(dir string) sync.ApplyOptions {
	return sync.ApplyOptions{Concurrency: 8, JournalPath: filepath.Join(dir, "journal.jsonl"),
		ReportPath: filepath.Join(dir, "report.csv"), BackupPath: filepath.Join(dir, "backup.json")}
}

func TestApplyWithFaultsReachesThePlannedState(t *testing.T) {
	e := startEnv(t, sandbox.Options{Users: 300, Seed: 7})
	path, rows := writeMix(t, e, 100)
	p, existing := plan(t, e, path, sync.PlanOptions{Mail: false})
	if p.Counts.Create != 50 || p.Counts.Update != 40 || p.Counts.Unchanged != 10 {
		t.Fatalf("plan counts %+v, want 50 create, 40 update, 10 unchanged", p.Counts)
	}
	// Faults on for the apply: a tenth of requests fail, a rate limit and
	// latency. (At a fifth, one of the 90 writes ran out of its six tries,
	// and rightly failed, about one run in 170.)
	if err := e.srv.SetFaults(sandbox.Options{FailRate: 0.1, RateLimit: 15, Latency: 5 * time.Millisecond, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	e.srv.ResetStats()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The events say, while it runs, that requests are retried and why.
	opts := applyOpts(e.dir)
	events := make(chan sync.Event, 4096)
	opts.Events = events
	run, err := sync.ApplyWith(ctx, e.t, p, opts, existing)
	var retried, limited, lastErr = 0, false, ""
	for len(events) > 0 { // sends never block: the buffer holds them all
		ev := <-events
		if ev.Retries > retried {
			retried, lastErr = ev.Retries, ev.LastError
		}
		limited = limited || strings.HasPrefix(ev.Note, "rate limited: waiting")
	}
	if err != nil {
		t.Fatal(err)
	}
	if retried == 0 || !strings.Contains(lastErr, "(HTTP 50") || !limited {
		t.Errorf("events: %d retries, last error %q, rate limit said %v", retried, lastErr, limited)
	}
	c := run.Counts
	if c.Create+c.Update+c.Unchanged+c.Skip+c.Failed != 100 || c.Failed != 0 || c.Create != 50 || c.Update != 40 {
		t.Fatalf("outcome counts %+v: want 50 created, 40 updated, 10 unchanged, nothing failed", c)
	}
	st := e.srv.Stats()
	if st.CreatesPerEmailMax > 1 {
		t.Errorf("a user was created %d times", st.CreatesPerEmailMax)
	}
	if st.MailsSent != 0 {
		t.Errorf("%d registration mails sent; they were suppressed", st.MailsSent)
	}
	if st.Responses["429"] == 0 || st.Responses["500"]+st.Responses["502"]+st.Responses["503"] == 0 {
		t.Errorf("the faults did not fire (responses %v): the test proves nothing", st.Responses)
	}
	// The server holds exactly what the plan intended.
	for email, r := range rows {
		u, ok := e.srv.User(email)
		if !ok {
			t.Errorf("%s missing", email)
			continue
		}
		if u.LastName != r[1] || u.FirstName != r[0] {
			t.Errorf("%s is %s %s, want %s %s", email, u.FirstName, u.LastName, r[0], r[1])
		}
		if r[3] != "" {
			for _, prod := range strings.Split(r[3], ", ") {
				if !slices.Contains(u.Products, prod) {
					t.Errorf("%s lacks product %s: %v", email, prod, u.Products)
				}
			}
		}
	}
	// A second apply writes nothing.
	if err := e.srv.SetFaults(sandbox.Options{}); err != nil {
		t.Fatal(err)
	}
	p2, existing2 := plan(t, e, path, sync.PlanOptions{})
	e.srv.ResetStats()
	run2, err := sync.ApplyWith(context.Background(), e.t, p2, applyOpts(t.TempDir()), existing2)
	if err != nil {
		t.Fatal(err)
	}
	if run2.Counts.Unchanged != 100 {
		t.Errorf("second apply: %+v, want all 100 unchanged", run2.Counts)
	}
	for route, n := range e.srv.Stats().Requests {
		if strings.HasPrefix(route, "POST /api/v1/{school}/users") || strings.HasPrefix(route, "PUT ") {
			t.Errorf("second apply sent %d × %s", n, route)
		}
	}
}

func TestMailSentOnlyWhenAsked(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		for _, mail := range []bool{false, true} {
			e := startEnv(t, sandbox.Options{Users: 50, Seed: 3})
			path, _ := writeMix(t, e, 20)
			p, existing := plan(t, e, path, sync.PlanOptions{Mail: mail})
			want := 0
			if mail {
				want = 10
			}
			if p.Counts.Mails != want {
				t.Fatalf("plan counts %d mails, want %d", p.Counts.Mails, want)
			}
			opts := applyOpts(e.dir)
			p.Options.Bulk = bulk
			run, err := sync.ApplyWith(context.Background(), e.t, p, opts, existing)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.srv.Stats().MailsSent; got != want || run.Counts.Mails != want {
				t.Errorf("bulk=%v mail=%v: mails sent %d (run says %d), want %d", bulk, mail, got, run.Counts.Mails, want)
			}
		}
	}
}

func TestDeactivateMissingIsGuarded(t *testing.T) {
	e := startEnv(t, sandbox.Options{Users: 30, Seed: 5})
	path, _ := writeMix(t, e, 20) // names 10 of the existing users
	_, err := func() (*sync.Plan, error) {
		schema, _ := e.t.Schema(context.Background())
		f, err := csvfile.Open(path, schema, csvfile.Options{})
		if err != nil {
			return nil, err
		}
		existing, _ := e.t.ListUsers(context.Background())
		return sync.NewPlan("coursedog", f, csvfile.Validate(f), existing, sync.PlanOptions{DeactivateMissing: true, MaxDeactivate: 5})
	}()
	var limit *sync.DeactivateLimitError
	if !asLimit(err, &limit) || limit.Max != 5 || limit.Count < 15 {
		t.Fatalf("want the deactivation guard to refuse, got %v", err)
	}
	p, existing := plan(t, e, path, sync.PlanOptions{DeactivateMissing: true, MaxDeactivate: 100})
	run, err := sync.ApplyWith(context.Background(), e.t, p, applyOpts(e.dir), existing)
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Deactivate != p.Counts.Deactivate || run.Counts.Deactivate < 15 {
		t.Fatalf("deactivated %d, planned %d", run.Counts.Deactivate, p.Counts.Deactivate)
	}
	for _, o := range run.Outcomes {
		if o.Result == sync.Deactivated {
			if u, _ := e.srv.User(o.Email); u.Status != "Inactive" {
				t.Errorf("%s is %q after deactivation", o.Email, u.Status)
			}
		}
	}
}

func asLimit(err error, target **sync.DeactivateLimitError) bool {
	l, ok := err.(*sync.DeactivateLimitError)
	*target = l
	return ok
}
