package ccai

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"usersync/sandbox"
	"usersync/sync"
)

// Several batches at once through one client, polling as fast as it may:
// the client's limiter alone keeps the server under 10 requests a second
// (newEnv's cleanup checks the peak and the 429s).
func TestRequestRateStaysWithinTheVendorLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10, func(o *Options) { o.PollMin, o.PollMax = time.Millisecond, time.Millisecond })
	var wg gosync.WaitGroup
	for b := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ops := []sync.Op{{Action: sync.Create, Line: 2, New: sync.User{Email: "rate" + string(rune('a'+b)) + "@example.com",
				Fields: map[string]string{FieldFirstName: "R", FieldLastName: "L"}}}}
			id, err := e.t.SubmitBatch(ctxT(t), ops)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := e.t.WaitBatch(ctxT(t), id, ops); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 4 {
			if _, err := e.t.ListUsers(ctxT(t)); err != nil {
				t.Error(err)
			}
		}
	}()
	start := time.Now()
	wg.Wait()
	n := e.t.Client().Requests()
	// n requests at most 10 a second take at least (n-1)/10 s.
	if min := time.Duration(n-1) * 100 * time.Millisecond; time.Since(start) < min*9/10 {
		t.Errorf("%d requests in %v", n, time.Since(start))
	}
	if n < 15 {
		t.Errorf("only %d requests: the test did not push the limit", n)
	}
	t.Logf("%d requests in %v; most within a second: %d sent, %d served", n, time.Since(start).Round(time.Millisecond),
		peakIn(e.t.c.sendTimes(), time.Second), e.srv.CCAIPeakRate(time.Second))
}

func TestErrorsAreTypedAndNeverCarryTheToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	const secret = "wrong-secret-token"
	bad, _ := New(Options{BaseURL: e.srv.URL(), Tenant: sandbox.DemoTenant, Token: secret})
	_, err := bad.ListUsers(ctxT(t))
	var se *sync.Error
	if !errors.As(err, &se) || se.Kind != sync.KindUnauthorized || se.Status != 401 || strings.Contains(err.Error(), secret) {
		t.Errorf("bad token: %v", err)
	}
	wrongTenant, _ := New(Options{BaseURL: e.srv.URL(), Tenant: "acme", Token: sandbox.DemoAPIToken})
	if _, err := wrongTenant.Schema(ctxT(t)); !errors.As(err, &se) || se.Kind != sync.KindUnauthorized {
		t.Errorf("wrong tenant: %v", err)
	}
	if _, err := e.t.WaitBatch(ctxT(t), "987654", []sync.Op{{Action: sync.Create, New: sync.User{Email: "x@example.com"}}}); !errors.As(err, &se) || se.Kind != sync.KindNotFound {
		t.Errorf("unknown job: %v", err)
	}

	// A server that echoes the credentials in its error must not get them
	// into ours.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pass, _ := r.BasicAuth()
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message":"bad request for token ` + pass + `"}`))
	}))
	defer echo.Close()
	et, _ := New(Options{BaseURL: echo.URL, Tenant: "t", Token: secret})
	if _, err := et.ListUsers(ctxT(t)); err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "[token]") {
		t.Errorf("echoed token: %v", err)
	}

	// Nothing listening: a network error, retryable.
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	dt, _ := New(Options{BaseURL: url, Tenant: "t", Token: secret, MaxTries: 1})
	if _, err := dt.ListUsers(ctxT(t)); !errors.As(err, &se) || se.Kind != sync.KindNetwork || !se.Retryable() || strings.Contains(err.Error(), secret) {
		t.Errorf("refused connection: %v", err)
	}
}

