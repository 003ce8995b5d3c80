package ccai

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"usersync/sandbox"
	"usersync/sync"
)

// env is one sandbox and a target connected to it with the demo tenant.
// The sandbox keeps the vendor's 10 requests/s limit on, and every test
// ends by checking that the client kept to it: it never sent more than 10
// requests within any one second, the server answered no 429, and the
// server saw at most 10 a second over any 3 seconds. (Over one second the
// server's own view can bunch on a starved machine: it stamps a request
// when its handler runs, not when it arrived.)
type env struct {
	srv *sandbox.Server
	t   *Target
}

func newEnv(t *testing.T, users int, opts ...func(*Options)) *env {
	t.Helper()
	srv, err := sandbox.Start(sandbox.Options{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetCCAIJobPace(20*time.Millisecond, 0)
	o := Options{BaseURL: srv.URL(), Tenant: sandbox.DemoTenant, Token: sandbox.DemoAPIToken,
		PollMin: 10 * time.Millisecond, PollMax: 40 * time.Millisecond}
	for _, f := range opts {
		f(&o)
	}
	tg, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st := srv.Stats()
		if n := st.Responses["429"]; n != 0 {
			t.Errorf("the client drew %d answers 429 (rate limited)", n)
		}
		if peak := peakIn(tg.c.sendTimes(), time.Second); peak > documentedRate {
			t.Errorf("the client sent %d requests within one second; the vendor allows %d", peak, documentedRate)
		}
		if peak := srv.CCAIPeakRate(3 * time.Second); peak > 3*documentedRate {
			t.Errorf("%d requests reached the server within 3 seconds; the vendor allows %d a second", peak, documentedRate)
		}
		srv.Close()
	})
	return &env{srv: srv, t: tg}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// listed returns the users the target lists, by lowercase email.
func (e *env) listed(t *testing.T) map[string]sync.User {
	t.Helper()
	users, err := e.t.ListUsers(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sync.User{}
	for _, u := range users {
		out[sync.Key(u.Email)] = u
	}
	return out
}

// stored returns the users as the sandbox holds them, by lowercase email:
// status and the chat limits too, which the agents endpoint does not list.
func (e *env) stored(t *testing.T) map[string]sync.User {
	t.Helper()
	out := map[string]sync.User{}
	for _, w := range e.srv.CCAIUsers() {
		u := sync.User{ID: strconv.Itoa(w.ID), Email: w.Email, Fields: map[string]string{
			FieldFirstName: w.FirstName, FieldLastName: w.LastName, FieldStatus: w.Status,
			FieldMaxChatLimitEnabled: strconv.Itoa(w.MaxChatLimitEnabled)}, Lists: map[string][]string{}}
		if w.AgentNumber != "" {
			u.Fields[FieldAgentNumber] = w.AgentNumber
		}
		if w.Location != "" {
			u.Fields[FieldLocation] = w.Location
		}
		if w.MaxChatLimit != nil {
			u.Fields[FieldMaxChatLimit] = strconv.Itoa(*w.MaxChatLimit)
		}
		if len(w.Roles) > 0 {
			u.Lists[FieldRoles] = w.Roles
		}
		if len(w.Teams) > 0 {
			u.Lists[FieldTeams] = w.Teams
		}
		out[sync.Key(w.Email)] = u
	}
	return out
}

func clone(u sync.User) sync.User {
	c := sync.User{ID: u.ID, Email: u.Email, Fields: map[string]string{}, Lists: map[string][]string{}}
	for k, v := range u.Fields {
		c.Fields[k] = v
	}
	for k, v := range u.Lists {
		c.Lists[k] = slices.Clone(v)
	}
	return c
}

// sameUser compares what a write should leave with what the server has:
// fields equal, lists equal as sets.
func sameUser(t *testing.T, want, got sync.User) {
	t.Helper()
	for _, k := range []string{FieldFirstName, FieldLastName, FieldAgentNumber, FieldStatus, FieldLocation,
		FieldMaxChatLimit, FieldMaxChatLimitEnabled} {
		w, g := want.Fields[k], got.Fields[k]
		if k == FieldStatus && w == "" {
			w = StatusActive // the vendor's default for a new user
		}
		if k == FieldMaxChatLimitEnabled && w == "" {
			w = "0"
		}
		if w != g {
			t.Errorf("%s: %s is %q, want %q", want.Email, k, g, w)
		}
	}
	for _, k := range []string{FieldRoles, FieldTeams} {
		w, g := slices.Clone(want.Lists[k]), slices.Clone(got.Lists[k])
		sort.Strings(w)
		sort.Strings(g)
		if !slices.Equal(w, g) {
			t.Errorf("%s: %s are %v, want %v", want.Email, k, g, w)
		}
	}
}

func TestListUsersAndSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1203) // three pages of the agents endpoint, which caps per at 500
	users, err := e.t.ListUsers(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	want := e.srv.CCAIUsers()
	if len(users) != len(want) {
		t.Fatalf("listed %d users, the sandbox has %d", len(users), len(want))
	}
	for i, u := range users {
		w := want[i]
		if u.Email != w.Email || u.ID != strconv.Itoa(w.ID) || u.Fields[FieldFirstName] != w.FirstName || u.Fields[FieldLocation] != w.Location ||
			u.Fields[FieldAgentNumber] != w.AgentNumber || !slices.Equal(u.Lists[FieldRoles], w.Roles) || !slices.Equal(u.Lists[FieldTeams], w.Teams) ||
			len(u.Raw) == 0 || !strings.Contains(string(u.Raw), "sandbox_unknown_key") {
			t.Fatalf("user %d: %+v, sandbox has %+v", i, u, w)
		}
		// The agent's status is its presence: never read as Active/Inactive.
		for _, k := range []string{FieldStatus, FieldMaxChatLimit, FieldMaxChatLimitEnabled} {
			if v, ok := u.Fields[k]; ok {
				t.Fatalf("user %d: %s is %q, but the agents endpoint does not carry it", i, k, v)
			}
		}
	}
	// 500 asked, 500 + 500 + 203 answered, and the short page ends it.
	if st := e.srv.Stats(); st.Requests["GET /manager/api/v1/agents"] != 3 {
		t.Errorf("want 3 pages of agents, got %d requests", st.Requests["GET /manager/api/v1/agents"])
	}

	s, err := e.t.Schema(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	names := func(key string) []string {
		var out []string
		for _, c := range s.FieldByKey(key).Choices {
			out = append(out, c.Value)
		}
		return out
	}
	if !slices.Equal(names(FieldRoles), e.srv.CCAIRoles()) || !slices.Equal(names(FieldTeams), e.srv.CCAITeams()) ||
		!slices.Equal(names(FieldLocation), e.srv.CCAILocations()) {
		t.Errorf("schema choices: roles %v teams %v locations %v", names(FieldRoles), names(FieldTeams), names(FieldLocation))
	}
	if s.Target != "ccai" || s.Identity().Key != FieldEmail {
		t.Errorf("schema %+v", s)
	}
}

// run submits ops as one job and waits for it.
func (e *env) run(t *testing.T, ops []sync.Op) (string, []sync.BatchResult) {
	t.Helper()
	id, err := e.t.SubmitBatch(ctxT(t), ops)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.t.WaitBatch(ctxT(t), id, ops)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(ops) {
		t.Fatalf("%d results for %d ops", len(res), len(ops))
	}
	return id, res
}

func TestBatchAppliesAndUsersMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 20)
	before := e.listed(t)
	storedBefore := e.srv.CCAIUsers()
	all := storedBefore
	u0, u1, u2 := before[sync.Key(all[0].Email)], before[sync.Key(all[1].Email)], before[sync.Key(all[3].Email)]

	create := sync.User{Email: "Ada.Lovelace@example.com",
		Fields: map[string]string{FieldFirstName: "Ada", FieldLastName: "Lovelace", FieldLocation: "Dublin",
			FieldAgentNumber: "A-9001", FieldMaxChatLimit: "3", FieldMaxChatLimitEnabled: "1"},
		Lists: map[string][]string{FieldRoles: {"Agent", "Supervisor"}, FieldTeams: {"VIP"}}}
	update := clone(u0) // merge: location changes, a team is added
	update.Fields[FieldLocation] = "Austin"
	update.Fields[FieldLastName] = "Merged-Name"
	update.Lists[FieldTeams] = append(update.Lists[FieldTeams], "Tier 2")
	replace := clone(u2) // replace: roles become exactly Developer, agent number cleared
	replace.Lists[FieldRoles] = []string{"Developer"}
	delete(replace.Fields, FieldAgentNumber)
	deact := clone(u1)
	deact.Fields[FieldStatus] = StatusInactive
	was := e.stored(t)

	ops := []sync.Op{
		{Action: sync.Create, Row: 0, Line: 2, New: create},
		{Action: sync.Update, Row: 1, Line: 3, Old: &u0, New: update},
		{Action: sync.Update, Row: 2, Line: 4, Old: &u2, New: replace},
		{Action: sync.Deactivate, Row: -1, Old: &u1, New: deact},
	}
	_, res := e.run(t, ops)
	for i, r := range res {
		if r.Err != nil || r.Warning != "" {
			t.Errorf("op %d: %+v", i, r)
		}
	}
	after, listed := e.stored(t), e.listed(t)
	for _, op := range ops {
		got, ok := after[sync.Key(op.New.Email)]
		if !ok {
			t.Fatalf("%s is not stored after the job", op.New.Email)
		}
		if _, ok := listed[sync.Key(op.New.Email)]; !ok {
			t.Fatalf("%s is not listed after the job", op.New.Email)
		}
		// The fields the agents endpoint does not list, and the write did
		// not send, stay as they were.
		want := clone(op.New)
		for _, k := range notListed {
			if _, sent := want.Fields[k]; !sent {
				if v, ok := was[sync.Key(op.New.Email)].Fields[k]; ok {
					want.Fields[k] = v
				}
			}
		}
		sameUser(t, want, got)
	}
	// Users the batch did not name are untouched.
	for _, u := range storedBefore {
		k := sync.Key(u.Email)
		if k == sync.Key(u0.Email) || k == sync.Key(u1.Email) || k == sync.Key(u2.Email) {
			continue
		}
		if now, _ := e.srv.CCAIUser(u.Email); !reflectEqualUsers(now, u) {
			t.Errorf("%s changed: %+v → %+v", k, u, now)
		}
	}
	if st := e.srv.Stats(); st.CreatesPerEmail["ada.lovelace@example.com"] != 1 || st.Requests["POST /apps/api/v1/bulk/users/upload"] != 1 ||
		st.Requests["POST /apps/api/v1/bulk/users/proceed"] != 1 {
		t.Errorf("stats: %+v", st)
	}
}

