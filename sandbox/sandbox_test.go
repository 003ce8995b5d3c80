package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	gosync "sync"
	"testing"
	"time"
)

func start(t testing.TB, opts Options) *Server {
	t.Helper()
	srv, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return srv
}

// call sends one request and returns the status and body.
func call(t testing.TB, method, url, token string, body any) (int, []byte, http.Header) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func login(t testing.TB, srv *Server) string {
	t.Helper()
	status, b, _ := call(t, "POST", srv.URL()+"/api/v1/sessions", "",
		map[string]string{"email": DemoEmail, "plaintextPassword": DemoPassword})
	if status != http.StatusCreated {
		t.Fatalf("login: %d %s", status, b)
	}
	var out struct{ Token string }
	json.Unmarshal(b, &out)
	return out.Token
}

func usersURL(srv *Server) string { return srv.URL() + "/api/v1/" + DemoSchool + "/users" }

func errorText(b []byte) string {
	var e struct{ Error string }
	json.Unmarshal(b, &e)
	return e.Error
}

func newUser(email string) map[string]any {
	return map[string]any{
		"email": email, "firstName": "Ada", "lastName": "Lovelace",
		"products": []string{"scheduling"}, "roles": []string{"r-6f1e2d93"},
		"department": "Mathematics", "disableRegistrationMail": true,
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	a := start(t, Options{Seed: 7, Users: 50})
	b := start(t, Options{Seed: 7, Users: 50})
	c := start(t, Options{Seed: 8, Users: 50})
	if !reflect.DeepEqual(a.Users(), b.Users()) {
		t.Error("same seed gave different users")
	}
	if reflect.DeepEqual(a.Users(), c.Users()) {
		t.Error("different seeds gave the same users")
	}
	users := a.Users()
	if len(users) != 50 {
		t.Fatalf("want 50 users, got %d", len(users))
	}
	emails := map[string]bool{}
	for _, u := range users {
		key := strings.ToLower(u.Email)
		if emails[key] {
			t.Errorf("duplicate email %s", u.Email)
		}
		emails[key] = true
		if u.FirstName == "" || len(u.Products) == 0 || len(u.Roles) == 0 || u.Department == "" {
			t.Errorf("thin user %+v", u)
		}
		prebuilt := 0
		for _, id := range u.Roles {
			for _, r := range a.Roles() {
				if r.ID == id && r.Prebuilt {
					prebuilt++
				}
			}
		}
		if prebuilt > 1 {
			t.Errorf("%s has %d prebuilt roles", u.Email, prebuilt)
		}
	}
	if len(start(t, Options{}).Users()) != 200 {
		t.Error("default is not 200 users")
	}
}

func TestSessions(t *testing.T) {
	const ttl = time.Second // wide enough for a loaded machine between login and use
	srv := start(t, Options{TokenTTL: ttl})
	url := srv.URL() + "/api/v1/sessions"

	status, b, _ := call(t, "POST", url, "", map[string]string{"email": DemoEmail, "plaintextPassword": "wrong"})
	if status != http.StatusUnauthorized || errorText(b) == "" {
		t.Errorf("wrong password: %d %s", status, b)
	}
	status, b, _ = call(t, "POST", url, "", map[string]string{"email": "OPERATOR@example.edu", "password": DemoPassword})
	if status != http.StatusCreated || !strings.Contains(string(b), `"token"`) {
		t.Fatalf("login with password and other case: %d %s", status, b)
	}

	status, b, _ = call(t, "GET", usersURL(srv), "", nil)
	if status != http.StatusUnauthorized || errorText(b) != "missing bearer token" {
		t.Errorf("no token: %d %s", status, b)
	}
	status, b, _ = call(t, "GET", usersURL(srv), "not-a-token", nil)
	if status != http.StatusUnauthorized || errorText(b) != "invalid token" {
		t.Errorf("bad token: %d %s", status, b)
	}

	first := login(t, srv)
	if status, _, _ := call(t, "GET", srv.URL()+"/api/v1/"+DemoSchool+"/roles", first, nil); status != 200 {
		t.Fatalf("fresh token: %d", status)
	}
	second := login(t, srv)
	loggedIn := time.Now()
	status, b, _ = call(t, "GET", usersURL(srv), first, nil)
	if status != http.StatusUnauthorized || !strings.Contains(errorText(b), "revoked") {
		t.Errorf("token after re-login: %d %s", status, b)
	}
	if status, _, _ := call(t, "GET", usersURL(srv), second, nil); status != 200 {
		t.Errorf("newest token: %d", status)
	}
	time.Sleep(time.Until(loggedIn.Add(ttl + 50*time.Millisecond)))
	status, b, _ = call(t, "GET", usersURL(srv), second, nil)
	if status != http.StatusUnauthorized || errorText(b) != "token expired" {
		t.Errorf("expired token: %d %s", status, b)
	}

	third := login(t, srv)
	srv.ExpireSessions()
	if status, _, _ := call(t, "GET", usersURL(srv), third, nil); status != http.StatusUnauthorized {
		t.Errorf("ExpireSessions left the token alive: %d", status)
	}
}

func TestUsersPagingAndFilter(t *testing.T) {
	srv := start(t, Options{Users: 1234})
	token := login(t, srv)
	var all []User
	for skip := 0; ; skip += 500 {
		status, b, _ := call(t, "GET", fmt.Sprintf("%s?skip=%d&limit=500", usersURL(srv), skip), token, nil)
		if status != 200 {
			t.Fatalf("page at %d: %d %s", skip, status, b)
		}
		var page []User
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 500 {
			break
		}
	}
	if len(all) != 1234 {
		t.Fatalf("read %d users, want 1234", len(all))
	}
	if !reflect.DeepEqual(all, srv.Users()) {
		t.Error("paged users differ from the store")
	}

	_, b, _ := call(t, "GET", usersURL(srv)+"?limit=5000", token, nil)
	var capped []User
	json.Unmarshal(b, &capped)
	if len(capped) != maxPageLimit {
		t.Errorf("limit 5000 answered %d users, want the cap %d", len(capped), maxPageLimit)
	}
	_, b, _ = call(t, "GET", usersURL(srv), token, nil)
	json.Unmarshal(b, &capped)
	if len(capped) != defaultPageLimit {
		t.Errorf("no limit answered %d users, want %d", len(capped), defaultPageLimit)
	}
	if status, _, _ := call(t, "GET", usersURL(srv)+"?skip=-1", token, nil); status != 400 {
		t.Errorf("negative skip: %d", status)
	}

	want := all[17]
	_, b, _ = call(t, "GET", usersURL(srv)+"?email="+strings.ToUpper(want.Email), token, nil)
	var found []User
	json.Unmarshal(b, &found)
	if len(found) != 1 || found[0].ID != want.ID {
		t.Errorf("email filter found %v", found)
	}
	_, b, _ = call(t, "GET", usersURL(srv)+"?email=nobody@example.edu", token, nil)
	if string(b) != "[]" {
		t.Errorf("unknown email answered %s, want []", b)
	}
}

func TestCreateUpdateAndErrors(t *testing.T) {
	srv := start(t, Options{Users: 10})
	token := login(t, srv)

	status, b, _ := call(t, "POST", usersURL(srv), token, newUser("Ada@Example.edu"))
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, b)
	}
	var created User
	json.Unmarshal(b, &created)
	if created.ID == "" || created.Status != "Active" || created.CreatedAt.IsZero() {
		t.Errorf("created user %+v", created)
	}
	status, b, _ = call(t, "POST", usersURL(srv), token, newUser("ada@example.EDU"))
	if status != http.StatusConflict || !strings.Contains(errorText(b), "already exists") {
		t.Errorf("duplicate create: %d %s", status, b)
	}
	if byStatus := srv.Stats().RouteResponses["POST /api/v1/{school}/users"]; byStatus["201"] != 1 || byStatus["409"] != 1 {
		t.Errorf("route responses %v", byStatus)
	}

	for _, tc := range []struct {
		field string
		value any
		want  string
	}{
		{"products", []string{"Scheduling"}, `unknown product key "Scheduling"`},
		{"roles", []string{"Faculty"}, `unknown role ID "Faculty"`},
		{"department", "Alchemy", `unknown department "Alchemy"`},
		{"secondaryDepartments", []string{"Alchemy"}, `unknown department "Alchemy"`},
		{"status", "Gone", `status must be Active or Inactive`},
		{"firstName", "", "firstName and lastName are required"},
		{"email", "not an address", "not a valid address"},
	} {
		u := newUser("new@example.edu")
		u[tc.field] = tc.value
		status, b, _ := call(t, "POST", usersURL(srv), token, u)
		if status != http.StatusBadRequest || !strings.Contains(errorText(b), tc.want) {
			t.Errorf("%s=%v: %d %s, want 400 %q", tc.field, tc.value, status, b, tc.want)
		}
	}

	other := srv.URL() + "/api/v1/elsewhere/users"
	status, b, _ = call(t, "GET", other, token, nil)
	if status != http.StatusNotFound || errorText(b) != `school "elsewhere" not found` {
		t.Errorf("unknown school: %d %s", status, b)
	}

	put := newUser("ada@example.edu")
	put["firstName"] = "Augusta"
	put["roles"] = []string{}
	status, b, _ = call(t, "PUT", usersURL(srv)+"/"+created.ID, token, put)
	if status != 200 {
		t.Fatalf("update: %d %s", status, b)
	}
	got, _ := srv.User("ADA@example.edu")
	if got.FirstName != "Augusta" || len(got.Roles) != 0 || got.Email != "Ada@Example.edu" || got.ID != created.ID {
		t.Errorf("after update: %+v", got)
	}
	put["email"] = "someone@example.edu"
	if status, b, _ := call(t, "PUT", usersURL(srv)+"/"+created.ID, token, put); status != 400 ||
		!strings.Contains(errorText(b), "email cannot change") {
		t.Errorf("email change: %d %s", status, b)
	}
	if status, _, _ := call(t, "PUT", usersURL(srv)+"/000000000000000000000000", token, put); status != 404 {
		t.Errorf("unknown id: %d", status)
	}
	status, b, _ = call(t, "GET", srv.URL()+"/api/v1/nope", token, nil)
	if status != 404 || !strings.Contains(errorText(b), "no such endpoint") {
		t.Errorf("unknown endpoint: %d %s", status, b)
	}
}

