package coursedog_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// startSandbox runs a sandbox on a free loopback port for one test.
func startSandbox(t *testing.T, opts sandbox.Options) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// connect logs in to srv with the demo identity.
func connect(t *testing.T, srv *sandbox.Server, opts coursedog.Options) (*coursedog.Client, string) {
	t.Helper()
	opts.BaseURL = srv.URL()
	if opts.School == "" {
		opts.School = sandbox.DemoSchool
	}
	c, err := coursedog.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	token, err := c.Login(context.Background(), sandbox.DemoEmail, sandbox.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	return c, token
}

// syncError asserts err is a *sync.Error of kind and status, with no secret
// in its text.
func syncError(t *testing.T, err error, kind sync.Kind, status int, secrets ...string) *sync.Error {
	t.Helper()
	var se *sync.Error
	if !errors.As(err, &se) {
		t.Fatalf("want a *sync.Error of kind %v, got %T %v", kind, err, err)
	}
	if se.Kind != kind || se.Status != status {
		t.Errorf("got kind %v status %d (%v), want %v %d", se.Kind, se.Status, err, kind, status)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q holds a secret", err)
		}
	}
	return se
}

func TestLoginAndExpiry(t *testing.T) {
	const ttl = time.Second // wide enough for a loaded machine between login and use
	srv := startSandbox(t, sandbox.Options{Users: 5, TokenTTL: ttl})
	c, token := connect(t, srv, coursedog.Options{})
	loggedIn := time.Now()
	if !strings.HasPrefix(token, "sbx_") {
		t.Fatalf("token %q", token)
	}
	ctx := context.Background()
	users, err := c.ListUsers(ctx)
	if err != nil || len(users) != 5 {
		t.Fatalf("list: %d users, %v", len(users), err)
	}
	time.Sleep(time.Until(loggedIn.Add(ttl + 50*time.Millisecond)))
	_, err = c.ListUsers(ctx)
	se := syncError(t, err, sync.KindUnauthorized, 401, token)
	if se.Msg != "token expired" || se.Retryable() {
		t.Errorf("expired: %v", err)
	}

	_, err = c.Login(ctx, sandbox.DemoEmail, "not-the-password")
	syncError(t, err, sync.KindUnauthorized, 401, "not-the-password", token)
	if !strings.Contains(err.Error(), "invalid email or password") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestReloginRevokesEarlierToken(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 3})
	first, token1 := connect(t, srv, coursedog.Options{})
	second, token2 := connect(t, srv, coursedog.Options{})
	ctx := context.Background()
	_, err := first.Roles(ctx)
	se := syncError(t, err, sync.KindUnauthorized, 401, token1, token2)
	if !strings.Contains(se.Msg, "revoked") {
		t.Errorf("first token after a second login: %v", err)
	}
	if _, err := second.Roles(ctx); err != nil {
		t.Errorf("second token: %v", err)
	}
	// Logging in again on the first client brings it back.
	if _, err := first.Login(ctx, sandbox.DemoEmail, sandbox.DemoPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Roles(ctx); err != nil {
		t.Errorf("after re-login: %v", err)
	}
}

func TestListUsersAcrossPages(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 2500, Seed: 3})
	want := srv.Users()
	for _, tc := range []struct {
		pageSize, requests int
	}{
		{500, 6},  // five full pages, then an empty one
		{2000, 3}, // the server caps pages at 1000: 1000, 1000, 500
		{700, 4},  // 700, 700, 700, 400
	} {
		t.Run(fmt.Sprint(tc.pageSize), func(t *testing.T) {
			c, _ := connect(t, srv, coursedog.Options{PageSize: tc.pageSize})
			srv.ResetStats()
			users, err := c.ListUsers(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(users) != len(want) {
				t.Fatalf("read %d users, want %d", len(users), len(want))
			}
			for i, u := range users {
				if u.ID != want[i].ID || u.Email != want[i].Email || !slices.Equal(u.Roles, want[i].Roles) {
					t.Fatalf("user %d: %+v, want %+v", i, u, want[i])
				}
			}
			if got := srv.Stats().Requests["GET /api/v1/{school}/users"]; got != tc.requests {
				t.Errorf("%d page requests, want %d", got, tc.requests)
			}
		})
	}
}

