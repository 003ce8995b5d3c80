package sandbox

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The ccai half: the CCAI Platform's Bulk User Management API as DESIGN.md's
// ccai section gives it (documented by the vendor), the Manager API's agents
// endpoint (documented; the existing users for a diff) and a locations list
// (assumed). Every answer carries a key no page documents (withUnknownKeys).
// sync/ccai holds the client side of the same table.
//
// The real base is https://{subdomain}.{domain}/apps/api/v1, the subdomain
// being the tenant. The sandbox has one host, so it serves the API at
// {URL}/apps/api/v1 and checks the tenant as the Basic-auth username (which
// is what the vendor's credentials carry too: subdomain and api_user token).

// Demo identity of the ccai half, printed by `usersync sandbox` and
// prefilled by --sandbox.
const (
	DemoTenant   = "demo"
	DemoAPIToken = "sandbox-token"
)

// CCAIMaxChatLimit is the demo tenant's configured maximum for
// max_chat_limit (the vendor allows 1 to a configured X).
const CCAIMaxChatLimit = 10

// maxArrivals bounds the request times kept for CCAIPeakRate (hours of
// requests at the vendor's rate).
const maxArrivals = 1 << 16

// ccaiRate is the vendor's documented limit: 10 requests a second per customer.
const ccaiRate = 10

// Roles, teams and locations are fixed (not drawn from the seed) so example
// files stay valid for every sandbox.
var (
	ccaiRoles     = []string{"Admin", "Manager", "Agent", "Developer", "Quality Analyst", "Supervisor"}
	ccaiTeams     = []string{"Sales", "Support", "Billing", "Tier 2", "Spanish Queue", "VIP"}
	ccaiLocations = []string{"Mexico", "Manila", "Austin", "Dublin", "Remote"}
)