func TestMailRecordedUnlessSuppressed(t *testing.T) {
	srv := start(t, Options{Users: 1})
	token := login(t, srv)
	quiet := newUser("quiet@example.edu")
	loud := newUser("loud@example.edu")
	delete(loud, "disableRegistrationMail")
	for _, u := range []map[string]any{quiet, loud} {
		if status, b, _ := call(t, "POST", usersURL(srv), token, u); status != 201 {
			t.Fatalf("create: %d %s", status, b)
		}
	}
	mails := srv.Mails()
	if len(mails) != 1 || mails[0].To != "loud@example.edu" {
		t.Errorf("mails %+v, want one to loud@example.edu", mails)
	}
	_, b, _ := call(t, "GET", srv.URL()+"/_sandbox/stats", "", nil)
	var st Stats
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.MailsSent != 1 || st.CreatesPerEmailMax != 1 || st.Creates != 2 {
		t.Errorf("stats %s", b)
	}
	if st.Requests["POST /api/v1/{school}/users"] != 2 || st.Requests["POST /api/v1/sessions"] != 1 || st.Responses["201"] != 3 {
		t.Errorf("stats %s", b)
	}
}

func TestBulkReplace(t *testing.T) {
	srv := start(t, Options{Users: 5})
	token := login(t, srv)
	before := srv.Users()

	var body []map[string]any
	_, b, _ := call(t, "GET", usersURL(srv), token, nil)
	json.Unmarshal(b, &body)
	body = body[1:] // the first user is left out: the bulk PUT deletes it
	body[0]["lastName"] = "Changed"
	nu := newUser("bulk@example.edu")
	delete(nu, "disableRegistrationMail")
	body = append(body, nu)
	status, b, _ := call(t, "PUT", usersURL(srv), token, body)
	if status != 200 {
		t.Fatalf("bulk: %d %s", status, b)
	}
	var res map[string]int
	json.Unmarshal(b, &res)
	if res["users"] != 5 || res["created"] != 1 || res["updated"] != 1 || res["deleted"] != 1 {
		t.Errorf("bulk answered %v", res)
	}
	after := srv.Users()
	if _, ok := srv.User(before[0].Email); ok {
		t.Error("the user left out survived")
	}
	if after[0].LastName != "Changed" || !after[0].UpdatedAt.After(before[1].UpdatedAt) {
		t.Errorf("changed user: %+v", after[0])
	}
	if !reflect.DeepEqual(after[1:4], before[2:5]) {
		t.Error("untouched users changed")
	}
	if st := srv.Stats(); st.MailsSent != 1 || st.Creates != 1 {
		t.Errorf("bulk create: %+v", st)
	}

	bad := append([]map[string]any{}, body...)
	bad = append(bad, newUser("BULK@example.edu"))
	if status, b, _ := call(t, "PUT", usersURL(srv), token, bad); status != 400 || !strings.Contains(errorText(b), "appears twice") {
		t.Errorf("duplicate in bulk: %d %s", status, b)
	}
	if got := srv.Users(); !reflect.DeepEqual(got, after) {
		t.Error("a refused bulk PUT changed the store")
	}
}

