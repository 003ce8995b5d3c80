package sandbox

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The ccai import jobs: upload, scheme check, proceed, list, and their limits.

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
