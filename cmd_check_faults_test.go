package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	gosync "sync"
	"testing"

	"usersync/sandbox"
	"usersync/sync/render"
	"usersync/sync/targets"
	"usersync/ui"
)

// faultProxy stands between usersync and a sandbox on 127.0.0.1: fault
// answers a request itself (true) or lets the sandbox answer it. It
// counts the requests that reached it.
type faultProxy struct {
	URL  string
	mu   gosync.Mutex
	seen []string
}

func newFaultProxy(t *testing.T, srv *sandbox.Server, fault func(w http.ResponseWriter, r *http.Request) bool) *faultProxy {
	t.Helper()
	to, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{URL: "http://" + ln.Addr().String()}
	rp := httputil.NewSingleHostReverseProxy(to)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.Method+" "+r.URL.Path)
		p.mu.Unlock()
		if !fault(w, r) {
			rp.ServeHTTP(w, r)
		}
	})}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return p
}

func (p *faultProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// A ccai tenant that answered the template and the agents, then failed
// the (optional) locations read, was reported "Everything the adapter
// depends on answers as it expects" with exit 0: the probe had stopped
// there, so the job endpoints it needs were never read, and plan and
// apply, which read the locations, would fail on the same 503. A read
// that goes unanswered, optional or not, now makes the check unanswered
// (exit 3, run it again), by `usersync check` and the guided import's.
func TestCheckOptionalEndpointFailingIsNotAPass(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{Users: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, failing := range []string{"/locations", "/bulk/users/jobs"} {
		t.Run(failing, func(t *testing.T) {
			px := newFaultProxy(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
				if strings.HasSuffix(r.URL.Path, failing) {
					http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
					return true
				}
				return false
			})
			code, _, stderr := runCmd(t, sandbox.DemoAPIToken, "check", "--target", "ccai", "--env", px.URL, "--tenant", sandbox.DemoTenant)
			if code != exitInterrupted || strings.Contains(stderr, "Everything the adapter depends on") ||
				!strings.Contains(stderr, render.ProbeUnanswered) {
				t.Errorf("%s answering 503: exit %d, want %d headed %q\n%s", failing, code, exitInterrupted, render.ProbeUnanswered, stderr)
			}

			c, err := targets.Open(context.Background(), targets.Request{Target: "ccai", Env: px.URL,
				Values: map[string]string{"tenant": sandbox.DemoTenant},
				Getenv: func(k string) string { return map[string]string{"USERSYNC_TOKEN": sandbox.DemoAPIToken}[k] }})
			if err != nil {
				t.Fatal(err)
			}
			_, err = (&tuiBackend{}).Check(context.Background(), ui.Session{Target: c.Target})
			var stopped *ui.CheckStopped
			if !errors.As(err, &stopped) || stopped.Heading != render.ProbeUnanswered {
				t.Errorf("the guided import's check: %v, want a CheckStopped headed %q", err, render.ProbeUnanswered)
			}
		})
	}
}