func TestCreateConflictAndLookup(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 10})
	c, token := connect(t, srv, coursedog.Options{})
	tg := coursedog.NewTarget(c)
	ctx := context.Background()
	u := sync.User{
		Email:  "Grace.Hopper@example.edu",
		Fields: map[string]string{"firstName": "Grace", "lastName": "Hopper", "department": "Computer Science"},
		Lists:  map[string][]string{"products": {"scheduling", "catalog"}, "roles": {"r-6f1e2d93"}},
	}
	got, err := tg.Create(ctx, u, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == "" || got.Fields["status"] != "Active" || len(got.Raw) == 0 {
		t.Errorf("created %+v", got)
	}
	u.Email = "grace.hopper@EXAMPLE.edu"
	_, err = tg.Create(ctx, u, false)
	se := syncError(t, err, sync.KindConflict, 409, token)
	if se.Retryable() || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate create: %v", err)
	}
	found, err := tg.Lookup(ctx, "GRACE.HOPPER@example.edu")
	if err != nil || found.ID != got.ID {
		t.Errorf("lookup: %+v %v", found, err)
	}
	_, err = tg.Lookup(ctx, "nobody@example.edu")
	syncError(t, err, sync.KindNotFound, 0, token)
	if st := srv.Stats(); st.CreatesPerEmailMax != 1 || st.PostsPerEmail["grace.hopper@example.edu"] != 2 {
		t.Errorf("stats: %+v", st)
	}

	u.Lists["products"] = []string{"Scheduling"}
	u.Email = "someone.else@example.edu"
	_, err = tg.Create(ctx, u, false)
	se = syncError(t, err, sync.KindRejected, 400, token)
	if !strings.Contains(se.Msg, `unknown product key "Scheduling"`) {
		t.Errorf("bad product: %v", err)
	}
}

func TestMailRecordedOrSuppressed(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 1})
	c, _ := connect(t, srv, coursedog.Options{})
	tg := coursedog.NewTarget(c)
	mk := func(email string) sync.User {
		return sync.User{Email: email, Fields: map[string]string{"firstName": "A", "lastName": "B"},
			Lists: map[string][]string{"products": {"events"}}}
	}
	if _, err := tg.Create(context.Background(), mk("mailed@example.edu"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.Create(context.Background(), mk("quiet@example.edu"), false); err != nil {
		t.Fatal(err)
	}
	mails := srv.Mails()
	if len(mails) != 1 || mails[0].To != "mailed@example.edu" {
		t.Errorf("mails: %+v", mails)
	}
	if st := srv.Stats(); st.MailsSent != 1 || st.Creates != 2 {
		t.Errorf("stats: %+v", st)
	}
}

func TestRateLimitSurfacesRetryAfter(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 1, RateLimit: 1})
	c, token := connect(t, srv, coursedog.Options{ReadTries: 1})
	var err error
	for range 10 {
		if _, err = c.Roles(context.Background()); err != nil {
			break
		}
	}
	se := syncError(t, err, sync.KindRateLimited, 429, token)
	if se.RetryAfter != time.Second || !se.Retryable() {
		t.Errorf("RetryAfter %v, retryable %v: %v", se.RetryAfter, se.Retryable(), err)
	}
}

func TestServerErrorsAreRetryable(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 1})
	c, token := connect(t, srv, coursedog.Options{ReadTries: 1})
	srv.SetFaults(sandbox.Options{FailRate: 1})
	_, err := c.Roles(context.Background())
	var se *sync.Error
	if !errors.As(err, &se) || se.Kind != sync.KindServer || !se.Retryable() || se.Status < 500 {
		t.Errorf("injected 5xx: %v", err)
	}
	srv.SetFaults(sandbox.Options{DropRate: 1})
	_, err = c.Roles(context.Background())
	syncError(t, err, sync.KindNetwork, 0, token)
}

// Reads are sent again after a 5xx, a 429 or a lost answer, so a flaky
// server cannot stop a plan; writes are sent once, because the engine must
// see the failure to know a create may have landed.
func TestReadsRetriedWritesNot(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 3, Seed: 9})
	c, _ := connect(t, srv, coursedog.Options{ReadTries: 40})
	srv.SetFaults(sandbox.Options{FailRate: 0.6, Seed: 9})
	srv.ResetStats()
	for range 5 {
		if _, err := c.ListUsers(context.Background()); err != nil {
			t.Fatalf("list at a 60%% failure rate with 40 tries: %v", err)
		}
	}
	st := srv.Stats()
	if st.Responses["500"]+st.Responses["502"]+st.Responses["503"] == 0 {
		t.Fatalf("no fault fired: %v", st.Responses)
	}
	srv.SetFaults(sandbox.Options{FailRate: 1})
	srv.ResetStats()
	tg := coursedog.NewTarget(c)
	_, err := tg.Create(context.Background(), sync.User{Email: "once@example.edu",
		Fields: map[string]string{"firstName": "A", "lastName": "B"}, Lists: map[string][]string{"products": {"catalog"}}}, false)
	var se *sync.Error
	if !errors.As(err, &se) || se.Kind != sync.KindServer {
		t.Fatalf("create at a 100%% failure rate: %v", err)
	}
	if n := srv.Stats().Requests["POST /api/v1/{school}/users"]; n != 1 {
		t.Errorf("a failed create was sent %d times, want once", n)
	}
}

