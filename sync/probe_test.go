package sync

import (
	"errors"
	"slices"
	"testing"
)

func TestCheckShape(t *testing.T) {
	want := Shape{Fields: []FieldShape{{"id", "scalar"}, {"email", "string"}, {"roles", "strings"}, {"teams", "objects"}},
		Known: []string{"created_at"}}
	for _, c := range []struct {
		body                   string
		items                  int
		missing, wrong, unknow []string
		err                    bool
	}{
		{body: `[{"id":1,"email":"a@x","roles":["r"],"teams":[{"name":"t"}],"created_at":"x"}]`, items: 1},
		{body: `[{"id":"1","email":null,"roles":[],"teams":null}]`, items: 1}, // null and empty pass
		{body: `[{"id":1,"roles":"r","teams":["t"],"extra":{}}]`, items: 1, missing: []string{"email"},
			wrong: []string{"roles (want strings, got string)", "teams (want objects, got list)"}, unknow: []string{"extra"}},
		{body: `[]`},
		{body: `{"id":1}`, err: true},
		{body: `<html>`, err: true},
	} {
		items, missing, wrong, unknown, err := CheckShape([]byte(c.body), want)
		if items != c.items || !slices.Equal(missing, c.missing) || !slices.Equal(wrong, c.wrong) ||
			!slices.Equal(unknown, c.unknow) || (err != nil) != c.err {
			t.Errorf("%s: %d %v %v %v %v", c.body, items, missing, wrong, unknown, err)
		}
	}
	if _, missing, _, _, err := CheckShape([]byte(`{"token":"x"}`), Shape{Object: true, Fields: []FieldShape{{"token", "string"}, {"id", "any"}}}); err != nil ||
		!slices.Equal(missing, []string{"id"}) {
		t.Errorf("object: %v %v", missing, err)
	}
}

func TestEndpointProbeRecord(t *testing.T) {
	shape := Shape{Fields: []FieldShape{{"name", "string"}}}
	var e EndpointProbe
	e.Needed = true
	e.Record(200, map[string][]string{"X-Ratelimit-Remaining": {"9"}, "Content-Type": {"application/json"}}, []byte(`[{"name":"a"}]`), nil, shape)
	if !e.OK() || e.RateLimit["X-Ratelimit-Remaining"] != "9" || len(e.RateLimit) != 1 || e.Items != 1 {
		t.Errorf("ok answer: %+v", e)
	}
	e = EndpointProbe{Needed: true}
	e.Record(401, nil, []byte(`{"message":"no"}`), errors.New("unauthorized"), shape)
	if e.OK() || e.AuthOK || !e.Reached || e.Problem() != "the credentials were refused (HTTP 401)" {
		t.Errorf("401: %+v %q", e, e.Problem())
	}
	e = EndpointProbe{Needed: true}
	e.Record(0, nil, nil, errors.New("connection refused"), shape)
	if e.OK() || e.Reached || e.Problem() != "not reached: connection refused" {
		t.Errorf("unreached: %+v", e)
	}
	opt := EndpointProbe{Needed: false}
	opt.Record(404, nil, nil, errors.New("not found"), shape)
	if !opt.OK() {
		t.Error("an optional endpoint failed the probe")
	}
	p := &Probe{Endpoints: []EndpointProbe{e, opt}}
	if p.OK() || len(p.Mismatches()) != 1 {
		t.Errorf("probe: %v", p.Mismatches())
	}
}

// A probe that got no answer is told apart from one whose answers differ.
func TestProbeUnanswered(t *testing.T) {
	silent := EndpointProbe{Name: "a", Needed: true, Probed: true, Err: "connection refused"}
	fine := EndpointProbe{Name: "b", Needed: true, Probed: true, Reached: true, AuthOK: true, Status: 200}
	failing := EndpointProbe{Name: "d", Needed: true, Probed: true, Reached: true, AuthOK: true, Status: 503, Err: "HTTP 503"}
	moved := EndpointProbe{Name: "c", Needed: true, Probed: true, Reached: true, AuthOK: true, Status: 200, Missing: []string{"email"}}
	busy := EndpointProbe{Name: "e", Needed: true, Probed: true, Reached: true, AuthOK: true, Status: 429, Err: "rate limited (HTTP 429)"}
	optionalFailing := failing
	optionalFailing.Needed = false
	optionalMoved := moved
	optionalMoved.Needed = false
	for _, tt := range []struct {
		eps  []EndpointProbe
		want bool
	}{
		{[]EndpointProbe{silent, silent}, true},
		{[]EndpointProbe{fine, silent}, true},
		{[]EndpointProbe{silent, moved}, false},
		{[]EndpointProbe{fine, fine}, false},
		{[]EndpointProbe{failing, fine}, true},
		{[]EndpointProbe{failing, moved}, false},
		// An optional endpoint the server did not answer stops the probe
		// as a needed one does; one that answered otherwise only warns.
		{[]EndpointProbe{fine, optionalFailing}, true},
		{[]EndpointProbe{fine, optionalMoved}, false},
		{[]EndpointProbe{busy, fine}, true}, // a 429 past the probe's waits
	} {
		p := &Probe{Endpoints: tt.eps}
		if got := p.Unanswered(); got != tt.want {
			t.Errorf("%+v: Unanswered %v, want %v", tt.eps, got, tt.want)
		}
		if p.OK() && (tt.want || p.Silent()) {
			t.Errorf("%+v: OK, though the server did not answer a read", tt.eps)
		}
	}
}
