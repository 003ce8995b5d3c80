package sync_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// The session dies mid-run against the sandbox while four workers write:
// every request it refuses meanwhile waits for the one sign-in (which takes
// a while, as an operator would), and the run ends with every row written.
func TestSessionExpiredMidRunSignsInOnce(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{Users: 60, Seed: 5, Latency: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	px := newFailingProxy(t, srv.URL())
	var creates atomic.Int32
	px.failing(func(r *http.Request) bool {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/"+sandbox.DemoSchool+"/users" && creates.Add(1) == 5 {
			srv.ExpireSessions() // the 5th create and every request after it meet an expired token
		}
		return false
	})
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
	path, _ := writeMix(t, e, 40)
	p, existing := plan(t, e, path, sync.PlanOptions{})
	var asked atomic.Int32
	opts := applyOpts(t.TempDir())
	opts.Concurrency = 4
	opts.Relogin = func(ctx context.Context) error {
		asked.Add(1)
		time.Sleep(300 * time.Millisecond) // the operator types the password
		tok, err := c.Login(ctx, sandbox.DemoEmail, sandbox.DemoPassword)
		if err == nil {
			c.SetToken(tok)
		}
		return err
	}
	run, err := sync.ApplyWith(ctx30(t), e.t, p, opts, existing)
	if err != nil {
		t.Fatal(err)
	}
	if creates.Load() < 5 {
		t.Fatal("the session never expired")
	}
	if run.Interrupted || run.Counts.Create != p.Counts.Create || run.Counts.Update != p.Counts.Update || run.Counts.Failed != 0 {
		t.Fatalf("run %+v (planned %+v): %s", run.Counts, p.Counts, run.Reason)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("%d sign-ins for one expired session, want 1", n)
	}
	if n := px.count(route("POST", "/api/v1/sessions")); n != 2 {
		t.Errorf("%d logins reached the server, want 2 (the first and the one after expiry)", n)
	}
}