// CCAIUser is a ccai user as the sandbox stores it: roles and teams are the
// names assigned (value 1 in the API's lists).
type CCAIUser struct {
	ID                  int       `json:"id"`
	Email               string    `json:"email"`
	AgentNumber         string    `json:"agent_number"`
	FirstName           string    `json:"first_name"`
	LastName            string    `json:"last_name"`
	Status              string    `json:"status"`
	Location            string    `json:"location"`
	MaxChatLimit        *int      `json:"max_chat_limit"`
	MaxChatLimitEnabled int       `json:"max_chat_limit_enabled"`
	Roles               []string  `json:"roles"`
	Teams               []string  `json:"teams"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

func init() { registerAPI("ccai", newCCAI) }

type ccai struct {
	s   *Server
	lim *limiter

	mu       countedMutex // counts its Locks, so a save can reuse an untouched snapshot
	users    []*CCAIUser
	byEmail  map[string]*CCAIUser // lowercase email
	nextUser int
	jobs     map[int]*ccaiJob
	nextJob  int
	pace     time.Duration // how long each job stage takes (plus perRow while running)
	perRow   time.Duration
	arrivals []time.Time       // when each request passed the rate limit, for PeakRate
	statusAs map[string]string // SetCCAIJobStatusAs
	nullRows bool              // SetCCAINullErrorRows
}

// ccaiState is the ccai store in the state file.
type ccaiState struct {
	Users    []*CCAIUser `json:"users"`
	NextUser int         `json:"next_user"`
	Jobs     []*ccaiJob  `json:"jobs"`
	NextJob  int         `json:"next_job"`
}

// Default job pace: about a second per stage, as a small real job takes.
const (
	defaultJobPace = time.Second
	defaultPerRow  = 2 * time.Millisecond
)

func newCCAI(s *Server, rng *rand.Rand) api {
	c := &ccai{s: s, byEmail: map[string]*CCAIUser{}, jobs: map[int]*ccaiJob{},
		nextUser: 1001, nextJob: 5001, pace: defaultJobPace, perRow: defaultPerRow}
	for _, u := range seedCCAIUsers(rng, s.opts.Users, c) {
		c.add(u)
	}
	return c
}

func (c *ccai) mount(s *Server) {
	c.lim = s.newLimiter(ccaiRate)
	route := func(pattern string, h http.HandlerFunc) {
		s.handle(pattern, c.lim, c.authed(c.withUnknownKeys(s.drifted(ccaiDrift, h))))
	}
	route("GET /apps/api/v1/bulk/users/template", c.template)
	route("POST /apps/api/v1/bulk/users/upload", c.upload)
	route("PUT /apps/api/v1/bulk/users/upload", c.upload)
	route("POST /apps/api/v1/bulk/users/proceed", c.proceed)
	route("GET /apps/api/v1/bulk/users/jobs", c.listJobs)
	route("GET /apps/api/v1/bulk/users/jobs/{id}", c.job)
	route("GET /apps/api/v1/bulk/users_jobs/{id}", c.job) // the spelling of the upload's Link
	route("GET /apps/api/v1/bulk/users/errors/scheme/{id}", c.schemeErrors)
	route("GET /apps/api/v1/bulk/users/errors/update/{id}", c.updateErrors)
	route("GET /manager/api/v1/agents", c.listAgents)
	route("GET /apps/api/v1/locations", c.listLocations)
	s.mux.HandleFunc("GET /_sandbox/ccai", c.serveInfo)
	c.mu.Lock()
	c.resumeJobs()
	c.mu.Unlock()
}

// add stores u; the caller holds mu (or owns c).
func (c *ccai) add(u *CCAIUser) {
	c.users = append(c.users, u)
	c.byEmail[strings.ToLower(u.Email)] = u
}

func (c *ccai) snapshot() (json.RawMessage, error) {
	c.mu.Mutex.Lock() // looking is no change: not counted
	defer c.mu.Unlock()
	st := ccaiState{Users: c.users, NextUser: c.nextUser, NextJob: c.nextJob}
	for _, id := range c.jobIDs() {
		st.Jobs = append(st.Jobs, c.jobs[id])
	}
	return json.Marshal(st)
}

// generation changes whenever the store may have changed.
func (c *ccai) generation() uint64 { return c.mu.locks.Load() }

func (c *ccai) restore(raw json.RawMessage) error {
	var st ccaiState
	if err := json.Unmarshal(raw, &st); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users, c.byEmail, c.jobs = nil, map[string]*CCAIUser{}, map[int]*ccaiJob{}
	for i, u := range st.Users {
		if u == nil || u.Email == "" {
			return fmt.Errorf("user %d has no email", i)
		}
		c.add(u)
	}
	for i, j := range st.Jobs {
		if j == nil || j.ID == 0 {
			return fmt.Errorf("job %d has no id", i)
		}
		c.jobs[j.ID] = j
	}
	c.nextUser, c.nextJob = max(st.NextUser, 1001), max(st.NextJob, 5001)
	return nil
}

// authed checks HTTP Basic credentials: the tenant (subdomain) as the
// username, the api_user token as the password.
func (c *ccai) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if len(c.arrivals) >= maxArrivals {
			// A long-running sandbox keeps the recent half.
			c.arrivals = append(c.arrivals[:0], c.arrivals[maxArrivals/2:]...)
		}
		c.arrivals = append(c.arrivals, time.Now())
		c.mu.Unlock()
		user, pass, ok := r.BasicAuth()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="ccai"`)
			ccaiError(w, http.StatusUnauthorized, "HTTP Basic authentication is required (tenant subdomain and API token)")
			return
		}
		if user != DemoTenant || pass != DemoAPIToken {
			w.Header().Set("WWW-Authenticate", `Basic realm="ccai"`)
			ccaiError(w, http.StatusUnauthorized, "unknown tenant or API token")
			return
		}
		h(w, r)
	}
}

// ccaiError answers the vendor's error shape, {"message"}.
func ccaiError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]any{"message": fmt.Sprintf(format, args...)})
}

// wireAssignment is one role or team as the API writes it.
type wireAssignment struct {
	Name  string `json:"name"`
	Value int    `json:"value"`
}

// wireCCAIUser is a user as the template writes it:
// every role and team with value 1 or 0.
type wireCCAIUser struct {
	ID                  int              `json:"id,omitempty"`
	Email               string           `json:"email"`
	NewEmail            *string          `json:"new_email,omitempty"`
	AgentNumber         string           `json:"agent_number"`
	FirstName           string           `json:"first_name"`
	LastName            string           `json:"last_name"`
	Status              string           `json:"status"`
	Location            *string          `json:"location"`
	MaxChatLimit        *int             `json:"max_chat_limit"`
	MaxChatLimitEnabled int              `json:"max_chat_limit_enabled"`
	Roles               []wireAssignment `json:"roles"`
	Teams               []wireAssignment `json:"teams"`
}

