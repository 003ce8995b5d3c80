package ccai

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"usersync/sync"
)

// The tests of the vendor contract as the pages document it: the upload's
// status link, error logs whose row is null, job statuses no page names.

// proxied puts a proxy in front of the sandbox that rewrites the status
// link of every upload answer (header and body) with rewrite.
func proxied(t *testing.T, e *env, rewrite func(link string) string) *Target {
	t.Helper()
	target, _ := url.Parse(e.srv.URL())
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasSuffix(resp.Request.URL.Path, "/bulk/users/upload") {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		link := resp.Header.Get("Link")
		if link != "" {
			resp.Header.Set("Link", rewrite(link))
			body = bytes.ReplaceAll(body, []byte(link), []byte(rewrite(link)))
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	px := httptest.NewServer(rp)
	t.Cleanup(px.Close)
	tg, err := New(Options{BaseURL: px.URL, Tenant: e.t.c.tenant, Token: e.t.c.token,
		PollMin: e.t.c.opts.PollMin, PollMax: e.t.c.opts.PollMax})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func createOps(emails ...string) []sync.Op {
	ops := make([]sync.Op, len(emails))
	for i, em := range emails {
		ops[i] = sync.Op{Action: sync.Create, Row: i, Line: i + 2,
			New: sync.User{Email: em, Fields: map[string]string{FieldFirstName: "F", FieldLastName: "L"}}}
	}
	return ops
}

// The upload answers a status link (the vendor's page spells it
// users_jobs/, unlike the status path users/jobs/): the client follows
// it; a link that answers 404 falls back to the documented path; a link to
// another host is never followed, since the credentials would go with it.
func TestJobStatusFollowsTheUploadsLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	const viaLink, viaPath = "GET /apps/api/v1/bulk/users_jobs/{id}", "GET /apps/api/v1/bulk/users/jobs/{id}"
	_, res := e.run(t, createOps("link.one@example.com"))
	st := e.srv.Stats()
	if res[0].Err != nil || st.Requests[viaLink] == 0 || st.Requests[viaPath] != 0 {
		t.Fatalf("the status was not read through the link: %+v, %v", res[0], st.Requests)
	}

	broken := proxied(t, e, func(l string) string { return strings.Replace(l, "/users_jobs/", "/gone_jobs/", 1) })
	id, err := broken.SubmitBatch(ctxT(t), createOps("link.two@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := broken.WaitBatch(ctxT(t), id, createOps("link.two@example.com")); err != nil || res[0].Err != nil {
		t.Fatalf("after a broken link: %v %+v", err, res)
	}
	if st := e.srv.Stats(); st.Requests[viaPath] == 0 || st.Requests["unmatched"] != 1 {
		t.Errorf("want one try of the broken link, then the documented path: %v", st.Requests)
	}

	before := e.srv.Stats().Requests[viaPath]
	foreign := proxied(t, e, func(l string) string {
		u, _ := url.Parse(l)
		u.Host = "ujet.co"
		return u.String()
	})
	ops := createOps("link.three@example.com")
	id, err = foreign.SubmitBatch(ctxT(t), ops)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := foreign.WaitBatch(ctxT(t), id, ops); err != nil || res[0].Err != nil {
		t.Fatalf("with a foreign link: %v %+v", err, res)
	}
	if e.srv.Stats().Requests[viaPath] == before {
		t.Error("the foreign link was not replaced by the documented path")
	}
	if _, ok := e.srv.CCAIUser("link.three@example.com"); !ok {
		t.Error("the job behind the foreign link did not run")
	}
}

// Error logs whose row is null (the vendor's pages allow it): an entry
// that names a row's address lands on that row; one that names none
// reaches every row of the job: a scheme error fails them all (the job did
// not run), an update warning is carried by each. Nothing is dropped.
func TestNullErrorRowsAreNeverDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10)
	e.srv.SetCCAINullErrorRows(true)

	ops := createOps("fine@example.com", "toomany@example.com")
	ops[1].New.Fields[FieldMaxChatLimit] = "50"
	_, res := e.run(t, ops)
	for i, r := range res {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "1 to 10") {
			t.Errorf("op %d: the scheme error without a row must reach it: %+v", i, r)
		}
	}
	if _, ok := e.srv.CCAIUser("fine@example.com"); ok {
		t.Error("a refused job created a user")
	}

	listed := e.listed(t)
	all := e.srv.CCAIUsers()
	a, b, c := listed[sync.Key(all[0].Email)], listed[sync.Key(all[1].Email)], listed[sync.Key(all[2].Email)]
	taken := clone(a) // a's rename to b's address fails; the log names b's address
	taken.Fields[FieldNewEmail] = b.Email
	ghost := clone(c) // the plan thought c had Admin: a warning naming no address
	ghost.Lists[FieldRoles] = append(ghost.Lists[FieldRoles], "Admin")
	renamed := clone(c)
	renamed.Fields[FieldFirstName] = "Renamed"
	_, res = e.run(t, []sync.Op{
		{Action: sync.Update, Row: 0, Line: 2, Old: &a, New: taken},
		{Action: sync.Update, Row: 1, Line: 3, Old: &ghost, New: renamed},
	})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "another user") {
		t.Errorf("the error naming the new address belongs to its row: %+v", res[0])
	}
	if res[1].Err != nil {
		t.Errorf("the other row did not fail: %+v", res[1])
	}
	for i, r := range res {
		if !strings.Contains(r.Warning, `no role "Admin"`) || !strings.Contains(r.Warning, "without naming a row") {
			t.Errorf("op %d: the warning without a row must reach every row: %q", i, r.Warning)
		}
	}
}

