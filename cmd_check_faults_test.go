package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync"
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

// guidedCheckUnanswered runs the guided import's check after sign-in
// (tuiBackend.Check) and wants it stopped as unanswered.
func guidedCheckUnanswered(t *testing.T, target, env, key, value, token string) {
	t.Helper()
	c, err := targets.Open(context.Background(), targets.Request{Target: target, Env: env,
		Values: map[string]string{key: value},
		Getenv: func(k string) string { return map[string]string{"USERSYNC_TOKEN": token}[k] }})
	if err != nil {
		t.Error(err) // Error, not Fatal: it may run on another goroutine
		return
	}
	_, err = (&tuiBackend{}).Check(context.Background(), ui.Session{Target: c.Target})
	var stopped *ui.CheckStopped
	if !errors.As(err, &stopped) || stopped.Heading != render.ProbeUnanswered {
		t.Errorf("the guided import's check: %v, want a CheckStopped headed %q", err, render.ProbeUnanswered)
	}
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

			guidedCheckUnanswered(t, "ccai", px.URL, "tenant", sandbox.DemoTenant, sandbox.DemoAPIToken)
		})
	}
}

// A server that answers 429 to everything was waited on for every
// endpoint (three waits each, as long as its Retry-After said, up to five
// minutes a wait), then reported as "differs from what usersync expects;
// do not import". A busy server says nothing of the API: the probe stops
// asking once a read is still refused after its waits, says it could not
// check (exit 3), and waits out no Retry-After longer than a few seconds.
func TestCheckRateLimitedForEverIsNotADifference(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 3, Seed: 6})
	for _, tt := range []struct {
		target, token, where, value, retryAfter string
	}{
		{"coursedog", tok, "--school", sandbox.DemoSchool, "1"},
		{"ccai", sandbox.DemoAPIToken, "--tenant", sandbox.DemoTenant, "1"},
		{"coursedog", tok, "--school", sandbox.DemoSchool, "3600"},
		{"ccai", sandbox.DemoAPIToken, "--tenant", sandbox.DemoTenant, "300"},
	} {
		t.Run(tt.target+"/"+tt.retryAfter, func(t *testing.T) {
			px := newFaultProxy(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Retry-After", tt.retryAfter)
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return true
			})
			start := time.Now()
			code, _, stderr := runCommand(t, func(k string) string {
				return map[string]string{"USERSYNC_TOKEN": tt.token, "NO_COLOR": "1"}[k]
			}, "", 60*time.Second, "check", "--target", tt.target, "--env", px.URL, tt.where, tt.value)
			took := time.Since(start)
			if code != exitInterrupted || strings.Contains(stderr, "do not import") || strings.Contains(stderr, "differs") {
				t.Errorf("exit %d, want %d, and no \"do not import\"\n%s", code, exitInterrupted, stderr)
			}
			if n := len(px.requests()); n > 4 {
				t.Errorf("%d requests sent to a server answering 429, want one read's tries at most: %v", n, px.requests())
			}
			if took > 10*time.Second {
				t.Errorf("check took %v against a server answering 429 (Retry-After %s)", took, tt.retryAfter)
			}
			if tt.retryAfter != "1" {
				guidedCheckUnanswered(t, tt.target, px.URL, strings.TrimPrefix(tt.where, "--"), tt.value, tt.token)
			}
		})
	}
}

// A server that answers the first reads and then goes down (each
// connection closed with no answer): the check is unanswered, not a pass
// nor a difference, and the read that went unanswered is the last sent.
func TestCheckServerGoingDownMidway(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 3, Seed: 7})
	for _, tt := range []struct {
		target, token, where, value string
		answered                    int
	}{
		{"coursedog", tok, "--school", sandbox.DemoSchool, 1},
		{"ccai", sandbox.DemoAPIToken, "--tenant", sandbox.DemoTenant, 1},
		{"ccai", sandbox.DemoAPIToken, "--tenant", sandbox.DemoTenant, 2},
	} {
		t.Run(fmt.Sprintf("%s/%d", tt.target, tt.answered), func(t *testing.T) {
			var mu gosync.Mutex
			n := 0
			px := newFaultProxy(t, srv, func(w http.ResponseWriter, r *http.Request) bool {
				mu.Lock()
				n++
				down := n > tt.answered
				mu.Unlock()
				if down {
					if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
						c.Close()
					}
				}
				return down
			})
			code, _, stderr := runCmd(t, tt.token, "check", "--target", tt.target, "--env", px.URL, tt.where, tt.value)
			if code != exitInterrupted || !strings.Contains(stderr, render.ProbeUnanswered) {
				t.Errorf("exit %d, want %d headed %q\n%s", code, exitInterrupted, render.ProbeUnanswered, stderr)
			}
			// One read's two tries, and Go's transport sends a GET once
			// more when the kept-alive connection it reused is closed.
			if got := len(px.requests()); got > tt.answered+3 {
				t.Errorf("%d requests, want the %d answered and one read's tries: %v", got, tt.answered, px.requests())
			}
		})
	}
}

// A server that takes the connection and answers nothing: usersync check
// waited out each client's own timeout twice (coursedog 30 s, ccai 60 s:
// one and two minutes with nothing on the screen). A probe's read now
// gives up after sync.ProbeReadTimeout, its retry included, and says the
// server did not answer; the guided import's check does the same.
func TestCheckServerThatHangs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu gosync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // read from never, answered never
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	url := "http://" + ln.Addr().String()
	limit := sync.ProbeReadTimeout + 10*time.Second
	for _, tt := range []struct{ target, token, key, value string }{
		{"coursedog", "a-saved-session-token", "school", sandbox.DemoSchool},
		{"ccai", sandbox.DemoAPIToken, "tenant", sandbox.DemoTenant},
	} {
		t.Run(tt.target, func(t *testing.T) {
			t.Parallel()
			guided := make(chan time.Duration, 1)
			go func() { // the guided import's check after sign-in, meanwhile
				start := time.Now()
				guidedCheckUnanswered(t, tt.target, url, tt.key, tt.value, tt.token)
				guided <- time.Since(start)
			}()
			start := time.Now()
			code, _, stderr := runCommand(t, func(k string) string {
				return map[string]string{"USERSYNC_TOKEN": tt.token, "NO_COLOR": "1"}[k]
			}, "", limit, "check", "--target", tt.target, "--env", url, "--"+tt.key, tt.value)
			t.Logf("check took %v", time.Since(start))
			if code != exitInterrupted || !strings.Contains(stderr, render.ProbeUnanswered) || !strings.Contains(stderr, "no answer within") {
				t.Errorf("exit %d, want %d headed %q saying how long it waited\n%s", code, exitInterrupted, render.ProbeUnanswered, stderr)
			}
			if took := <-guided; took > limit {
				t.Errorf("the guided import's check took %v", took)
			}
		})
	}
}