func TestClearErrors(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 1})
	ctx := context.Background()

	t.Run("bad token", func(t *testing.T) {
		c, _ := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL(), School: sandbox.DemoSchool, Token: "sbx_FORGED_TOKEN_123"})
		_, err := c.ListUsers(ctx)
		syncError(t, err, sync.KindUnauthorized, 401, "sbx_FORGED_TOKEN_123")
		if err.Error() != "list users (from 0): unauthorized (HTTP 401): invalid token" {
			t.Errorf("got %q", err)
		}
	})
	t.Run("no token", func(t *testing.T) {
		c, _ := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL(), School: sandbox.DemoSchool})
		_, err := c.Roles(ctx)
		syncError(t, err, sync.KindUnauthorized, 0)
		if !strings.Contains(err.Error(), "usersync login") {
			t.Errorf("got %q", err)
		}
	})
	t.Run("bad school", func(t *testing.T) {
		c, token := connect(t, srv, coursedog.Options{School: "demo_univ"})
		_, err := c.ListUsers(ctx)
		syncError(t, err, sync.KindNotFound, 404, token)
		if !strings.Contains(err.Error(), `school "demo_univ" not found`) {
			t.Errorf("got %q", err)
		}
	})
	t.Run("refused connection", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c, _ := coursedog.NewClient(coursedog.Options{BaseURL: "http://" + addr, School: "x", Token: "sbx_SECRET_TOKEN", ReadTries: 1})
		_, err = c.ListUsers(ctx)
		se := syncError(t, err, sync.KindNetwork, 0, "sbx_SECRET_TOKEN")
		if !se.Retryable() || !strings.Contains(err.Error(), "cannot reach "+addr) || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("got %q", err)
		}
		_, err = c.Login(ctx, "a@example.edu", "hunter2-password")
		syncError(t, err, sync.KindNetwork, 0, "hunter2-password")
	})
}

// A server that echoes credentials back in its errors must not get them
// into our error text.
func TestSecretsNeverInErrors(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		body.ReadFrom(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error": %q}`, "bad request: "+r.Header.Get("Authorization")+" "+body.String())
	}))
	defer echo.Close()
	const token, password = "sbx_ECHOED_TOKEN_42", "pa55word-echoed"
	c, err := coursedog.NewClient(coursedog.Options{BaseURL: echo.URL, School: "s", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	tg := coursedog.NewTarget(c)
	ctx := context.Background()
	var errs []error
	_, err = c.Login(ctx, "a@example.edu", password)
	errs = append(errs, err)
	c.SetToken(token)
	_, err = c.ListUsers(ctx)
	errs = append(errs, err)
	_, err = tg.Create(ctx, sync.User{Email: "x@example.edu"}, true)
	errs = append(errs, err)
	_, err = tg.Update(ctx, sync.User{ID: "1", Email: "x@example.edu"}, sync.User{Email: "x@example.edu"})
	errs = append(errs, err)
	_, err = tg.Schema(ctx)
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("the echo server answered 400, want an error")
		}
		for _, s := range []string{token, password} {
			if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), s) {
				t.Errorf("error %q holds a secret", err)
			}
		}
	}
}

func TestCancelAndTimeout(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 1})
	c, _ := connect(t, srv, coursedog.Options{Timeout: 100 * time.Millisecond, ReadTries: 1})
	srv.SetFaults(sandbox.Options{Latency: 2 * time.Second})

	t0 := time.Now()
	_, err := c.Roles(context.Background())
	se := syncError(t, err, sync.KindNetwork, 0)
	if !strings.Contains(se.Msg, "no answer") || time.Since(t0) > time.Second {
		t.Errorf("timeout after %v: %v", time.Since(t0), err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	c2, _ := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL(), School: sandbox.DemoSchool, Token: "t0ken"})
	t0 = time.Now()
	_, err = c2.ListUsers(ctx)
	if !errors.Is(err, context.Canceled) || time.Since(t0) > time.Second {
		t.Errorf("cancel after %v: %v", time.Since(t0), err)
	}
	syncError(t, err, sync.KindOther, 0)
}

func TestBaseURL(t *testing.T) {
	for env, want := range map[string]string{
		"staging":                 coursedog.StagingURL,
		"Production":              coursedog.ProductionURL,
		"http://127.0.0.1:8080/":  "http://127.0.0.1:8080",
		"https://school.example/": "https://school.example",
		"http://localhost:9":      "http://localhost:9",
	} {
		if got, err := coursedog.BaseURL(env); err != nil || got != want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", env, got, err, want)
		}
	}
	for env, want := range map[string]string{
		"":                         "no environment",
		"sandbox":                  "http://127.0.0.1:PORT",
		"http://school.example":    "plain http",
		"ftp://x":                  "neither",
		"staging.coursedog.com":    "neither",
		"https://u:p@host.example": "credentials",
	} {
		if _, err := coursedog.BaseURL(env); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("BaseURL(%q): %v, want an error with %q", env, err, want)
		}
	}
}

// If the server ignores the email filter, Lookup scans the pages.
func TestLookupWithoutServerFilter(t *testing.T) {
	users := `[{"id":"1","email":"a@example.edu"},{"id":"2","email":"b@example.edu"}]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("skip") != "0" {
			w.Write([]byte(`[]`))
			return
		}
		w.Write([]byte(users))
	}))
	defer srv.Close()
	c, _ := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL, School: "s", Token: "t"})
	u, err := c.Lookup(context.Background(), "B@example.edu")
	if err != nil || u.ID != "2" {
		t.Errorf("lookup: %+v %v", u, err)
	}
	_, err = c.Lookup(context.Background(), "c@example.edu")
	syncError(t, err, sync.KindNotFound, 0)
}
