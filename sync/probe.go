package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Prober is a target that can check, without writing anything, that the
// live API answers what the adapter relies on: a support engineer's first
// run against a real tenant must not be where a wrong assumption shows,
// thousands of rows in. `usersync check` and the guided import run it.
type Prober interface {
	Probe(ctx context.Context) *Probe
}

// Probe is what a read-only probe found, endpoint by endpoint.
type Probe struct {
	Target     string          `json:"target"`
	Connection string          `json:"connection,omitempty"`
	Endpoints  []EndpointProbe `json:"endpoints"`
}

// OK reports whether every endpoint the adapter depends on matched.
func (p *Probe) OK() bool {
	for _, e := range p.Endpoints {
		if !e.OK() {
			return false
		}
	}
	return true
}

// Unanswered reports whether the probe failed only because the server
// did not answer (no endpoint it depends on was reached, or those reached
// matched): that says nothing of the API's shape, and trying again later
// may pass.
func (p *Probe) Unanswered() bool {
	silent := false
	for _, e := range p.Endpoints {
		switch {
		case e.OK():
		case e.silent():
			silent = true
		default:
			return false // an answer that differs
		}
	}
	return silent
}

// Silent reports whether an endpoint probed so far found the server not
// answering. A probe sends nothing more then (NotSent): each request
// would only wait out its own retries, and a server that is down is
// better said at once than after every endpoint's.
func (p *Probe) Silent() bool {
	for _, e := range p.Endpoints {
		if e.silent() {
			return true
		}
	}
	return false
}

// ProbeReadTimeout bounds one read of a probe, its retry and waits
// included: a server that takes the connection and answers nothing is
// said in seconds, not after each client's own timeout twice over.
const ProbeReadTimeout = 15 * time.Second

// ProbeRead runs one read of a probe within ProbeReadTimeout. When that
// runs out (and not ctx), its error says so: the adapter's would say
// "canceled" or name the context.
func ProbeRead(ctx context.Context, read func(ctx context.Context) error) error {
	rctx, cancel := context.WithTimeout(ctx, ProbeReadTimeout)
	defer cancel()
	err := read(rctx)
	if err != nil && ctx.Err() == nil && rctx.Err() != nil {
		return fmt.Errorf("no answer within %v", ProbeReadTimeout)
	}
	return err
}

// NotSent is the note of an endpoint left unsent because the server had
// not answered an earlier one.
const NotSent = "not probed: the server did not answer an earlier read"

// Refused reports whether the server refused the credentials on an
// endpoint it answered: nothing else could be checked there, and logging
// in again is what to do (SignInAgain), not reading the contract.
func (p *Probe) Refused() bool {
	for _, e := range p.Endpoints {
		if e.Probed && e.Reached && !e.AuthOK {
			return true
		}
	}
	return false
}

// Mismatches describes, one line each, the endpoints that did not match.
func (p *Probe) Mismatches() []string {
	var out []string
	for _, e := range p.Endpoints {
		if !e.OK() {
			out = append(out, e.Name+": "+e.Problem())
		}
	}
	return out
}

