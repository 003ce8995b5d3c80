package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"
)

const ccaiBase = "/apps/api/v1/"

// startCCAI starts a sandbox whose jobs take a few milliseconds a stage,
// without the rate limit (these tests poll raw endpoints; the limit has
// its own test, and sync/ccai's tests keep it on).
func startCCAI(t testing.TB, opts Options) *Server {
	t.Helper()
	srv := start(t, opts)
	srv.SetCCAIJobPace(15*time.Millisecond, 0)
	srv.SetCCAIRateLimit(0)
	return srv
}

// ccaiCall sends one request with the demo tenant's Basic credentials
// (user "" sends none) and returns status, body and headers.
func ccaiCall(t testing.TB, srv *Server, method, path, user string, body io.Reader, ctype string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+ccaiBase+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, DemoAPIToken)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// agentsGet reads the Manager API's agents endpoint with query q.
func agentsGet(t testing.TB, srv *Server, q string, out any) {
	t.Helper()
	ccaiGet(t, srv, "../../../manager/api/v1/agents"+q, out)
}

func ccaiGet(t testing.TB, srv *Server, path string, out any) http.Header {
	t.Helper()
	status, b, h := ccaiCall(t, srv, "GET", path, DemoTenant, nil, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, b)
		}
	}
	return h
}

// uploadFile sends file as a new job (id "") or as the new file of job id.
func uploadFile(t testing.TB, srv *Server, id string, file string) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	method := "POST"
	if id != "" {
		method = "PUT"
		mw.WriteField("id", id)
	}
	fw, _ := mw.CreateFormFile("file", "batch.json")
	fw.Write([]byte(file))
	mw.Close()
	status, b, _ := ccaiCall(t, srv, method, "bulk/users/upload", DemoTenant, &body, mw.FormDataContentType())
	var out map[string]any
	json.Unmarshal(b, &out)
	return status, out
}

type testJob struct {
	ID           int            `json:"id"`
	Filename     string         `json:"filename"`
	Status       string         `json:"status"`
	TotalRows    int            `json:"total_rows"`
	AffectedRows int            `json:"affected_rows"`
	FailedRows   int            `json:"failed_rows"`
	SchemeErrors []ccaiLogEntry `json:"scheme_errors"`
	UpdateErrors []ccaiLogEntry `json:"update_errors"`
}

