package ccai

import (
	"context"
	"fmt"
	"slices"
	"strings"
	gosync "sync"

	"usersync/csvfile"
	"usersync/sync"
)

// Target is the ccai sync.BatchWriter: one job per batch, followed to its
// end, every logged error mapped back to its op (and so its file line).
type Target struct {
	c *Client

	mu    gosync.Mutex
	watch func(jobID, state string) // the engine's hook (sync.JobWatcher)
	links map[string]string         // job id → the status link its upload gave
	names map[string]string         // lowercase role/team name → the template's spelling
}

var (
	_ sync.BatchWriter = (*Target)(nil)
	_ sync.JobWatcher  = (*Target)(nil)
)

// WatchJobs sets the hook that hears each status a job passes through,
// besides Options.OnJobState.
func (t *Target) WatchJobs(hook func(jobID, state string)) {
	t.mu.Lock()
	t.watch = hook
	t.mu.Unlock()
}

// New returns the ccai target for the given connection.
func New(opts Options) (*Target, error) {
	c, err := NewClient(opts)
	if err != nil {
		return nil, err
	}
	return &Target{c: c}, nil
}

// Client is the HTTP client underneath, for the job list and the template.
func (t *Target) Client() *Client { return t.c }

// Name is "ccai".
func (t *Target) Name() string { return TargetName }

// Describe names the connection for the journal (never the token), so a
// run is only resumed against the same tenant.
func (t *Target) Describe() string {
	return TargetName + " " + strings.TrimSuffix(t.c.base.String(), "/") + " tenant " + t.c.tenant
}

// Schema fetches the live template (and locations) and builds the schema
// from them. It also learns the template's spelling of every role and
// team, so agents listed afterwards carry the same names as the file.
func (t *Target) Schema(ctx context.Context) (*csvfile.Schema, error) {
	cfg, _, err := t.c.LiveConfig(ctx)
	if err != nil {
		return nil, err
	}
	t.learnNames(cfg.Roles, cfg.Teams)
	return NewSchema(cfg), nil
}

// learnNames keeps the template's spelling of each role and team.
func (t *Target) learnNames(roles, teams []string) {
	names := map[string]string{}
	for _, n := range append(slices.Clone(roles), teams...) {
		names[strings.ToLower(n)] = n
	}
	t.mu.Lock()
	t.names = names
	t.mu.Unlock()
}

// ListUsers reads every page of the Manager API's agents. It stops at an
// empty page or one shorter than the longest before it, so a server that
// caps per below what was asked is read to the end all the same, and it
// never counts an agent twice (one created meanwhile shifts the pages).
func (t *Target) ListUsers(ctx context.Context) ([]sync.User, error) {
	per := t.c.opts.AgentsPerPage
	if per <= 0 {
		per = defaultPer
	}
	t.mu.Lock()
	known := t.names != nil
	t.mu.Unlock()
	if !known {
		// Agents name roles and teams in their own spelling ("agent"); the
		// template's is the file's. Learn it first, so a listing reads the
		// same whatever was asked before it (a saved plan's fingerprint).
		tmpl, err := t.c.Template(ctx)
		if err != nil {
			return nil, err
		}
		t.learnNames(tmpl.Roles(), tmpl.Teams())
	}
	var out []sync.User
	seen := map[string]bool{}
	longest := 0
	for page := 1; ; page++ {
		agents, raws, err := t.c.agentsPage(ctx, page, per)
		if err != nil {
			return nil, err
		}
		fresh := 0
		for i := range agents {
			key := agents[i].ID
			if key == "" {
				key = strings.ToLower(agents[i].Email)
			}
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			fresh++
			out = append(out, t.toUser(&agents[i], raws[i]))
		}
		if len(agents) > 0 && fresh == 0 {
			// A server that ignores page answers the first page forever:
			// stopping here would miss agents, going on would never end.
			return nil, &sync.Error{Kind: sync.KindUnexpected, Op: fmt.Sprintf("list agents (page %d)", page),
				Msg: "the page holds only agents of earlier pages: the server does not seem to page with page and per"}
		}
		if len(agents) == 0 || len(agents) < longest {
			return out, nil
		}
		longest = max(longest, len(agents))
	}
}

// toUser turns an agent into the engine's form: blank values absent, roles
// and teams as names (in the template's spelling when it is known). The
// agent's status is its presence, not Active/Inactive, so status stays
// unknown.
func (t *Target) toUser(a *wireAgent, raw []byte) sync.User {
	u := sync.User{ID: a.ID, Email: a.Email, Fields: map[string]string{}, Lists: map[string][]string{}, Raw: raw,
		Unlisted: notListed}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			u.Fields[k] = v
		}
	}
	set(FieldFirstName, a.FirstName)
	set(FieldLastName, a.LastName)
	set(FieldAgentNumber, a.AgentNumber)
	set(FieldLocation, a.Location)
	t.mu.Lock()
	canon := func(list []string) []string {
		out := make([]string, 0, len(list))
		for _, n := range list {
			if c, ok := t.names[strings.ToLower(n)]; ok {
				n = c
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	if len(a.Roles) > 0 {
		u.Lists[FieldRoles] = canon(a.Roles)
	}
	if len(a.Teams) > 0 {
		u.Lists[FieldTeams] = canon(a.Teams)
	}
	t.mu.Unlock()
	return u
}
