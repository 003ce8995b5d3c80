package sync_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/ccai"
	"usersync/sync/coursedog"
)

// One policy retries each request, in one layer: a request that always
// fails costs exactly the configured tries at the server, for writes, job
// steps and reads, in a run and outside one. The requests are counted by a
// proxy on loopback in front of the sandbox, which answers 503 to the
// requests a case picks without passing them on.

const testTries = 3

type failingProxy struct {
	srv  *httptest.Server
	mu   gosync.Mutex
	fail func(r *http.Request) bool
	// retryAfter, when set, makes the failures 429s with this Retry-After.
	retryAfter string
	seen       []string // "METHOD /path" of every request, in order
}

func newFailingProxy(t *testing.T, upstream string) *failingProxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	f := &failingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.seen = append(f.seen, r.Method+" "+r.URL.Path)
		fail := f.fail != nil && f.fail(r)
		retryAfter := f.retryAfter
		f.mu.Unlock()
		if fail && retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
			http.Error(w, `{"message":"slow down"}`, http.StatusTooManyRequests)
			return
		}
		if fail {
			http.Error(w, `{"message":"down for maintenance"}`, http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// failing makes the requests match picks fail from now on, and forgets the
// requests seen so far.
func (f *failingProxy) failing(match func(r *http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.seen, f.retryAfter = match, nil, ""
}

// count is how many requests seen match.
func (f *failingProxy) count(match func(method, path string) bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.seen {
		method, path, _ := strings.Cut(s, " ")
		if match(method, path) {
			n++
		}
	}
	return n
}

func route(method, prefix string) func(string, string) bool {
	return func(m, p string) bool { return m == method && strings.HasPrefix(p, prefix) }
}

func failRoute(method, prefix string) func(*http.Request) bool {
	return func(r *http.Request) bool { return route(method, prefix)(r.Method, r.URL.Path) }
}

func ctx30(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func triesOpts(dir string) sync.ApplyOptions {
	o := applyOpts(dir)
	o.MaxTries = testTries
	return o
}

func TestOneFailingRequestCostsTheConfiguredTriesCoursedog(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{Users: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	px := newFailingProxy(t, srv.URL())
	c, err := coursedog.NewClient(coursedog.Options{BaseURL: px.srv.URL, School: sandbox.DemoSchool, ReadTries: 2})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Login(ctx30(t), sandbox.DemoEmail, sandbox.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(tok)
	e := &env{srv: srv, t: coursedog.NewTarget(c), dir: t.TempDir()}
	path, _ := writeMix(t, e, 3) // one create, one update, one unchanged
	users := "/api/v1/" + sandbox.DemoSchool + "/users"

	t.Run("create and update", func(t *testing.T) {
		p, existing := plan(t, e, path, sync.PlanOptions{})
		if p.Counts.Create != 1 || p.Counts.Update != 1 {
			t.Fatalf("plan %+v", p.Counts)
		}
		px.failing(func(r *http.Request) bool { return r.Method == http.MethodPost || r.Method == http.MethodPut })
		run, err := sync.ApplyWith(ctx30(t), e.t, p, triesOpts(t.TempDir()), existing)
		if err != nil {
			t.Fatal(err)
		}
		if n := px.count(route("POST", users)); n != testTries {
			t.Errorf("the create was sent %d times, want %d", n, testTries)
		}
		if n := px.count(route("PUT", users+"/")); n != testTries {
			t.Errorf("the update was sent %d times, want %d", n, testTries)
		}
		if run.Counts.Create+run.Counts.Update != 0 {
			t.Errorf("written through a server that refuses every write: %+v", run.Counts)
		}
	})

	t.Run("listing in a run", func(t *testing.T) {
		p, _ := plan(t, e, path, sync.PlanOptions{})
		px.failing(failRoute("GET", users))
		_, err := sync.Apply(ctx30(t), e.t, p, triesOpts(t.TempDir()))
		if err == nil {
			t.Fatal("the apply listed users through a server that refuses every listing")
		}
		if n := px.count(route("GET", users)); n != testTries {
			t.Errorf("the listing was sent %d times, want %d (the run's --max-tries): %v", n, testTries, err)
		}
	})

	t.Run("listing outside a run", func(t *testing.T) {
		px.failing(failRoute("GET", users))
		if _, err := e.t.ListUsers(ctx30(t)); err == nil {
			t.Fatal("listed through a server that refuses every listing")
		}
		if n := px.count(route("GET", users)); n != 2 {
			t.Errorf("the listing was sent %d times, want 2 (ReadTries)", n)
		}
	})
}

// ccaiBehindProxy is a fresh sandbox behind a failing proxy, a ccai target
// through it (2 tries outside a run), and a plan of the example file.
func ccaiBehindProxy(t *testing.T) (*failingProxy, *ccai.Target, func(*testing.T) (*sync.Plan, []sync.User)) {
	t.Helper()
	srv, err := sandbox.Start(sandbox.Options{Users: 20, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.SetCCAIJobPace(20*time.Millisecond, 0)
	px := newFailingProxy(t, srv.URL())
	tg, err := ccai.New(ccai.Options{BaseURL: px.srv.URL, Tenant: sandbox.DemoTenant, Token: sandbox.DemoAPIToken,
		PollMin: 10 * time.Millisecond, PollMax: 40 * time.Millisecond, MaxTries: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("..", "testdata", "ccai", "users.csv"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	planCCAI := func(t *testing.T) (*sync.Plan, []sync.User) {
		t.Helper()
		px.failing(nil)
		schema, err := tg.Schema(ctx30(t))
		if err != nil {
			t.Fatal(err)
		}
		f, err := csvfile.Open(path, schema, csvfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		existing, err := tg.ListUsers(ctx30(t))
		if err != nil {
			t.Fatal(err)
		}
		p, err := sync.NewPlan(tg.Name(), f, csvfile.Validate(f), existing, sync.PlanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Counts.Create+p.Counts.Update == 0 {
			t.Fatalf("nothing to write: %+v", p.Counts)
		}
		return p, existing
	}
	return px, tg, planCCAI
}

func TestOneFailingRequestCostsTheConfiguredTriesCCAI(t *testing.T) {
	const bulk = "/apps/api/v1/bulk/"
	isStatus := func(m, p string) bool {
		return m == "GET" && (strings.HasPrefix(p, bulk+"users/jobs/") || strings.HasPrefix(p, bulk+"users_jobs/"))
	}
	upload := route("POST", bulk+"users/upload")
	for _, c := range []struct {
		name  string
		match func(string, string) bool
		// uploaded: the job exists, so the run stops with it pending
		// (it may yet run) and the same command follows it to its end.
		uploaded bool
	}{
		{"upload", upload, false},
		{"proceed", route("POST", bulk+"users/proceed"), true},
		{"job status", isStatus, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			px, tg, planCCAI := ccaiBehindProxy(t)
			p, existing := planCCAI(t)
			px.failing(func(r *http.Request) bool { return c.match(r.Method, r.URL.Path) })
			opts := triesOpts(t.TempDir())
			opts.NoCanary = true // one job: the canary would send its rows in one of their own
			run, err := sync.ApplyWith(ctx30(t), tg, p, opts, existing)
			if err != nil {
				t.Fatal(err)
			}
			if n := px.count(c.match); n != testTries {
				t.Errorf("%s was sent %d times, want %d", c.name, n, testTries)
			}
			if run.Counts.Create+run.Counts.Update != 0 {
				t.Errorf("written through a server that refuses the %s: %+v", c.name, run.Counts)
			}
			if !c.uploaded {
				if run.Interrupted || run.Counts.Failed != p.Counts.Create+p.Counts.Update {
					t.Errorf("a batch never uploaded: run %+v, interrupted %v; want its rows failed", run.Counts, run.Interrupted)
				}
				return
			}
			if !run.Interrupted || run.Counts.Failed != 0 || !strings.Contains(run.Reason, "could not be followed") {
				t.Fatalf("a job that could not be followed: run %+v %q; want it left pending, the run resumable", run.Counts, run.Reason)
			}
			px.failing(nil)
			run, err = sync.ApplyWith(ctx30(t), tg, p, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			if run.Interrupted || run.Counts.Failed != 0 || run.Counts.Create != p.Counts.Create || run.Counts.Update != p.Counts.Update {
				t.Errorf("resumed: run %+v (planned %+v): %s", run.Counts, p.Counts, run.Reason)
			}
			if n := px.count(upload); n != 0 {
				t.Errorf("the resumed run uploaded %d batches; it should follow the journaled job", n)
			}
		})
	}

	agents := route("GET", "/manager/api/v1/agents")
	px, tg, planCCAI := ccaiBehindProxy(t)
	t.Run("listing in a run", func(t *testing.T) {
		p, _ := planCCAI(t)
		px.failing(failRoute("GET", "/manager/api/v1/agents"))
		if _, err := sync.Apply(ctx30(t), tg, p, triesOpts(t.TempDir())); err == nil {
			t.Fatal("the apply listed users through a server that refuses every listing")
		}
		if n := px.count(agents); n != testTries {
			t.Errorf("the listing was sent %d times, want %d (the run's --max-tries)", n, testTries)
		}
	})
	t.Run("listing outside a run", func(t *testing.T) {
		px.failing(failRoute("GET", "/manager/api/v1/agents"))
		if _, err := tg.ListUsers(ctx30(t)); err == nil {
			t.Fatal("listed through a server that refuses every listing")
		}
		if n := px.count(agents); n != 2 {
			t.Errorf("the listing was sent %d times, want 2 (MaxTries)", n)
		}
	})
}

// A server that answers 429 with a Retry-After of a day is not waited on:
// the run stops resumably at once and says for how long it was asked to
// wait; a read outside a run fails at once.
func TestRetryAfterOfADayStopsTheRun(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{Users: 20, Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	px := newFailingProxy(t, srv.URL())
	c, err := coursedog.NewClient(coursedog.Options{BaseURL: px.srv.URL, School: sandbox.DemoSchool})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Login(ctx30(t), sandbox.DemoEmail, sandbox.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(tok)
	e := &env{srv: srv, t: coursedog.NewTarget(c), dir: t.TempDir()}
	path, _ := writeMix(t, e, 3)
	p, existing := plan(t, e, path, sync.PlanOptions{})
	users := "/api/v1/" + sandbox.DemoSchool + "/users"
	day := func() {
		px.mu.Lock()
		px.retryAfter = "86400"
		px.mu.Unlock()
	}

	px.failing(failRoute("POST", users))
	day()
	start := time.Now()
	run, err := sync.ApplyWith(ctx30(t), e.t, p, applyOpts(t.TempDir()), existing)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("the run waited %s", el)
	}
	if !run.Interrupted || !strings.Contains(run.Reason, "asked to wait 24h0m0s") || run.Counts.Failed != 0 || run.Counts.Create != 0 {
		t.Errorf("run %+v: %q; want it stopped resumably, saying the server asked for a day", run.Counts, run.Reason)
	}
	if n := px.count(route("POST", users)); n != 1 {
		t.Errorf("the create was sent %d times, want 1", n)
	}

	px.failing(failRoute("GET", users))
	day()
	start = time.Now()
	_, err = e.t.ListUsers(ctx30(t))
	var se *sync.Error
	if !errors.As(err, &se) || se.Kind != sync.KindRateLimited || time.Since(start) > 5*time.Second {
		t.Errorf("listing against a day's Retry-After: %v after %s", err, time.Since(start))
	}
}