func toWire(u *CCAIUser) wireCCAIUser {
	w := wireCCAIUser{ID: u.ID, Email: u.Email, AgentNumber: u.AgentNumber, FirstName: u.FirstName,
		LastName: u.LastName, Status: u.Status, MaxChatLimit: u.MaxChatLimit,
		MaxChatLimitEnabled: u.MaxChatLimitEnabled,
		Roles:               assignments(ccaiRoles, u.Roles), Teams: assignments(ccaiTeams, u.Teams)}
	if u.Location != "" {
		loc := u.Location
		w.Location = &loc
	}
	return w
}

func assignments(all, on []string) []wireAssignment {
	out := make([]wireAssignment, len(all))
	for i, n := range all {
		out[i] = wireAssignment{Name: n}
		if slices.Contains(on, n) {
			out[i].Value = 1
		}
	}
	return out
}

// template answers example users that carry every role and team, as the
// vendor's template does, so a client learns the tenant's names from it.
func (c *ccai) template(w http.ResponseWriter, _ *http.Request) {
	two := 2
	ex := []wireCCAIUser{
		toWire(&CCAIUser{Email: "user1@yourcompany.co", AgentNumber: "A-001", FirstName: "John", LastName: "Doe",
			Status: "Active", Location: ccaiLocations[0], MaxChatLimit: &two, Roles: []string{"Manager"}, Teams: []string{"Support"}}),
		toWire(&CCAIUser{Email: "user2@yourcompany.co", AgentNumber: "A-002", FirstName: "Jane", LastName: "Roe",
			Status: "Active", Location: ccaiLocations[1], MaxChatLimit: &two, MaxChatLimitEnabled: 1,
			Roles: []string{"Agent"}, Teams: []string{"Sales", "Billing"}}),
	}
	ex[0].NewEmail = ptr("user1@yourcompany.cx")
	writeJSON(w, http.StatusOK, ex)
}

func ptr[T any](v T) *T { return &v }

// listLocations serves the tenant's locations (assumed endpoint).
func (c *ccai) listLocations(w http.ResponseWriter, _ *http.Request) {
	type loc struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	out := make([]loc, len(ccaiLocations))
	for i, n := range ccaiLocations {
		out[i] = loc{ID: 301 + i, Name: n}
	}
	writeJSON(w, http.StatusOK, out)
}

// pageParams reads page (from 1) and per_page (at most 1000) of the jobs
// list; it answers
// 400 itself when they are not numbers.
func pageParams(w http.ResponseWriter, r *http.Request, def int) (page, perPage int, ok bool) {
	q := r.URL.Query()
	page, err := queryInt(q.Get("page"), 1)
	if err != nil || page == 0 {
		ccaiError(w, http.StatusBadRequest, "page must be a number from 1")
		return 0, 0, false
	}
	perPage, err = queryInt(q.Get("per_page"), def)
	if err != nil || perPage == 0 {
		ccaiError(w, http.StatusBadRequest, "per_page must be a positive number")
		return 0, 0, false
	}
	return page, min(perPage, 1000), true
}

func pageOf[T any](all []T, page, perPage int) []T {
	from := (page - 1) * perPage
	if from >= len(all) {
		return nil
	}
	return all[from:min(len(all), from+perPage)]
}

