package coursedog

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"usersync/sync"
)

var _ sync.Prober = (*Target)(nil)

// probeLimit is how many users the probe reads: one page shows the shape.
const probeLimit = 5

// Probe reads, and only reads, what the adapter relies on: a page of
// users, the roles and the departments, with the token at hand (the
// session endpoint is probed by logging in, which `usersync login` and the
// guided import do). Writes are listed but never sent.
func (t *Target) Probe(ctx context.Context) *sync.Probe {
	p := &sync.Probe{Target: TargetName, Connection: t.Describe()}
	ctx = sync.WithPolicy(ctx, sync.ProbePolicy)
	source := func(ep Endpoint) string {
		if ep.Documented {
			return "documented: the vendor's article"
		}
		return "assumed: not public"
	}
	path := func(ep Endpoint) string {
		return strings.ReplaceAll(ep.Path, "{school}", t.c.School())
	}
	read := func(ep Endpoint, query url.Values) {
		e := sync.EndpointProbe{Name: ep.Name, Method: ep.Method, Path: path(ep), Source: source(ep), Needed: true}
		if p.Silent() {
			e.Note = sync.NotSent
			p.Endpoints = append(p.Endpoints, e)
			return
		}
		var seen answer
		var body []byte
		err := sync.ProbeRead(ctx, func(ctx context.Context) (err error) {
			body, err = t.c.do(ctx, request{op: "check " + ep.Name, ep: ep, query: query, seen: &seen})
			return err
		})
		e.Record(seen.status, seen.header, body, err, ep.Answer)
		p.Endpoints = append(p.Endpoints, e)
	}
	login := sync.EndpointProbe{Name: epLogin.Name, Method: epLogin.Method, Path: epLogin.Path,
		Source: source(epLogin), Needed: true, Note: loginNote(t.c)}
	if t.c.LoginField() != "" {
		// This client signed in: the endpoint answered a token.
		login.Probed, login.Reached, login.AuthOK, login.Status, login.Items = true, true, true, 201, 1
	}
	p.Endpoints = append(p.Endpoints, login)
	read(epListUsers, url.Values{querySkip: {"0"}, queryLimit: {strconv.Itoa(probeLimit)}})
	read(epRoles, nil)
	read(epDepartments, nil)
	for _, ep := range []Endpoint{epCreateUser, epUpdateUser, epReplaceAll} {
		p.Endpoints = append(p.Endpoints, sync.EndpointProbe{Name: ep.Name, Method: ep.Method, Path: path(ep),
			Source: source(ep), Needed: true, Note: "a write: never sent by check"})
	}
	return p
}

// loginNote says how the session was had.
func loginNote(c *Client) string {
	if f := c.LoginField(); f != "" {
		return "signed in with {\"email\",\"" + f + "\"}"
	}
	return "not probed: the saved token is used (usersync login signs in)"
}