// A job status no vendor page documents is neither success nor failure:
// WaitBatch says so with the status named, as an error the engine stops on
// (KindUnexpected), and nothing is written meanwhile.
func TestUnknownJobStatusIsNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	e.srv.SetCCAIJobStatusAs(JobValidScheme, "validated")
	ops := createOps("odd.status@example.com")
	id, err := e.t.SubmitBatch(ctxT(t), ops)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.t.WaitBatch(ctxT(t), id, ops)
	se, ok := err.(*sync.Error)
	if !ok || se.Kind != sync.KindUnexpected || se.Retryable() || !strings.Contains(err.Error(), `"validated"`) {
		t.Fatalf("want an unexpected-status error naming it, got %#v", err)
	}
	if n := e.srv.Stats().Requests["POST /apps/api/v1/bulk/users/proceed"]; n != 0 {
		t.Errorf("a job in an unknown status was proceeded (%d)", n)
	}
}

// A server that ignores page answers the first page again and again: the
// listing says so instead of looping forever or stopping short.
func TestAgentsListingRefusesAServerThatDoesNotPage(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/template") {
			w.Write([]byte(`[]`))
			return
		}
		w.Write([]byte(`[{"id":1,"email":"a@example.com","roles":["Agent"],"teams":[],"status":{"name":"Available"}},` +
			`{"id":2,"email":"b@example.com","roles":[],"teams":[{"id":9,"name":"Sales"}],"status":null}]`))
	}))
	t.Cleanup(srv.Close)
	tg, err := New(Options{BaseURL: srv.URL, Tenant: "t", Token: "tok", AgentsPerPage: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.ListUsers(ctxT(t))
	se, ok := err.(*sync.Error)
	if !ok || se.Kind != sync.KindUnexpected || !strings.Contains(err.Error(), "does not seem to page") {
		t.Fatalf("want the listing refused, got %v", err)
	}
}

// Agents may spell a role or team otherwise than the template ("agent",
// "sales"): the listing uses the template's spelling, so the diff against
// a file (which uses the template's) sees no change, whichever was asked
// first.
func TestAgentsNamesTakeTheTemplatesSpelling(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/template"):
			w.Write([]byte(`[{"email":"x@example.com","first_name":"X","last_name":"Y","roles":[{"name":"Agent","value":1}],"teams":[{"name":"Sales","value":0}]}]`))
		case r.URL.Query().Get("page") == "1":
			w.Write([]byte(`[{"id":7,"email":"a@example.com","first_name":"A","last_name":"B","roles":["agent"],"teams":[{"id":1,"name":"SALES"}],"status":{"id":1,"name":"Available"}}]`))
		default:
			w.Write([]byte(`[]`))
		}
	}))
	t.Cleanup(srv.Close)
	tg, err := New(Options{BaseURL: srv.URL, Tenant: "t", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	users, err := tg.ListUsers(ctxT(t))
	if err != nil || len(users) != 1 {
		t.Fatalf("%v %+v", err, users)
	}
	if r, tm := users[0].Lists[FieldRoles], users[0].Lists[FieldTeams]; len(r) != 1 || r[0] != "Agent" || len(tm) != 1 || tm[0] != "Sales" {
		t.Errorf("roles %v, teams %v: want the template's spelling", r, tm)
	}
}

// Whatever a hostile or broken server answers, reading it as agents, a
// job or an error log never panics, and a log entry is never lost.
func FuzzDecodeAnswers(f *testing.F) {
	for _, s := range []string{`[{"id":1,"email":"a@x","roles":["r"],"teams":[{"name":"t"}],"status":{"id":1}}]`,
		`{"id":"5","status":"odd","total_rows":"3","failed_rows":null,"process_requested_at":{}}`,
		`[{"message":{"a":1},"row":null,"column":[1],"error_type":7},"text",3,null]`, `[`, `nul`, "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var agents []wireAgent
		_ = json.Unmarshal(b, &agents)
		var j job
		_ = json.Unmarshal(b, &j)
		var raws []json.RawMessage
		if json.Unmarshal(b, &raws) == nil {
			var log []logEntry
			if err := json.Unmarshal(b, &log); err != nil || len(log) != len(raws) {
				t.Fatalf("an error log of %d entries read as %d (%v)", len(raws), len(log), err)
			}
		}
	})
}

// With a job on the tenant the probe also reads that job's status and
// error logs (reads only: no upload, no proceed), and says when the job
// is in a status no page documents.
func TestProbeReadsTheNewestJobAndNeverWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 3)
	e.run(t, createOps("probe.job@example.com"))
	before := e.srv.Stats().Requests
	e.srv.SetCCAIJobStatusAs(JobCompleted, "archived")
	p := e.t.Probe(ctxT(t))
	if !p.OK() {
		t.Fatalf("a faithful tenant failed the probe: %v", p.Mismatches())
	}
	byName := map[string]sync.EndpointProbe{}
	for _, ep := range p.Endpoints {
		byName[ep.Name] = ep
	}
	for _, name := range []string{epJob.Name, epSchemeErrors.Name, epUpdateErrors.Name, epAgents.Name, epTemplate.Name} {
		if ep := byName[name]; !ep.Probed || !ep.Reached || !ep.AuthOK {
			t.Errorf("%s was not probed: %+v", name, ep)
		}
	}
	if !strings.Contains(byName[epJobs.Name].Note, `"archived"`) {
		t.Errorf("the undocumented status is not said: %+v", byName[epJobs.Name])
	}
	for route, n := range e.srv.Stats().Requests {
		if !strings.HasPrefix(route, "GET ") && n != before[route] {
			t.Errorf("the probe sent %s", route)
		}
	}
}