// waitJob polls until the job leaves the given statuses, and returns it
// with the statuses it passed through.
func waitJob(t testing.TB, srv *Server, id string, passing ...string) (testJob, []string) {
	t.Helper()
	var seen []string
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var j testJob
		ccaiGet(t, srv, "bulk/users/jobs/"+id, &j)
		if len(seen) == 0 || seen[len(seen)-1] != j.Status {
			seen = append(seen, j.Status)
		}
		still := false
		for _, p := range passing {
			still = still || j.Status == p
		}
		if !still {
			return j, seen
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("job %s stuck; statuses %v", id, seen)
	return testJob{}, nil
}

func proceed(t testing.TB, srv *Server, id string) (int, []byte) {
	t.Helper()
	status, b, _ := ccaiCall(t, srv, "POST", "bulk/users/proceed", DemoTenant,
		strings.NewReader(`{"id":`+id+`}`), "application/json")
	return status, b
}

func jobID(t testing.TB, out map[string]any) string {
	t.Helper()
	id, ok := out["id"].(float64)
	if !ok {
		t.Fatalf("no numeric job id in %v", out)
	}
	return strconv.Itoa(int(id))
}

func TestCCAIAuth(t *testing.T) {
	srv := startCCAI(t, Options{Users: 5})
	status, b, h := ccaiCall(t, srv, "GET", "bulk/users/template", "", nil, "")
	if status != http.StatusUnauthorized || !strings.Contains(h.Get("WWW-Authenticate"), "Basic") ||
		!strings.Contains(string(b), `"message"`) {
		t.Errorf("no credentials: %d %s %v", status, b, h)
	}
	if status, _, _ := ccaiCall(t, srv, "GET", "bulk/users/template", "other-tenant", nil, ""); status != http.StatusUnauthorized {
		t.Errorf("wrong tenant: %d", status)
	}
	req, _ := http.NewRequest("GET", srv.URL()+"/manager/api/v1/agents", nil)
	req.SetBasicAuth(DemoTenant, "wrong-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	if status, _, _ := ccaiCall(t, srv, "GET", "bulk/users/template", DemoTenant, nil, ""); status != http.StatusOK {
		t.Errorf("demo credentials: %d", status)
	}
}

func TestCCAITemplateAndUsers(t *testing.T) {
	srv := startCCAI(t, Options{Seed: 3})
	var tmpl []wireCCAIUser
	ccaiGet(t, srv, "bulk/users/template", &tmpl)
	if len(tmpl) == 0 {
		t.Fatal("empty template")
	}
	for _, u := range tmpl {
		var roles, teams []string
		for _, a := range u.Roles {
			roles = append(roles, a.Name)
		}
		for _, a := range u.Teams {
			teams = append(teams, a.Name)
		}
		if !reflect.DeepEqual(roles, ccaiRoles) || !reflect.DeepEqual(teams, ccaiTeams) {
			t.Errorf("template user %s lacks some roles or teams: %v %v", u.Email, roles, teams)
		}
	}

	// The agents endpoint: the vendor's shape, paged with page and per.
	var page []map[string]json.RawMessage
	agentsGet(t, srv, "?page=2&per=50", &page)
	all := srv.CCAIUsers()
	if len(page) != 50 {
		t.Fatalf("page 2: %d agents", len(page))
	}
	for _, k := range []string{"id", "email", "first_name", "middle_name", "last_name", "agent_number", "location",
		"roles", "teams", "status", "created_at", "channels", "sandbox_unknown_key"} {
		if _, ok := page[0][k]; !ok {
			t.Errorf("an agent lacks %q: %v", k, page[0])
		}
	}
	var first struct {
		ID     int      `json:"id"`
		Email  string   `json:"email"`
		Roles  []string `json:"roles"`
		Status struct {
			Name string `json:"name"`
		} `json:"status"`
		Teams []struct {
			Name string `json:"name"`
		} `json:"teams"`
	}
	raw, _ := json.Marshal(page[0])
	json.Unmarshal(raw, &first)
	if first.Email != all[50].Email || first.ID != all[50].ID || !reflect.DeepEqual(first.Roles, all[50].Roles) ||
		len(first.Teams) != len(all[50].Teams) || first.Status.Name == "" || first.Status.Name == "Active" {
		t.Errorf("page 2 starts with %+v, want %+v (status is presence, not Active/Inactive)", first, all[50])
	}
	agentsGet(t, startCCAI(t, Options{Users: maxAgentsPer + 10}), "?page=1&per=5000", &page)
	if len(page) != maxAgentsPer {
		t.Errorf("per over %d should be capped, not refused: %d agents", maxAgentsPer, len(page))
	}
	agentsGet(t, srv, "?page=9&per=50", &page)
	if len(page) != 0 {
		t.Errorf("past the end: %d agents", len(page))
	}
	agentsGet(t, srv, fmt.Sprintf("?id[]=%d&agent_number[]=%s&agent_number[]=nope", all[7].ID, all[7].AgentNumber), &page)
	if len(page) != 1 || !strings.Contains(string(page[0]["email"]), all[7].Email) {
		t.Errorf("filters: %v", page)
	}
	if status, _, _ := ccaiCall(t, srv, "GET", "../../../manager/api/v1/agents?page=0", DemoTenant, nil, ""); status != http.StatusBadRequest {
		t.Errorf("page 0: %d", status)
	}

	// Same seed, same agents; another seed, others.
	if !reflect.DeepEqual(srv.CCAIUsers(), startCCAI(t, Options{Seed: 3}).CCAIUsers()) {
		t.Error("same seed gave different ccai users")
	}
	if reflect.DeepEqual(srv.CCAIUsers(), startCCAI(t, Options{Seed: 4}).CCAIUsers()) {
		t.Error("different seeds gave the same ccai users")
	}
}

func TestCCAIJobLifecycle(t *testing.T) {
	srv := startCCAI(t, Options{Users: 20, Seed: 1})
	users := srv.CCAIUsers()
	a, b := users[0], users[1]
	var other string // a team a does not have
	for _, tm := range ccaiTeams {
		if !strings.Contains(strings.Join(a.Teams, ","), tm) {
			other = tm
		}
	}
	file := fmt.Sprintf(`[
 {"email":"new.agent@example.com","first_name":"New","last_name":"Agent","status":"Active","location":"dublin",
  "max_chat_limit":3,"max_chat_limit_enabled":1,"roles":[{"name":"Agent","value":1},{"name":"Admin","value":""}],
  "teams":[{"name":"Sales","value":1}]},
 {"email":%q,"first_name":%q,"last_name":"Renamed","location":null,"agent_number":null,
  "roles":[{"name":"Developer","value":1},{"name":"Supervisor","value":0}],"teams":[{"name":%q,"value":1}]},
 {"email":%q,"new_email":%q,"first_name":"X","last_name":"Y"},
 {"email":%q,"first_name":%q,"last_name":%q,"status":"Inactive"}
]`, strings.ToUpper(a.Email), a.FirstName, other, b.Email, a.Email, users[2].Email, users[2].FirstName, users[2].LastName)
	status, out := uploadFile(t, srv, "", file)
	if status != http.StatusCreated || out["status"] != "created" || !strings.HasSuffix(out["link"].(string), "/users_jobs/"+jobID(t, out)) {
		t.Fatalf("upload: %d %v", status, out)
	}
	id := jobID(t, out)
	if st, body := proceed(t, srv, id); st != http.StatusConflict {
		t.Errorf("proceed before the scheme check: %d %s", st, body)
	}
	j, seen := waitJob(t, srv, id, "created")
	if j.Status != "valid_scheme" || j.TotalRows != 4 || len(j.SchemeErrors) != 0 {
		t.Fatalf("after the check: %+v (seen %v)", j, seen)
	}
	if st, body := proceed(t, srv, id); st != http.StatusOK || !strings.Contains(string(body), `"valid_scheme"`) {
		t.Fatalf("proceed: %d %s", st, body)
	}
	if st, _ := proceed(t, srv, id); st != http.StatusConflict {
		t.Errorf("second proceed: %d", st)
	}
	j, seen = waitJob(t, srv, id, "valid_scheme", "in_progress")
	if j.Status != "completed" || !strings.Contains(strings.Join(seen, " "), "in_progress") {
		t.Fatalf("want completed through in_progress: %+v (seen %v)", j, seen)
	}
	if j.AffectedRows != 3 || j.FailedRows != 1 {
		t.Errorf("affected %d failed %d, want 3 and 1", j.AffectedRows, j.FailedRows)
	}
	var errs []ccaiLogEntry
	ccaiGet(t, srv, "bulk/users/errors/update/"+id, &errs)
	if !reflect.DeepEqual(errs, j.UpdateErrors) {
		t.Errorf("error log %+v differs from the job's %+v", errs, j.UpdateErrors)
	}
	var gotErr, gotWarn bool
	for _, e := range errs {
		if e.Row == 3 && e.Column == "new_email" && e.ErrorType == "error" {
			gotErr = true
		}
		if e.Row == 2 && e.Column == "roles" && e.ErrorType == "warning" && strings.Contains(e.Message, "Supervisor") {
			gotWarn = true
		}
	}
	if !gotErr || !gotWarn {
		t.Errorf("want a new_email error on row 3 and a roles warning on row 2: %+v", errs)
	}

	nu, ok := srv.CCAIUser("NEW.AGENT@example.com")
	if !ok || nu.Location != "Dublin" || nu.MaxChatLimit == nil || *nu.MaxChatLimit != 3 ||
		nu.MaxChatLimitEnabled != 1 || !reflect.DeepEqual(nu.Roles, []string{"Agent"}) || !reflect.DeepEqual(nu.Teams, []string{"Sales"}) {
		t.Errorf("created user: %+v", nu)
	}
	ua, _ := srv.CCAIUser(a.Email)
	if ua.LastName != "Renamed" || ua.Location != "" || ua.AgentNumber != "" || !strings.Contains(strings.Join(ua.Roles, ","), "Developer") ||
		!strings.Contains(strings.Join(ua.Teams, ","), other) || ua.FirstName != a.FirstName {
		t.Errorf("updated user: %+v (was %+v)", ua, a)
	}
	if ub, _ := srv.CCAIUser(b.Email); ub.FirstName != b.FirstName {
		t.Errorf("a failed row changed the user: %+v", ub)
	}
	if u2, _ := srv.CCAIUser(users[2].Email); u2.Status != "Inactive" {
		t.Errorf("deactivation: %+v", u2)
	}
	st := srv.Stats()
	if st.CreatesPerEmail["new.agent@example.com"] != 1 || st.Requests["POST /apps/api/v1/bulk/users/upload"] != 1 ||
		st.Requests["GET /apps/api/v1/bulk/users/jobs/{id}"] == 0 {
		t.Errorf("stats: %+v", st)
	}
	if st, _, _ := ccaiCall(t, srv, "GET", "bulk/users/jobs/999999", DemoTenant, nil, ""); st != http.StatusNotFound {
		t.Errorf("unknown job: %d", st)
	}
}

func TestCCAISchemeErrorsAndReplace(t *testing.T) {
	srv := startCCAI(t, Options{Users: 5})
	file := `[
 {"email":"ok@example.com","first_name":"Ok","last_name":"Fine"},
 {"email":"not-an-email","first_name":"","last_name":"B","status":"active","location":"Atlantis"},
 {"email":"OK@example.com","first_name":"Dup","last_name":"C","max_chat_limit":50,"max_chat_limit_enabled":2},
 {"email":"d@example.com","first_name":{"x":1},"last_name":"D","roles":[{"name":"Wizard","value":1},{"name":"Agent","value":5}],"teams":"Sales"}
]`
	_, out := uploadFile(t, srv, "", file)
	id := jobID(t, out)
	j, _ := waitJob(t, srv, id, "created")
	if j.Status != "invalid_scheme" {
		t.Fatalf("want invalid_scheme: %+v", j)
	}
	var log []ccaiLogEntry
	ccaiGet(t, srv, "bulk/users/errors/scheme/"+id, &log)
	want := map[string]bool{
		"2 email": false, "2 first_name": false, "2 status": false, "2 location": false,
		"3 email": false, "3 max_chat_limit": false, "3 max_chat_limit_enabled": false,
		"4 first_name": false, "4 roles": false, "4 teams": false,
	}
	for _, e := range log {
		k := fmt.Sprintf("%d %s", e.Row, e.Column)
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected finding %+v", e)
		}
		want[k] = true
		if e.Message == "" || e.ErrorType != "" {
			t.Errorf("finding %+v: want a message and no error_type", e)
		}
	}
	for k, found := range want {
		if !found {
			t.Errorf("no finding for row/column %s in %+v", k, log)
		}
	}
	if st, _ := proceed(t, srv, id); st != http.StatusUnprocessableEntity {
		t.Errorf("proceed of an invalid job: %d", st)
	}

	// PUT with the id replaces the file of the same job.
	status, out := uploadFile(t, srv, id, `[{"email":"ok@example.com","first_name":"Ok","last_name":"Fine"}]`)
	if status != http.StatusOK || jobID(t, out) != id {
		t.Fatalf("replace: %d %v", status, out)
	}
	j, _ = waitJob(t, srv, id, "created")
	if j.Status != "valid_scheme" || j.TotalRows != 1 || len(j.SchemeErrors) != 0 {
		t.Fatalf("after the replacement: %+v", j)
	}
	proceed(t, srv, id)
	waitJob(t, srv, id, "valid_scheme", "in_progress")
	if status, _ := uploadFile(t, srv, id, `[]`); status != http.StatusConflict {
		t.Errorf("replacing a completed job's file: %d", status)
	}
	if status, _ := uploadFile(t, srv, "424242", `[]`); status != http.StatusNotFound {
		t.Errorf("replacing an unknown job: %d", status)
	}

	_, out = uploadFile(t, srv, "", `{"not":"a list"}`)
	j, _ = waitJob(t, srv, jobID(t, out), "created")
	if j.Status != "invalid_scheme" || len(j.SchemeErrors) != 1 || j.SchemeErrors[0].Row != 0 {
		t.Errorf("a file that is not a list: %+v", j)
	}
	status, b, _ := ccaiCall(t, srv, "POST", "bulk/users/upload", DemoTenant, strings.NewReader("{}"), "application/json")
	if status != http.StatusBadRequest || !strings.Contains(string(b), "multipart") {
		t.Errorf("upload without multipart: %d %s", status, b)
	}
}