// EndpointProbe is one endpoint's finding.
type EndpointProbe struct {
	Name   string `json:"name"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Source string `json:"source,omitempty"` // documented or assumed, and where
	// Needed says the adapter depends on the endpoint; a missing optional
	// one (an assumed locations list) is reported but does not fail.
	Needed  bool `json:"needed"`
	Probed  bool `json:"probed"` // false: not sent (say why in Note)
	Reached bool `json:"reached"`
	Status  int  `json:"status,omitempty"`
	AuthOK  bool `json:"auth_ok"`
	Items   int  `json:"items"` // objects the answer held
	// Missing are fields the adapter reads that no object carried; Wrong
	// are fields of another type than the adapter reads; Unknown are keys
	// the contract does not name (reported, never a failure: APIs grow).
	Missing   []string          `json:"missing,omitempty"`
	Wrong     []string          `json:"wrong,omitempty"`
	Unknown   []string          `json:"unknown,omitempty"`
	RateLimit map[string]string `json:"rate_limit_headers,omitempty"`
	Err       string            `json:"error,omitempty"`
	Note      string            `json:"note,omitempty"`
}

// OK reports whether the endpoint answered what the adapter needs (an
// optional one passes whatever it answered, but not a server that did
// not answer it: the probe sends nothing more then, so what it left
// unsent, needed or not, was not checked).
func (e EndpointProbe) OK() bool {
	switch {
	case !e.Probed:
		return true
	case e.silent():
		return false
	case !e.Needed:
		return true
	}
	return e.Reached && e.AuthOK && e.Err == "" && len(e.Missing) == 0 && len(e.Wrong) == 0
}

// silent reports whether e found the server not answering: no answer at
// all, or a server error or a rate limit that outlasted the probe's
// retry and waits, which say nothing of the API's shape.
func (e EndpointProbe) silent() bool {
	return e.Probed && (!e.Reached || e.Status >= 500 || e.Status == 429) // 429: rate limited
}

// Problem says in a few words what is wrong ("" when nothing).
func (e EndpointProbe) Problem() string {
	switch {
	case e.OK():
		return ""
	case !e.Reached:
		return "not reached: " + e.Err
	case !e.AuthOK:
		return fmt.Sprintf("the credentials were refused (HTTP %d)", e.Status)
	case e.Err != "":
		return e.Err
	}
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing "+strings.Join(e.Missing, ", "))
	}
	if len(e.Wrong) > 0 {
		parts = append(parts, "of another type: "+strings.Join(e.Wrong, "; "))
	}
	return strings.Join(parts, "; ")
}

// FieldShape is one field an answer's objects carry: its name and the
// JSON kind the adapter reads. Kind is "string", "number", "bool",
// "scalar" (string or number), "list", "object", "strings" (a list of
// strings), "objects" (a list of objects) or "any"; null always passes.
type FieldShape struct {
	Name string
	Kind string
}

// Shape is what an endpoint's answer must look like: a list of objects
// (or one object) carrying Fields, among which Known names the keys the
// vendor documents but the adapter does not read.
type Shape struct {
	Object bool // the answer is one object, not a list
	Fields []FieldShape
	Known  []string
}

// Rate-limit headers worth reporting, by lowercase prefix.
var rateLimitHeaders = []string{"x-ratelimit", "ratelimit", "x-rate-limit", "retry-after"}

// Record fills in e from one answer: status, auth, rate-limit headers (h
// is the answer's header) and, for a 2xx, how the body matches the shape.
// err is the adapter's error, the cause when no answer came (status 0).
func (e *EndpointProbe) Record(status int, h map[string][]string, body []byte, err error, want Shape) {
	e.Probed = true
	if err != nil && status == 0 {
		e.Err = err.Error()
		return
	}
	e.Reached, e.Status = true, status
	e.AuthOK = status != 401 && status != 403
	for k, v := range h {
		lk := strings.ToLower(k)
		for _, p := range rateLimitHeaders {
			if strings.HasPrefix(lk, p) {
				if e.RateLimit == nil {
					e.RateLimit = map[string]string{}
				}
				e.RateLimit[k] = strings.Join(v, ", ")
			}
		}
	}
	if status < 200 || status > 299 {
		if err != nil {
			e.Err = err.Error()
		} else {
			e.Err = fmt.Sprintf("HTTP %d", status)
		}
		return
	}
	e.Items, e.Missing, e.Wrong, e.Unknown, err = CheckShape(body, want)
	if err != nil {
		e.Err = err.Error()
	}
}

// CheckShape compares a JSON answer with the shape the adapter reads: the
// fields no object carries (missing), those of another kind (wrong), and
// the keys the shape does not name (unknown). An empty list proves
// nothing either way: items is 0 and nothing is missing.
func CheckShape(body []byte, want Shape) (items int, missing, wrong, unknown []string, err error) {
	var objs []map[string]json.RawMessage
	t := bytes.TrimSpace(body)
	if want.Object {
		var o map[string]json.RawMessage
		if err := json.Unmarshal(t, &o); err != nil || o == nil {
			return 0, nil, nil, nil, fmt.Errorf("the answer is not a JSON object")
		}
		objs = []map[string]json.RawMessage{o}
	} else if err := json.Unmarshal(t, &objs); err != nil {
		return 0, nil, nil, nil, fmt.Errorf("the answer is not a JSON list of objects")
	}
	named := map[string]bool{}
	for _, f := range want.Fields {
		named[f.Name] = true
	}
	for _, k := range want.Known {
		named[k] = true
	}
	seenUnknown := map[string]bool{}
	for _, f := range want.Fields {
		present := false
		for _, o := range objs {
			raw, ok := o[f.Name]
			if !ok {
				continue
			}
			present = true
			if got := kindOf(raw); !kindFits(f.Kind, got, raw) && !slices.Contains(wrong, f.Name) {
				wrong = append(wrong, fmt.Sprintf("%s (want %s, got %s)", f.Name, f.Kind, got))
			}
		}
		if !present && len(objs) > 0 {
			missing = append(missing, f.Name)
		}
	}
	for _, o := range objs {
		for k := range o {
			if !named[k] && !seenUnknown[k] {
				seenUnknown[k] = true
				unknown = append(unknown, k)
			}
		}
	}
	sort.Strings(unknown)
	return len(objs), missing, wrong, unknown, nil
}

func kindOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "list"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

func kindFits(want, got string, raw json.RawMessage) bool {
	if got == "null" || want == "any" || want == got {
		return true
	}
	switch want {
	case "scalar":
		return got == "string" || got == "number"
	case "strings", "objects":
		if got != "list" {
			return false
		}
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return false
		}
		for _, it := range items {
			k := kindOf(it)
			if (want == "strings" && k != "string") || (want == "objects" && k != "object") {
				return false
			}
		}
		return true
	}
	return false
}
