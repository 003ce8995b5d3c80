package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The Manager API's agents endpoint (documented on the vendor's "Agent
// endpoints" page): GET /manager/api/v1/agents?page=N&per=M, with the same
// Basic credentials as the Apps API, answering agents with id, email,
// names, agent_number, location, roles (names), teams (objects) and status
// — the agent's presence, not the account's Active/Inactive — among many
// other keys. It is how a client learns the existing users.

const (
	defaultAgentsPer = 100
	maxAgentsPer     = 500 // a larger per is capped, as APIs do (the vendor states no maximum)
)

// agentStatus is an agent's presence, as the vendor's model has it.
type agentStatus struct {
	ID    int    `json:"id"`
	WFMID *int   `json:"wfm_id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

type agentTeam struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	ParentID    *int   `json:"parent_id"`
	Position    int    `json:"position"`
	Deleted     bool   `json:"deleted"`
	AgentsCount int    `json:"agents_count"`
}

// wireAgent is an agent as the endpoint writes it: the vendor's model,
// field for field.
type wireAgent struct {
	ID               int         `json:"id"`
	Email            string      `json:"email"`
	CreatedAt        time.Time   `json:"created_at"`
	LastLoginTime    *time.Time  `json:"last_login_time"`
	FirstName        string      `json:"first_name"`
	MiddleName       string      `json:"middle_name"`
	LastName         string      `json:"last_name"`
	AvatarURL        *string     `json:"avatar_url"`
	AgentNumber      string      `json:"agent_number"`
	Status           agentStatus `json:"status"`
	StatusUpdatedAt  time.Time   `json:"status_updated_at"`
	CRMAuthenticated bool        `json:"crm_authenticated"`
	Online           bool        `json:"online"`
	WrapUp           bool        `json:"wrap_up"`
	CallCount        int         `json:"call_count"`
	ChatCount        int         `json:"chat_count"`
	Location         *string     `json:"location"`
	Roles            []string    `json:"roles"`
	Teams            []agentTeam `json:"teams"`
	Channels         []any       `json:"channels"`
}

// toAgent writes u as the agents endpoint does; counts are the teams'
// sizes. The caller holds mu.
func (c *ccai) toAgent(u *CCAIUser, teamSize map[string]int) wireAgent {
	presence := agentStatus{ID: 1, Name: "Offline", Color: "#9e9e9e"}
	a := wireAgent{ID: u.ID, Email: u.Email, CreatedAt: u.CreatedAt, FirstName: u.FirstName,
		LastName: u.LastName, AgentNumber: u.AgentNumber, Status: presence, StatusUpdatedAt: u.UpdatedAt,
		Roles: slices.Clone(u.Roles), Teams: []agentTeam{}, Channels: []any{}}
	if a.Roles == nil {
		a.Roles = []string{}
	}
	if u.Location != "" {
		a.Location = ptr(u.Location)
	}
	for _, t := range u.Teams {
		i := slices.Index(ccaiTeams, t)
		a.Teams = append(a.Teams, agentTeam{ID: 201 + i, Name: t, Position: i + 1, AgentsCount: teamSize[t]})
	}
	return a
}

// listAgents serves GET /manager/api/v1/agents: ?page (from 1) and ?per
// (default 100, capped at 500), filters id[] and agent_number[].
func (c *ccai) listAgents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err := queryInt(q.Get("page"), 1)
	if err != nil || page == 0 {
		ccaiError(w, http.StatusBadRequest, "page must be a number from 1")
		return
	}
	per, err := queryInt(q.Get("per"), defaultAgentsPer)
	if err != nil || per == 0 {
		ccaiError(w, http.StatusBadRequest, "per must be a positive number")
		return
	}
	per = min(per, maxAgentsPer)
	ids, numbers := q["id[]"], q["agent_number[]"]
	c.mu.Lock()
	teamSize := map[string]int{}
	for _, u := range c.users {
		for _, t := range u.Teams {
			teamSize[t]++
		}
	}
	var all []*CCAIUser
	for _, u := range c.users {
		if len(ids) > 0 && !slices.Contains(ids, strconv.Itoa(u.ID)) {
			continue
		}
		if len(numbers) > 0 && !slices.Contains(numbers, u.AgentNumber) {
			continue
		}
		all = append(all, u)
	}
	out := []wireAgent{}
	for _, u := range pageOf(all, page, per) {
		out = append(out, c.toAgent(u, teamSize))
	}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// unknownKey is added to every object a ccai answer holds at its top (the
// answer itself, or each element of a list), with a nested value: the Apps
// API tells clients to expect keys it does not document, and the sandbox
// makes sure they cope.
const unknownKey = `"sandbox_unknown_key":{"note":"not documented: clients must ignore it","since":"2026-12-01"}`

// withUnknownKeys buffers a handler's answer and, when it is a 2xx JSON
// object or list of objects, adds unknownKey to each of them.
func (c *ccai) withUnknownKeys(h http.HandlerFunc) http.HandlerFunc {
	return rewriteJSON(h, func(body []byte) []byte { return addKey(body, unknownKey) })
}

// addKey puts key (`"k":v`) first in body's object, or in each object of
// body's list; anything else is returned as it is.
func addKey(body []byte, key string) []byte {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return body
	}
	into := func(obj []byte) []byte {
		obj = bytes.TrimSpace(obj)
		if len(obj) < 2 || obj[0] != '{' {
			return obj
		}
		rest := bytes.TrimSpace(obj[1:])
		out := append([]byte("{"), key...)
		if rest[0] != '}' {
			out = append(out, ',')
		}
		return append(out, rest...)
	}
	switch t[0] {
	case '{':
		return into(t)
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(t, &items) != nil {
			return body
		}
		var b bytes.Buffer
		b.Grow(len(t) + len(items)*(len(key)+1))
		b.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(into(it))
		}
		b.WriteByte(']')
		return b.Bytes()
	}
	return body
}

// bufferedWriter holds an answer until it can be rewritten.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedWriter) Header() http.Header { return w.header }
func (w *bufferedWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *bufferedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// SetCCAIJobStatusAs makes every job in status from answer status to
// instead (to "" ends it), so a test can show what a client does with a
// status no vendor page documents.
func (s *Server) SetCCAIJobStatusAs(from, to string) {
	c := s.ccaiAPI()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.statusAs == nil {
		c.statusAs = map[string]string{}
	}
	if to == "" {
		delete(c.statusAs, from)
		return
	}
	c.statusAs[from] = to
}

// SetCCAINullErrorRows makes the error logs answer "row": null, as the
// vendor's pages allow, so a test can show that no logged error is lost.
func (s *Server) SetCCAINullErrorRows(on bool) {
	c := s.ccaiAPI()
	c.mu.Lock()
	c.nullRows = on
	c.mu.Unlock()
}