func TestCCAIJobList(t *testing.T) {
	srv := startCCAI(t, Options{Users: 2})
	var ids []string
	for i := range 3 {
		_, out := uploadFile(t, srv, "", fmt.Sprintf(`[{"email":"u%d@example.com","first_name":"A","last_name":"B"}]`, i))
		ids = append(ids, jobID(t, out))
	}
	var list []testJob
	h := ccaiGet(t, srv, "bulk/users/jobs?per_page=2", &list)
	if len(list) != 2 || strconv.Itoa(list[0].ID) != ids[2] || strconv.Itoa(list[1].ID) != ids[1] {
		t.Fatalf("want the newest first: %+v (ids %v)", list, ids)
	}
	if h.Get("Total") != "3" || h.Get("Per-Page") != "2" || !strings.Contains(h.Get("Link"), `page=2&per_page=2>; rel="next"`) {
		t.Errorf("headers: %v", h)
	}
	ccaiGet(t, srv, "bulk/users/jobs?page=2&per_page=2", &list)
	if len(list) != 1 || strconv.Itoa(list[0].ID) != ids[0] || list[0].Filename != "batch.json" {
		t.Errorf("page 2: %+v", list)
	}
}

func TestCCAIRateLimit(t *testing.T) {
	srv := start(t, Options{Users: 2})
	var wg gosync.WaitGroup
	var mu gosync.Mutex
	codes := map[int]int{}
	var retryAfter string
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", srv.URL()+ccaiBase+"bulk/users/jobs", nil)
			req.SetBasicAuth(DemoTenant, DemoAPIToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			if resp.StatusCode == http.StatusTooManyRequests {
				retryAfter = resp.Header.Get("Retry-After")
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	// A bucket of 10 a second holding 10: a burst of 40 gets about 10 through.
	if codes[200] < 10 || codes[200] > 12 || codes[429] != 40-codes[200] || retryAfter == "" {
		t.Errorf("burst of 40: %v, Retry-After %q", codes, retryAfter)
	}
	if st := srv.Stats(); st.Responses["429"] != codes[429] {
		t.Errorf("stats count %d 429s, clients saw %d", st.Responses["429"], codes[429])
	}
	if peak := srv.CCAIPeakRate(time.Second); peak != codes[200] {
		t.Errorf("peak rate %d, want the %d requests that passed", peak, codes[200])
	}
	// The coursedog half has its own limit (off here): unaffected.
	status, _, _ := call(t, "POST", srv.URL()+"/api/v1/sessions", "", map[string]string{"email": DemoEmail, "plaintextPassword": DemoPassword})
	if status != http.StatusCreated {
		t.Errorf("coursedog after a ccai burst: %d", status)
	}
}

func TestPeakIn(t *testing.T) {
	base := time.Unix(0, 0)
	at := func(ms ...int) []time.Time {
		var ts []time.Time
		for _, m := range ms {
			ts = append(ts, base.Add(time.Duration(m)*time.Millisecond))
		}
		return ts
	}
	for _, c := range []struct {
		ts   []time.Time
		want int
	}{
		{nil, 0},
		{at(0), 1},
		{at(0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000), 10}, // 1000 is outside [0, 1000)
		{at(0, 1, 2, 999), 4},
		{at(900, 0, 950, 1899), 3}, // unsorted input
	} {
		if got := peakIn(c.ts, time.Second); got != c.want {
			t.Errorf("peakIn(%v) = %d, want %d", c.ts, got, c.want)
		}
	}
}

func TestCCAIStateAndResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv, err := Start(Options{Users: 10, StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetCCAIJobPace(time.Hour, 0) // nothing moves before the restart
	srv.SetCCAIRateLimit(0)
	_, out := uploadFile(t, srv, "", `[{"email":"kept@example.com","first_name":"Kept","last_name":"Job"}]`)
	id := jobID(t, out)
	before := srv.CCAIUsers()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv2, err := Start(Options{Users: 10, StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	srv2.SetCCAIRateLimit(0)
	if !reflect.DeepEqual(srv2.CCAIUsers(), before) {
		t.Error("users changed across the restart")
	}
	// The job was waiting for its scheme check; the restarted sandbox (with
	// the default pace of about a second) carries on with it.
	j, _ := waitJob(t, srv2, id, "created")
	if j.Status != "valid_scheme" {
		t.Fatalf("job after the restart: %+v", j)
	}
	srv2.SetCCAIJobPace(10*time.Millisecond, 0)
	proceed(t, srv2, id)
	waitJob(t, srv2, id, "valid_scheme", "in_progress")
	if _, ok := srv2.CCAIUser("kept@example.com"); !ok {
		t.Error("the resumed job did not create its user")
	}
	_, out = uploadFile(t, srv2, "", `[{"email":"next@example.com","first_name":"N","last_name":"J"}]`)
	if n, _ := strconv.Atoi(jobID(t, out)); strconv.Itoa(n) == id || n < 5001 {
		t.Errorf("job ids restart or repeat: %d after %s", n, id)
	}
}
