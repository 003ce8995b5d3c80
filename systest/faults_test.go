package systest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
)

// The fault tests drive the real `usersync apply` (the built binary, as a
// script runs it) against the sandbox over real HTTP with one kind of bad weather
// each. Every run must account for every row of the file in its report;
// running the same command again must reach the state the file asks for;
// and the sandbox's own counters must show that no user was ever created
// twice.

// faultRun is one file applied again and again to one sandbox.
type faultRun struct {
	t    *testing.T
	srv  *sandbox.Server // replaced when the test restarts the server
	url  string
	dir  string
	file string
	rows int               // rows in the file
	want map[string]string // email → last name the file asks for
	// getenv is the process environment the command sees (the token).
	getenv func(string) string
	// conn are the CONN flags; extra flags follow them.
	conn  []string
	extra []string
}

// newFaultRun starts a sandbox with opts (faults off until the test turns
// them on), logs in and writes a file of n new users and n changes.
func newFaultRun(t *testing.T, opts sandbox.Options, n int) *faultRun {
	t.Helper()
	srv, tok := sandboxToken(t, opts)
	dir := t.TempDir()
	file, want := writeUsers(t, srv, dir, n)
	f := &faultRun{t: t, srv: srv, url: srv.URL(), dir: dir, file: file, rows: 2 * n, want: want,
		conn: []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}}
	f.getenv = func(k string) string {
		if k == "USERSYNC_TOKEN" {
			return tok
		}
		return ""
	}
	return f
}

// applyArgs is the one command every run of the test repeats.
func (f *faultRun) applyArgs() []string {
	args := []string{"apply", f.file, "--yes", "--no-registration-mail",
		"--journal", filepath.Join(f.dir, "journal.jsonl"),
		"--report", filepath.Join(f.dir, "report.csv"),
		"--backup", filepath.Join(f.dir, "backup.json")}
	args = append(args, f.conn...)
	return append(args, f.extra...)
}

// apply runs the apply command once.
func (f *faultRun) apply(limit time.Duration) (int, string) {
	f.t.Helper()
	// Each run must write its own report.
	os.Remove(filepath.Join(f.dir, "report.json"))
	code, _, stderr := runCommand(f.t, f.getenv, "", limit, f.applyArgs()...)
	return code, stderr
}

// reportCounts is the part of report.json the tests check.
type reportCounts struct {
	FileRows int `json:"file_rows"`
	Counts   struct {
		Create, Update, Unchanged, Skip, Deactivate, Failed, Pending int
	} `json:"counts"`
	Interrupted bool `json:"interrupted"`
	Rows        []struct {
		Line    int    `json:"line"`
		Email   string `json:"email"`
		Result  string `json:"outcome"`
		Message string `json:"message"`
	} `json:"rows"`
}

// accounted reads the report of the last run and checks that every row of
// the file is in it exactly once and that the counts add up to the rows.
func (f *faultRun) accounted(code int, stderr string) reportCounts {
	f.t.Helper()
	path := filepath.Join(f.dir, "report.json")
	data, err := os.ReadFile(path)
	if err != nil {
		f.t.Fatalf("exit %d and no report of this run (%v):\n%s", code, err, stderr)
	}
	var r reportCounts
	if err := json.Unmarshal(data, &r); err != nil {
		f.t.Fatalf("report.json: %v", err)
	}
	c := r.Counts
	sum := c.Create + c.Update + c.Unchanged + c.Skip + c.Deactivate + c.Failed + c.Pending
	if r.FileRows != f.rows || sum != f.rows || len(r.Rows) != f.rows {
		f.t.Errorf("report: %d file rows, counts %+v add up to %d, %d rows listed; the file has %d rows",
			r.FileRows, c, sum, len(r.Rows), f.rows)
	}
	lines := map[int]bool{}
	for _, row := range r.Rows {
		if row.Line < 2 || row.Line > f.rows+1 || lines[row.Line] {
			f.t.Errorf("report row for line %d (%s): outside the file or listed twice", row.Line, row.Email)
		}
		lines[row.Line] = true
		if (row.Result == "failed" || row.Result == "skipped" || row.Result == "pending") && row.Message == "" {
			f.t.Errorf("line %d %s: %s without a reason", row.Line, row.Email, row.Result)
		}
	}
	return r
}