func TestSchemeErrorsMapToOpsAndTheRestIsApplied(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5)
	mk := func(email, limit, loc, newEmail string) sync.User {
		u := sync.User{Email: email, Fields: map[string]string{FieldFirstName: "F", FieldLastName: "L"}}
		if limit != "" {
			u.Fields[FieldMaxChatLimit] = limit
		}
		if loc != "" {
			u.Fields[FieldLocation] = loc
		}
		if newEmail != "" {
			u.Fields[FieldNewEmail] = newEmail
		}
		return u
	}
	ops := []sync.Op{
		{Action: sync.Create, Row: 0, Line: 2, New: mk("ok.one@example.com", "2", "Dublin", "")},
		{Action: sync.Create, Row: 1, Line: 3, New: mk("too.many@example.com", "50", "", "")},
		{Action: sync.Create, Row: 2, Line: 4, New: mk("ok.two@example.com", "", "", "")},
		{Action: sync.Create, Row: 3, Line: 5, New: mk("lost@example.com", "", "Atlantis", "")},
		{Action: sync.Create, Row: 4, Line: 7, New: mk("ok.three@example.com", "", "Remote", "")},
	}
	id, res := e.run(t, ops)
	if res[1].Err == nil || res[1].Column != "Max Chat Limit" || !strings.Contains(res[1].Err.Error(), "1 to 10") {
		t.Errorf("line 3: %+v", res[1])
	}
	if res[3].Err == nil || res[3].Column != "Location" || !strings.Contains(res[3].Err.Error(), "Atlantis") {
		t.Errorf("line 5: %+v", res[3])
	}
	var se *sync.Error
	if !errors.As(res[1].Err, &se) || se.Kind != sync.KindRejected || se.Retryable() {
		t.Errorf("a scheme error must be a non-retryable rejection: %#v", res[1].Err)
	}
	for _, i := range []int{0, 2, 4} {
		if res[i].Err != nil {
			t.Errorf("op %d (line %d) failed: %v", i, ops[i].Line, res[i].Err)
		}
		if _, ok := e.srv.CCAIUser(ops[i].New.Email); !ok {
			t.Errorf("%s was not created", ops[i].New.Email)
		}
	}
	for _, i := range []int{1, 3} {
		if _, ok := e.srv.CCAIUser(ops[i].New.Email); ok {
			t.Errorf("%s was created despite its scheme error", ops[i].New.Email)
		}
	}
	// The same job carried on with the good rows: its file was replaced.
	jobs, total, err := e.t.Client().Jobs(ctxT(t), 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || jobs[0].ID != id || jobs[0].Status != JobCompleted || jobs[0].TotalRows != 3 ||
		!strings.HasSuffix(jobs[0].Filename, "-skip-1_3.json") {
		t.Errorf("jobs: %d %+v", total, jobs)
	}
	if st := e.srv.Stats(); st.Requests["PUT /apps/api/v1/bulk/users/upload"] != 1 || st.Requests["POST /apps/api/v1/bulk/users/upload"] != 1 {
		t.Errorf("want one upload and one replacement: %v", st.Requests)
	}
}