// pageHeaders writes Total, Per-Page and an RFC 8288 Link with the first,
// prev, next and last pages, as Rails APIs (and the vendor's jobs list) do.
func pageHeaders(w http.ResponseWriter, r *http.Request, page, perPage, total int) {
	w.Header().Set("Total", strconv.Itoa(total))
	w.Header().Set("Per-Page", strconv.Itoa(perPage))
	last := max(1, (total+perPage-1)/perPage)
	link := func(p int, rel string) string {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	links := []string{link(1, "first")}
	if page > 1 {
		links = append(links, link(min(page-1, last), "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(last, "last"))
	w.Header().Set("Link", strings.Join(links, ", "))
}

// seedCCAIUsers draws n agents from rng: names like coursedog's, fixed
// roles, teams and locations.
func seedCCAIUsers(rng *rand.Rand, n int, c *ccai) []*CCAIUser {
	users := make([]*CCAIUser, 0, n)
	taken := map[string]bool{}
	for i := range n {
		first := firstNames[rng.IntN(len(firstNames))]
		last := lastNames[rng.IntN(len(lastNames))]
		local := emailLocal(first) + "." + emailLocal(last)
		email := local + "@example.com"
		for k := 2; taken[email]; k++ {
			email = fmt.Sprintf("%s%d@example.com", local, k)
		}
		taken[email] = true
		u := &CCAIUser{
			ID:          c.nextUser,
			Email:       email,
			AgentNumber: fmt.Sprintf("A-%04d", i+1),
			FirstName:   first,
			LastName:    last,
			Status:      "Active",
			Location:    ccaiLocations[rng.IntN(len(ccaiLocations))],
			Roles:       []string{"Agent"},
			Teams:       pick(rng, ccaiTeams, 1+rng.IntN(2)),
		}
		c.nextUser++
		switch rng.IntN(10) {
		case 0:
			u.Roles = []string{"Manager", "Supervisor"}
		case 1:
			u.Roles = []string{"Admin"}
		case 2:
			u.Roles = append(u.Roles, "Quality Analyst")
		}
		if rng.IntN(3) != 0 {
			limit := 1 + rng.IntN(4)
			u.MaxChatLimit = &limit
			u.MaxChatLimitEnabled = rng.IntN(2)
		}
		if rng.IntN(12) == 0 {
			u.Status = "Inactive"
		}
		u.CreatedAt = seedEpoch.Add(time.Duration(i)*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
		u.UpdatedAt = u.CreatedAt.Add(time.Duration(rng.IntN(400*24)) * time.Hour)
		users = append(users, u)
	}
	return users
}

// ccaiAPI returns the ccai half of s.
func (s *Server) ccaiAPI() *ccai { return s.apis["ccai"].(*ccai) }

// CCAIUsers returns a copy of every ccai user, in creation order.
func (s *Server) CCAIUsers() []CCAIUser {
	c := s.ccaiAPI()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]CCAIUser, len(c.users))
	for i, u := range c.users {
		out[i] = cloneCCAIUser(u)
	}
	return out
}

// CCAIUser returns one ccai user by email (case-insensitive).
func (s *Server) CCAIUser(email string) (CCAIUser, bool) {
	c := s.ccaiAPI()
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.byEmail[strings.ToLower(strings.TrimSpace(email))]
	if u == nil {
		return CCAIUser{}, false
	}
	return cloneCCAIUser(u), true
}

// CCAIRoles, CCAITeams and CCAILocations are the demo tenant's names.
func (s *Server) CCAIRoles() []string     { return slices.Clone(ccaiRoles) }
func (s *Server) CCAITeams() []string     { return slices.Clone(ccaiTeams) }
func (s *Server) CCAILocations() []string { return slices.Clone(ccaiLocations) }

// SetCCAIJobPace sets how long each job stage takes (the scheme check, the
// start after proceed, the run) and the extra time per row while running,
// so tests can keep jobs at tens of milliseconds. Zero perRow means none.
func (s *Server) SetCCAIJobPace(stage, perRow time.Duration) {
	c := s.ccaiAPI()
	c.mu.Lock()
	c.pace, c.perRow = max(stage, time.Millisecond), max(perRow, 0)
	c.mu.Unlock()
}

// SetCCAIRateLimit changes the ccai limit from the vendor's 10 requests a
// second (0 turns it off), for tests that poll raw endpoints and demos of a
// stricter tenant.
func (s *Server) SetCCAIRateLimit(perSecond float64) {
	s.ccaiAPI().lim.setRate(perSecond)
}

// CCAIPeakRate is the most ccai requests that reached the server (past the
// rate limit) within any span of the given window, e.g. one second: proof
// that a client kept to the vendor's limit.
func (s *Server) CCAIPeakRate(window time.Duration) int {
	c := s.ccaiAPI()
	c.mu.Lock()
	ts := slices.Clone(c.arrivals)
	c.mu.Unlock()
	return peakIn(ts, window)
}

// peakIn counts the most times within any half-open span [t, t+window).
func peakIn(ts []time.Time, window time.Duration) int {
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	peak, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= window {
			lo++
		}
		peak = max(peak, hi-lo+1)
	}
	return peak
}

// serveInfo answers GET /_sandbox/ccai (no auth): the peak request rate and
// the jobs by status, for tests and demos.
func (c *ccai) serveInfo(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	ts := slices.Clone(c.arrivals)
	byStatus := map[string]int{}
	for _, j := range c.jobs {
		byStatus[j.Status]++
	}
	users := len(c.users)
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"requests":        len(ts),
		"peak_per_second": peakIn(ts, time.Second),
		"jobs":            byStatus,
		"users":           users,
	})
}

func cloneCCAIUser(u *CCAIUser) CCAIUser {
	c := *u
	c.Roles, c.Teams = slices.Clone(u.Roles), slices.Clone(u.Teams)
	if u.MaxChatLimit != nil {
		c.MaxChatLimit = ptr(*u.MaxChatLimit)
	}
	return c
}
