package ccai

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

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