func TestUpdateErrorsAndWarnings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10)
	before := e.listed(t)
	all := e.srv.CCAIUsers()
	a, b := before[sync.Key(all[0].Email)], before[sync.Key(all[1].Email)]

	taken := clone(a) // renaming a to b's address fails at run time
	taken.Fields[FieldNewEmail] = b.Email
	ghostOld := clone(b) // the plan thought b had Admin; the server says not
	ghostOld.Lists[FieldRoles] = append(ghostOld.Lists[FieldRoles], "Admin")
	dropAdmin := clone(b)
	dropAdmin.Fields[FieldFirstName] = "Renamed"
	ops := []sync.Op{
		{Action: sync.Update, Row: 0, Line: 2, Old: &a, New: taken},
		{Action: sync.Update, Row: 1, Line: 3, Old: &ghostOld, New: dropAdmin},
	}
	_, res := e.run(t, ops)
	if res[0].Err == nil || res[0].Column != "New Email" || !strings.Contains(res[0].Err.Error(), "another user") ||
		!strings.Contains(res[0].Err.Error(), "update "+a.Email) {
		t.Errorf("taken new email: %+v", res[0])
	}
	if res[1].Err != nil || !strings.Contains(res[1].Warning, `Roles: the user has no role "Admin"`) {
		t.Errorf("warning: %+v", res[1])
	}
	if u, _ := e.srv.CCAIUser(b.Email); u.FirstName != "Renamed" {
		t.Errorf("the row with a warning was not applied: %+v", u)
	}
	if u, _ := e.srv.CCAIUser(a.Email); u.Email != a.Email {
		t.Errorf("the failed rename happened: %+v", u)
	}
}