// converged checks that the server holds what the file asks for and that
// the sandbox never created a user twice.
func (f *faultRun) converged() {
	f.t.Helper()
	for email, last := range f.want {
		u, ok := f.srv.User(email)
		if !ok {
			f.t.Errorf("%s does not exist", email)
			continue
		}
		if u.LastName != last {
			f.t.Errorf("%s has last name %q, the file says %q", email, u.LastName, last)
		}
		if strings.HasPrefix(email, "crash") && !slices.Contains(u.Products, "scheduling") {
			f.t.Errorf("%s lacks the product the file gives: %v", email, u.Products)
		}
	}
	f.noDoubleCreate()
}

// noDoubleCreate asks the sandbox's stats endpoint, over HTTP as any
// client would, whether any email was created twice.
func (f *faultRun) noDoubleCreate() {
	f.t.Helper()
	st := sandboxStats(f.t, f.url)
	if st.CreatesPerEmailMax > 1 {
		for email, n := range st.CreatesPerEmail {
			if n > 1 {
				f.t.Errorf("%s was created %d times", email, n)
			}
		}
	}
}

func sandboxStats(t *testing.T, url string) sandbox.Stats {
	t.Helper()
	resp, err := http.Get(url + "/_sandbox/stats")
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	defer resp.Body.Close()
	var st sandbox.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("stats: %v", err)
	}
	return st
}

