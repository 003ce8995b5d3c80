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
