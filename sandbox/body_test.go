package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// send posts raw bytes (not JSON-encoded by the test) with a bearer token.
func send(t *testing.T, method, url, token string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, errorText(b)
}

// TestBadBodiesChangeNothing: every write route answers 400 to a body that
// is null, not JSON, of the wrong type, followed by more data or holding a
// field the contract does not name (a misspelt disableRegistrationMail
// would otherwise send mail), and 413 to one over its limit (a login's is
// 4 KiB: it is unauthenticated); and the directory, the sessions and the
// mails are as they were.
func TestBadBodiesChangeNothing(t *testing.T) {
	srv := start(t, Options{Users: 30, Seed: 7})
	token := login(t, srv)
	users := srv.Users()
	id := users[0].ID
	sessions := len(srv.coursedog().sessions)
	big := []byte(`{"email":"` + strings.Repeat("a", 5<<10) + `@example.edu","plaintextPassword":"sandbox"}`)
	huge := []byte(`{"email":"x@example.edu","firstName":"` + strings.Repeat("a", limitUser) + `"}`)
	sessionsURL := srv.URL() + "/api/v1/sessions"
	one := usersURL(srv) + "/" + id
	for _, c := range []struct {
		name, method, url string
		body              string
		raw               []byte
		status            int
		want              string
	}{
		{"login: over 4 KiB", "POST", sessionsURL, "", big, 413, "the body is larger than this endpoint accepts (4096 bytes)"},
		{"login: null", "POST", sessionsURL, "null", nil, 400, "invalid JSON body: empty or null"},
		{"login: empty", "POST", sessionsURL, "", nil, 400, "invalid JSON body: empty or null"},
		{"login: wrong type", "POST", sessionsURL, `{"email": 5, "plaintextPassword": "sandbox"}`, nil, 400, "invalid JSON body: json: cannot unmarshal number into Go struct field .email of type string"},
		{"login: two values", "POST", sessionsURL, `{"email":"operator@example.edu","plaintextPassword":"sandbox"} {}`, nil, 400, "invalid JSON body: more data after the JSON value"},
		{"create: null", "POST", usersURL(srv), "null", nil, 400, "invalid JSON body: empty or null"},
		{"create: an array", "POST", usersURL(srv), `[{"email":"new@example.edu"}]`, nil, 400, "invalid JSON body: json: cannot unmarshal array into Go value of type sandbox.userBody"},
		{"create: misspelt mail switch", "POST", usersURL(srv), `{"email":"new@example.edu","firstName":"N","lastName":"U","products":["events"],"disableRegistrationEmail":true}`, nil, 400, `invalid JSON body: json: unknown field "disableRegistrationEmail"`},
		{"create: products as a string", "POST", usersURL(srv), `{"email":"new@example.edu","firstName":"N","lastName":"U","products":"events"}`, nil, 400, "invalid JSON body: json: cannot unmarshal string into Go struct field userBody.User.products of type []string"},
		{"create: over the limit", "POST", usersURL(srv), "", huge, 413, "the body is larger than this endpoint accepts (262144 bytes)"},
		{"update: null", "PUT", one, "null", nil, 400, "invalid JSON body: empty or null"},
		{"update: unknown field", "PUT", one, `{"lastName":"X","admin":true}`, nil, 400, `invalid JSON body: json: unknown field "admin"`},
		{"update: trailing data", "PUT", one, `{"lastName":"X"}]`, nil, 400, "invalid JSON body: more data after the JSON value"},
		{"bulk: null (it deleted everyone)", "PUT", usersURL(srv), "null", nil, 400, "invalid JSON body: empty or null"},
		{"bulk: an object", "PUT", usersURL(srv), `{"users":[]}`, nil, 400, "invalid JSON body: json: cannot unmarshal object into Go value of type []sandbox.userBody"},
		{"bulk: a null user", "PUT", usersURL(srv), "[null]", nil, 400, "user 0 (): email is required"},
		{"bulk: not JSON", "PUT", usersURL(srv), "[{", nil, 400, "invalid JSON body: unexpected EOF"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := c.raw
			if body == nil {
				body = []byte(c.body)
			}
			tok := token
			if c.url == sessionsURL {
				tok = ""
			}
			status, msg := send(t, c.method, c.url, tok, body)
			if status != c.status || msg != c.want {
				t.Errorf("%d %q, want %d %q", status, msg, c.status, c.want)
			}
		})
	}
	if got := srv.Users(); !reflect.DeepEqual(got, users) {
		t.Errorf("the users changed: %d, were %d", len(got), len(users))
	}
	if n := len(srv.coursedog().sessions); n != sessions {
		t.Errorf("%d sessions, were %d", n, sessions)
	}
	if st := srv.Stats(); len(st.CreatesPerEmail) != 0 || st.MailsSent != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestCCAIBadBodies: proceed takes {"id"} and nothing else, in a few KiB.
func TestCCAIBadBodies(t *testing.T) {
	srv := startCCAI(t, Options{Users: 5})
	for _, c := range []struct {
		body   string
		status int
	}{
		{"null", 400},
		{`{"id": 1, "force": true}`, 400},
		{`{"id": 1} {"id": 2}`, 400},
		{`{"id": "` + strings.Repeat("9", 5<<10) + `"}`, 413},
	} {
		status, b, _ := ccaiCall(t, srv, "POST", "bulk/users/proceed", DemoTenant, strings.NewReader(c.body), "application/json")
		if status != c.status {
			t.Errorf("proceed %.40q: %d %s, want %d", c.body, status, b, c.status)
		}
	}
}