func TestRateLimitedAnswersAreRetriedOrSurfaced(t *testing.T) {
	t.Parallel()
	srv, err := sandbox.Start(sandbox.Options{Users: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.SetCCAIRateLimit(1) // a stricter tenant than the client expects
	once, _ := New(Options{BaseURL: srv.URL(), Tenant: sandbox.DemoTenant, Token: sandbox.DemoAPIToken, MaxTries: 1})
	if _, err := once.Client().Template(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	_, err = once.Client().Template(ctxT(t))
	var se *sync.Error
	if !errors.As(err, &se) || se.Kind != sync.KindRateLimited || se.RetryAfter != time.Second {
		t.Fatalf("want 429 with Retry-After 1s, got %#v", err)
	}
	patient, _ := New(Options{BaseURL: srv.URL(), Tenant: sandbox.DemoTenant, Token: sandbox.DemoAPIToken})
	if _, err := patient.ListUsers(ctxT(t)); err != nil {
		t.Errorf("a retry after Retry-After should succeed: %v", err)
	}
}

func TestBaseURL(t *testing.T) {
	for _, c := range []struct{ env, tenant, want, err string }{
		{"uc1.ccaiplatform.com", "acme", "https://acme.uc1.ccaiplatform.com", ""},
		{"http://127.0.0.1:8080", "demo", "http://127.0.0.1:8080", ""},
		{"production", "acme", "", "no fixed"},
		{"", "acme", "", "no fixed"},
		{"uc1.ccaiplatform.com", "", "", "tenant"},
		{"not a host", "acme", "", "neither"},
	} {
		got, err := BaseURL(c.env, c.tenant)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("BaseURL(%q, %q) = %q, %v", c.env, c.tenant, got, err)
		}
	}
	for _, c := range []struct{ in, apps, manager string }{
		{"https://acme.example.com", "https://acme.example.com/apps/api/v1/", "https://acme.example.com/manager/api/v1/"},
		{"https://acme.example.com/apps/api/v1/", "https://acme.example.com/apps/api/v1/", "https://acme.example.com/manager/api/v1/"},
		{"http://127.0.0.1:1/sub", "http://127.0.0.1:1/sub/apps/api/v1/", "http://127.0.0.1:1/sub/manager/api/v1/"},
	} {
		a, m, err := apiBases(c.in)
		if err != nil || a.String() != c.apps || m.String() != c.manager {
			t.Errorf("apiBases(%q) = %v, %v, %v", c.in, a, m, err)
		}
	}
	for _, bad := range []string{"", "ftp://x", "https://user:pw@host", "host-only", "http://acme.example.com"} {
		if _, _, err := apiBases(bad); err == nil {
			t.Errorf("apiBases(%q) accepted", bad)
		}
	}
	if _, err := NewClient(Options{BaseURL: "https://x.example.com", Tenant: "x"}); err == nil {
		t.Error("a client without a token was accepted")
	}
}

// peakIn counts the most times within any half-open span [t, t+window).
func peakIn(ts []time.Time, window time.Duration) int {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	peak, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= window {
			lo++
		}
		peak = max(peak, hi-lo+1)
	}
	return peak
}

func TestPaceKeepsSendsApartAfterAStall(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("[]")) }))
	defer srv.Close()
	c, err := NewClient(Options{BaseURL: srv.URL, Tenant: "t", Token: "x"})
	if err != nil {
		t.Fatal(err)
	}
	// Turns that all come due at once, as after a stall: a limiter that
	// lets everything through leaves the spacing to the gap alone.
	c.limiter = rate.NewLimiter(rate.Inf, 0)
	var wg gosync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := c.Jobs(context.Background(), 1, 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ts := c.sendTimes()
	if len(ts) != 12 || peakIn(ts, time.Second) > documentedRate {
		t.Errorf("%d sends, %d within a second", len(ts), peakIn(ts, time.Second))
	}
	for i := 1; i < len(ts); i++ {
		if gap := ts[i].Sub(ts[i-1]); gap < c.gap {
			t.Errorf("sends %d and %d only %v apart (want ≥ %v)", i-1, i, gap, c.gap)
		}
	}
}