// untilCreates waits (in the background) until the sandbox has created n
// users, then calls then; it gives up after limit.
func untilCreates(srv *sandbox.Server, n int, limit time.Duration, then func()) <-chan bool {
	fired := make(chan bool, 1)
	go func() {
		deadline := time.Now().Add(limit)
		for time.Now().Before(deadline) {
			if srv.Stats().Creates >= n {
				then()
				fired <- true
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		fired <- false
	}()
	return fired
}

// converge reruns the same command until it exits 0 (at most tries runs),
// checking the report of each run.
func (f *faultRun) converge(tries int) {
	f.t.Helper()
	for i := 1; ; i++ {
		code, stderr := f.apply(60 * time.Second)
		if code == exitInterrupted && i < tries && transient.MatchString(stderr) && strings.Contains(stderr, "nothing was sent") {
			// A read failed on every try before anything was planned
			// (rare, but the weather is bad): exit 3, nothing was sent, so
			// there is no report; the next run starts over.
			f.t.Logf("rerun %d stopped before planning: %s", i, strings.TrimSpace(stderr))
			continue
		}
		r := f.accounted(code, stderr)
		if code == exitOK {
			if r.Counts.Failed+r.Counts.Pending != 0 || r.Interrupted {
				f.t.Errorf("exit 0 with %+v", r.Counts)
			}
			break
		}
		if i == tries {
			f.t.Fatalf("rerun %d still exits %d:\n%s", i, code, stderr)
		}
	}
	f.converged()
}

// transient matches the errors a bad-weather server causes.
var transient = regexp.MustCompile(`server error|rate limited|network error`)

// checkFired fails the test if the faults never fired: a fault test
// whose faults did not happen proves nothing.
func checkFired(t *testing.T, what string, n int) {
	t.Helper()
	if n == 0 {
		t.Fatalf("no %s happened: the test proves nothing", what)
	}
	t.Logf("%d %s", n, what)
}

func TestFaultsThirtyPercentFailures(t *testing.T) {
	f := newFaultRun(t, sandbox.Options{Users: 150, Seed: 71, Latency: 2 * time.Millisecond}, 60)
	if err := f.srv.SetFaults(sandbox.Options{FailRate: 0.3, Latency: 2 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	f.extra = []string{"--concurrency", "8"}
	code, stderr := f.apply(60 * time.Second)
	r := f.accounted(code, stderr)
	st := sandboxStats(t, f.url)
	checkFired(t, "injected 5xx answers", st.Responses["500"]+st.Responses["502"]+st.Responses["503"])
	if code != exitOK && code != exitRowsFailed {
		t.Fatalf("apply exit %d (counts %+v):\n%s", code, r.Counts, stderr)
	}
	t.Logf("first run: exit %d, %+v", code, r.Counts)
	// The weather stays bad for the rerun.
	f.converge(3)
}

func TestFaultsDroppedConnections(t *testing.T) {
	f := newFaultRun(t, sandbox.Options{Users: 150, Seed: 72}, 60)
	// A dropped create did its work: the retry meets a 409 and must take
	// the user as its own, not create it again.
	if err := f.srv.SetFaults(sandbox.Options{DropRate: 0.2, Latency: 2 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	f.extra = []string{"--concurrency", "8"}
	code, stderr := f.apply(60 * time.Second)
	r := f.accounted(code, stderr)
	st := sandboxStats(t, f.url)
	checkFired(t, "dropped connections", st.Dropped)
	if code != exitOK && code != exitRowsFailed {
		t.Fatalf("apply exit %d (counts %+v):\n%s", code, r.Counts, stderr)
	}
	if st.RouteResponses["POST /api/v1/{school}/users"]["409"] == 0 {
		t.Errorf("no create was retried into a 409 (responses %v): no dropped create was proven", st.RouteResponses["POST /api/v1/{school}/users"])
	}
	// A create whose answer was lost is still reported as created.
	if r.Counts.Create+r.Counts.Failed < 60 {
		t.Errorf("%d created and %d failed of 60 new users: a lost answer was counted as something else", r.Counts.Create, r.Counts.Failed)
	}
	t.Logf("first run: exit %d, %+v", code, r.Counts)
	f.converge(3)
}

func TestFaultsRateLimitStorm(t *testing.T) {
	f := newFaultRun(t, sandbox.Options{Users: 100, Seed: 73}, 20)
	// Eight requests a second against sixteen workers, and the bucket
	// drained before the apply starts, so even its first reads meet 429s.
	if err := f.srv.SetFaults(sandbox.Options{RateLimit: 8}); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if resp, err := http.Get(f.url + "/api/v1/" + sandbox.DemoSchool + "/roles"); err == nil {
			resp.Body.Close()
		}
	}
	f.extra = []string{"--concurrency", "16"}
	start := time.Now()
	code, stderr := f.apply(60 * time.Second)
	r := f.accounted(code, stderr)
	st := sandboxStats(t, f.url)
	checkFired(t, "429 answers", st.Responses["429"])
	if code != exitOK {
		t.Errorf("apply exit %d under a rate limit (counts %+v): a 429 must be waited out, not fail a row:\n%s", code, r.Counts, stderr)
	}
	t.Logf("%d rows in %v under 8 requests/s; %d answered 429", f.rows, time.Since(start).Round(time.Millisecond), st.Responses["429"])
	f.converge(2)
}

func TestFaultsTokenExpiresMidRun(t *testing.T) {
	f := newFaultRun(t, sandbox.Options{Users: 150, Seed: 74, Latency: 15 * time.Millisecond}, 60)
	props := filepath.Join(f.dir, "coursedog.properties")
	login := func() {
		t.Helper()
		code, _, stderr := runCommand(t, func(string) string { return "" }, sandbox.DemoPassword+"\n", 20*time.Second,
			"login", "--env", f.url, "--school", sandbox.DemoSchool, "--email", sandbox.DemoEmail,
			"--properties", props, "--password-stdin")
		if code != exitOK {
			t.Fatalf("login: exit %d:\n%s", code, stderr)
		}
	}
	login()
	// The token comes from the file login wrote, not the environment.
	f.getenv = func(string) string { return "" }
	f.conn = []string{"--properties", props}
	f.extra = []string{"--concurrency", "2"}

	fired := untilCreates(f.srv, 10, 30*time.Second, f.srv.ExpireSessions)
	code, stderr := f.apply(60 * time.Second)
	if !<-fired {
		t.Fatal("the apply ended before the token could expire")
	}
	r := f.accounted(code, stderr)
	if code != exitInterrupted || !r.Interrupted || r.Counts.Pending == 0 {
		t.Fatalf("expired token: exit %d, %+v; want exit 3 with rows left pending:\n%s", code, r.Counts, stderr)
	}
	if !strings.Contains(stderr, "log in again") || !strings.Contains(stderr, "usersync login") || !strings.Contains(stderr, "run the same command again") {
		t.Errorf("the message does not say to log in again and rerun:\n%s", stderr)
	}
	if r.Counts.Failed != 0 {
		t.Errorf("%d rows failed: rows cut off by an expired token must stay pending, to be resumed", r.Counts.Failed)
	}

	written := r.Counts.Create + r.Counts.Update

	// Without a new login the rerun stops at once and says why.
	code, stderr = f.apply(30 * time.Second)
	if code == exitOK || !strings.Contains(stderr, "expired") {
		t.Fatalf("rerun with the dead token: exit %d:\n%s", code, stderr)
	}
	t.Logf("rerun with the dead token: exit %d: %s", code, strings.TrimSpace(stderr))
	login()
	code, stderr = f.apply(60 * time.Second)
	r = f.accounted(code, stderr)
	if code != exitOK {
		t.Fatalf("after a new login: exit %d, %+v:\n%s", code, r.Counts, stderr)
	}
	// The resumed run reports the rows the first run wrote as written
	// (from the journal), not as unchanged.
	if r.Counts.Create != 60 || r.Counts.Update != 60 {
		t.Errorf("resumed report %+v, want all 60 created and 60 updated (%d written before the token expired)", r.Counts, written)
	}
	f.converged()
}

// TestFaultsTokenTTL: sessions that last 1.5 s against an apply paced
// at 30 writes/s, so every session ends mid-run by its own clock. Each
// run stops resumably (exit 3, "log in again"); after a new login the same
// command goes on, until it finishes.
func TestFaultsTokenTTL(t *testing.T) {
	f := newFaultRun(t, sandbox.Options{Users: 100, Seed: 76, TokenTTL: 1500 * time.Millisecond}, 40)
	props := filepath.Join(f.dir, "coursedog.properties")
	f.getenv = func(string) string { return "" }
	f.conn = []string{"--properties", props}
	f.extra = []string{"--concurrency", "4", "--rate", "30"}
	stops := 0
	for cycle := 1; ; cycle++ {
		if cycle > 8 {
			t.Fatalf("not finished after %d logins", cycle-1)
		}
		code, _, stderr := runCommand(t, func(string) string { return "" }, sandbox.DemoPassword+"\n", 20*time.Second,
			"login", "--env", f.url, "--school", sandbox.DemoSchool, "--email", sandbox.DemoEmail,
			"--properties", props, "--password-stdin")
		if code != exitOK {
			t.Fatalf("login %d: exit %d:\n%s", cycle, code, stderr)
		}
		code, stderr = f.apply(60 * time.Second)
		if code == exitInterrupted && strings.Contains(stderr, "token expired") && strings.Contains(stderr, "nothing was sent") {
			continue // the session ended while planning, before anything was sent
		}
		r := f.accounted(code, stderr)
		if code == exitOK {
			if r.Counts.Create != 40 || r.Counts.Update != 40 {
				t.Errorf("final report %+v, want all 40 created and 40 updated", r.Counts)
			}
			break
		}
		if code != exitInterrupted || !strings.Contains(stderr, "log in again") || r.Counts.Failed != 0 {
			t.Fatalf("run %d: exit %d, %+v; want exit 3 saying to log in again, nothing failed:\n%s", cycle, code, r.Counts, stderr)
		}
		stops++
	}
	if stops == 0 {
		t.Fatal("no session ended mid-run: the test proves nothing")
	}
	t.Logf("%d sessions ended mid-run before the apply finished", stops)
	f.converged()
}

func TestFaultsServerRestartMidRun(t *testing.T) {
	state := filepath.Join(t.TempDir(), "sandbox-state.json")
	opts := sandbox.Options{Users: 150, Seed: 75, Latency: 10 * time.Millisecond, StateFile: state}
	f := newFaultRun(t, opts, 80)
	f.extra = []string{"--concurrency", "4"}
	addr := strings.TrimPrefix(f.url, "http://")

	restarted := make(chan error, 1)
	fired := untilCreates(f.srv, 20, 30*time.Second, func() {
		go func() {
			// Down for a second: the apply's requests meet refused
			// connections, then a server that loaded the same state.
			err := f.srv.Close()
			if err == nil {
				time.Sleep(time.Second)
				opts.Addr = addr
				var srv *sandbox.Server
				srv, err = sandbox.Start(opts)
				if err == nil {
					t.Cleanup(func() { srv.Close() })
					f.srv = srv
				}
			}
			restarted <- err
		}()
	})
	code, stderr := f.apply(60 * time.Second)
	if !<-fired {
		t.Fatal("the apply ended before the server could restart")
	}
	if err := <-restarted; err != nil {
		t.Fatalf("restart: %v", err)
	}
	r := f.accounted(code, stderr)
	writesAfter := 0
	for route, n := range f.srv.Stats().Requests {
		if strings.HasPrefix(route, "POST /api/v1/{school}/users") || strings.HasPrefix(route, "PUT /api/v1/{school}/users/") {
			writesAfter += n
		}
	}
	if writesAfter == 0 {
		t.Errorf("the apply sent nothing to the restarted server: the restart was not mid-run")
	}
	t.Logf("across the restart: exit %d, %+v; %d writes went to the restarted server", code, r.Counts, writesAfter)
	switch code {
	case exitOK, exitRowsFailed, exitInterrupted:
	default:
		t.Fatalf("apply across a restart: exit %d:\n%s", code, stderr)
	}
	if code != exitOK && !strings.Contains(stderr, "report:") {
		t.Errorf("exit %d without a report:\n%s", code, stderr)
	}
	f.converge(3)
	if n := len(f.srv.Users()); n != 150+80 {
		t.Errorf("the restarted server has %d users, want %d", n, 150+80)
	}
}