// A resumed apply knows a journaled job's ops only by action, email and
// line; WaitBatch must follow the job from those without uploading again.
func TestResumeWaitsOnTheJournaledJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5)
	ops := []sync.Op{
		{Action: sync.Create, Line: 2, New: sync.User{Email: "r1@example.com", Fields: map[string]string{FieldFirstName: "R", FieldLastName: "One"}}},
		{Action: sync.Create, Line: 3, New: sync.User{Email: "r2@example.com", Fields: map[string]string{FieldFirstName: "R", FieldLastName: "Two"}}},
	}
	id, err := e.t.SubmitBatch(ctxT(t), ops)
	if err != nil {
		t.Fatal(err)
	}
	// The process "dies" here; a new target resumes. It shares the client,
	// so the two together stay within the rate limit the test checks.
	tg := &Target{c: e.t.c}
	thin := []sync.Op{{Action: sync.Create, Row: -1, Line: 2, New: sync.User{Email: "R1@example.com"}},
		{Action: sync.Create, Row: -1, Line: 3, New: sync.User{Email: "r2@example.com"}}}
	res, err := tg.WaitBatch(ctxT(t), id, thin)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("op %d: %v", i, r.Err)
		}
	}
	st := e.srv.Stats()
	if st.Requests["POST /apps/api/v1/bulk/users/upload"] != 1 || st.CreatesPerEmailMax != 1 || st.Creates != 2 {
		t.Errorf("want one upload and each user created once: %+v", st)
	}
	// Waiting again on a finished job answers the same, with no write.
	res2, err := tg.WaitBatch(ctxT(t), id, thin)
	if err != nil || len(res2) != 2 || res2[0].Err != nil {
		t.Errorf("second wait: %v %+v", err, res2)
	}
	if st := e.srv.Stats(); st.Requests["POST /apps/api/v1/bulk/users/proceed"] != 1 {
		t.Errorf("a finished job was proceeded again: %v", st.Requests)
	}

	// Ops of another batch are refused rather than mapped onto this job.
	other := []sync.Op{{Action: sync.Create, New: sync.User{Email: "someone@example.com"}},
		{Action: sync.Create, New: sync.User{Email: "r2@example.com"}}}
	_, err = tg.WaitBatch(ctxT(t), id, other)
	var se *sync.Error
	if !errors.As(err, &se) || se.Kind != sync.KindConflict || !strings.Contains(err.Error(), "different batch") {
		t.Errorf("other ops: %v", err)
	}
}

