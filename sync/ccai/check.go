package ccai

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"usersync/sync"
)

var _ sync.Prober = (*Target)(nil)

// probePer is how many agents the probe asks for: one page is enough to
// see the shape.
const probePer = 5

// Probe reads, and only reads, every endpoint the adapter relies on that
// can be read: the template, a page of agents, the locations, the newest
// job's status and error logs. Writes (upload, proceed) are listed but
// never sent.
func (t *Target) Probe(ctx context.Context) *sync.Probe {
	p := &sync.Probe{Target: TargetName, Connection: t.Describe()}
	get := func(ep Endpoint, r request, needed bool) (sync.EndpointProbe, []byte) {
		prefix := apiPrefix + "/"
		if ep.Manager {
			prefix = managerPrefix + "/"
		}
		e := sync.EndpointProbe{Name: ep.Name, Method: ep.Method, Path: prefix + ep.Path,
			Source: ep.Status + ": " + ep.Source, Needed: needed}
		if p.Silent() {
			e.Note = sync.NotSent
			return e, nil
		}
		r.method, r.manager, r.op = http.MethodGet, ep.Manager, "check "+ep.Name
		if r.path == "" {
			r.path = ep.Path
		}
		var status int
		var h http.Header
		var body []byte
		err := sync.ProbeRead(ctx, func(ctx context.Context) (err error) {
			status, h, body, err = t.c.probeGet(ctx, r)
			return err
		})
		e.Record(status, h, body, err, ep.Answer)
		return e, body
	}
	add := func(e sync.EndpointProbe) { p.Endpoints = append(p.Endpoints, e) }

	e, _ := get(epTemplate, request{}, true)
	add(e)
	e, _ = get(epAgents, request{query: url.Values{queryPage: {"1"}, queryPer: {strconv.Itoa(probePer)}}}, true)
	add(e)
	e, _ = get(epLocations, request{}, false)
	if e.Status == http.StatusNotFound {
		e.Err, e.Note = "", "not offered (it is assumed): locations are left to the server's own check"
	}
	add(e)

	e, body := get(epJobs, request{query: url.Values{queryPage: {"1"}, queryPerPage: {"1"}}}, false)
	add(e)
	// The newest job, if any, shows the status endpoint and the error logs.
	var jobs []job
	newest := ""
	if e.Err == "" && json.Unmarshal(body, &jobs) == nil && len(jobs) > 0 {
		newest = string(jobs[0].ID)
		if st := string(jobs[0].Status); st != "" && !slices.Contains(documentedStatuses, st) {
			p.Endpoints[len(p.Endpoints)-1].Note = "the newest job is in status \"" + st +
				"\", which no vendor page documents: an apply would stop on it"
		}
	}
	for _, ep := range []Endpoint{epJob, epSchemeErrors, epUpdateErrors} {
		if newest == "" {
			note := "not probed: the tenant has no job yet"
			if p.Silent() {
				note = sync.NotSent
			}
			add(sync.EndpointProbe{Name: ep.Name, Method: ep.Method, Path: apiPrefix + "/" + ep.Path,
				Source: ep.Status + ": " + ep.Source, Needed: true, Note: note})
			continue
		}
		e, _ := get(ep, request{path: jobPath(ep, newest)}, true)
		e.Note = "job " + newest
		add(e)
	}
	for _, ep := range []Endpoint{epUpload, epReplace, epProceed} {
		add(sync.EndpointProbe{Name: ep.Name, Method: ep.Method, Path: apiPrefix + "/" + ep.Path,
			Source: ep.Status + ": " + ep.Source, Needed: true, Note: "a write: never sent by check"})
	}
	return p
}

var documentedStatuses = []string{JobCreated, JobValidScheme, JobInvalidScheme, JobInProgress, JobCompleted}

// probeGet sends one read and answers the status, headers and body, with
// the error for anything but a 2xx.
func (c *Client) probeGet(ctx context.Context, r request) (int, http.Header, []byte, error) {
	var h http.Header
	var body []byte
	var last *sync.Error
	err := sync.Retry(ctx, sync.ProbePolicy, func(ctx context.Context) error {
		h, body, last = c.once(ctx, r)
		if last != nil {
			return last
		}
		return nil
	})
	switch {
	case err == nil:
		return http.StatusOK, h, body, nil
	case last != nil:
		return last.Status, h, body, err
	}
	return 0, h, body, err
}