func TestOptionsChecked(t *testing.T) {
	for _, o := range []Options{
		{Addr: "0.0.0.0:0"}, {Addr: "192.168.1.1:0"}, {FailRate: 1.5}, {DropRate: -1},
		{FailRate: 0.6, DropRate: 0.6}, {RateLimit: -1}, {Users: -3},
	} {
		if srv, err := Start(o); err == nil {
			srv.Close()
			t.Errorf("Start(%+v) accepted", o)
		}
	}
	srv := start(t, Options{Addr: "localhost:0", Users: 1})
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %s", srv.URL())
	}
}

func TestConcurrentWritesRaceFree(t *testing.T) {
	srv := start(t, Options{Users: 50, StateFile: filepath.Join(t.TempDir(), "s.json")})
	token := login(t, srv)
	users := srv.Users()
	var wg gosync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				email := fmt.Sprintf("w%d-%d@example.edu", w, i%5) // each email posted 3 times
				call(t, "POST", usersURL(srv), token, newUser(email))
				u := users[(w*15+i)%len(users)]
				put := newUser(u.Email)
				put["lastName"] = fmt.Sprint("L", i)
				call(t, "PUT", usersURL(srv)+"/"+u.ID, token, put)
				call(t, "GET", usersURL(srv)+"?skip=10&limit=20", token, nil)
				srv.Stats()
			}
		}()
	}
	wg.Wait()
	st := srv.Stats()
	if st.CreatesPerEmailMax != 1 || st.Creates != 40 {
		t.Errorf("creates %d, max per email %d; want 40 and 1", st.Creates, st.CreatesPerEmailMax)
	}
	if st.PostsPerEmail["w0-0@example.edu"] != 3 {
		t.Errorf("posts per email %v", st.PostsPerEmail["w0-0@example.edu"])
	}
	if len(srv.Users()) != 90 {
		t.Errorf("%d users, want 90", len(srv.Users()))
	}
}