// A run interrupted after the job's file was replaced (rows with scheme
// errors left out) resumes from the job alone: the file name says which
// ops were left out, so results still land on the right ops.
func TestResumeAfterTheFileWasReplaced(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(ctxT(t))
	var sawInvalid bool
	e := newEnv(t, 5, func(o *Options) {
		o.OnJobState = func(id, state string) {
			if state == JobInvalidScheme {
				sawInvalid = true
			}
			if sawInvalid && state == JobCreated {
				cancel() // the replacement is uploaded; "crash" before it runs
			}
		}
	})
	mk := func(email, limit string) sync.User {
		return sync.User{Email: email, Fields: map[string]string{FieldFirstName: "F", FieldLastName: "L", FieldMaxChatLimit: limit}}
	}
	ops := []sync.Op{
		{Action: sync.Create, Line: 2, New: mk("a@example.com", "1")},
		{Action: sync.Create, Line: 3, New: mk("b@example.com", "99")},
		{Action: sync.Create, Line: 4, New: mk("c@example.com", "2")},
	}
	id, err := e.t.SubmitBatch(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.t.WaitBatch(ctx, id, ops); !errors.Is(err, context.Canceled) {
		t.Fatalf("want the wait cut short, got %v", err)
	}
	thin := make([]sync.Op, len(ops))
	for i, op := range ops {
		thin[i] = sync.Op{Action: op.Action, Row: -1, Line: op.Line, New: sync.User{Email: op.New.Email}}
	}
	tg := &Target{c: e.t.c}
	res, err := tg.WaitBatch(ctxT(t), id, thin)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[2].Err != nil || res[1].Err == nil || !strings.Contains(res[1].Err.Error(), "file check") {
		t.Errorf("results: %+v", res)
	}
	for _, email := range []string{"a@example.com", "c@example.com"} {
		if _, ok := e.srv.CCAIUser(email); !ok {
			t.Errorf("%s was not created", email)
		}
	}
	if _, ok := e.srv.CCAIUser("b@example.com"); ok {
		t.Error("the row with a scheme error was created")
	}
}

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

func reflectEqualUsers(a, b sandbox.CCAIUser) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestTemplateWriteJSONRoundTrips(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	tmpl, err := e.t.Client().Template(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tmpl.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	// What `template` prints reads back as an input file, one row per
	// example user, each starting on its own line.
	f, err := ReadTemplateJSON(strings.NewReader(b.String()), "template.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != len(tmpl.Users) || f.Rows[0].Line != 2 || f.Rows[1].Line <= f.Rows[0].Line {
		t.Errorf("rows %+v", f.Rows)
	}
	if f.Rows[0].Values[FieldEmail] != tmpl.Users[0].Email || f.Rows[0].Values[FieldRoles] != strings.Join(assigned(tmpl.Users[0].Roles), ", ") {
		t.Errorf("row 1 %+v vs %+v", f.Rows[0], tmpl.Users[0])
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
