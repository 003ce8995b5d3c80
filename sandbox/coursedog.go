package sandbox

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"time"
)

// The coursedog half: sessions, users, roles and departments as DESIGN.md's
// endpoint table gives them (the first documented by the vendor, the rest
// assumed). sync/coursedog holds the client side of the same table.

// User is a coursedog user as the sandbox stores and serves it.
type User struct {
	ID                   string    `json:"id"`
	Email                string    `json:"email"`
	FirstName            string    `json:"firstName"`
	LastName             string    `json:"lastName"`
	Products             []string  `json:"products"`
	ExternalID           string    `json:"externalId"`
	Department           string    `json:"department"`
	SecondaryDepartments []string  `json:"secondaryDepartments"`
	Roles                []string  `json:"roles"`
	Status               string    `json:"status"`
	DefaultProduct       string    `json:"defaultProduct"` // a product key the user has, or ""
	CreatedAt            time.Time `json:"createdAt"`
	UpdatedAt            time.Time `json:"updatedAt"`

	enc []byte // the user's JSON, kept so a page is served without encoding
}

// encode refreshes u's cached JSON after a change.
func (u *User) encode() {
	u.enc = nil
	b, err := json.Marshal(u)
	if err != nil {
		panic(err) // strings, string slices and times always encode
	}
	u.enc = b
}

// Role is one coursedog role; users carry role IDs, not names.
type Role struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Prebuilt bool   `json:"prebuilt"`
}

// Department is one coursedog department; users carry department names.
type Department struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

const (
	defaultPageLimit = 100
	maxPageLimit     = 1000 // a larger limit is capped, as APIs do
)

func init() { registerAPI("coursedog", newCoursedog) }

type coursedog struct {
	s *Server

	mu          gosync.RWMutex
	users       []*User
	byID        map[string]*User
	byEmail     map[string]*User // lowercase email
	roles       map[string]Role
	departments map[string]bool // by name
	sessions    map[string]*session
}

type session struct {
	Email   string    `json:"email"`
	Expires time.Time `json:"expires"`
	Revoked bool      `json:"revoked,omitempty"`
}

// cdState is the coursedog store in the state file.
type cdState struct {
	Users    []*User             `json:"users"`
	Sessions map[string]*session `json:"sessions"`
}

func newCoursedog(s *Server, rng *mrand.Rand) api {
	c := &coursedog{s: s, roles: map[string]Role{}, departments: map[string]bool{}, sessions: map[string]*session{}}
	for _, r := range seedRoles {
		c.roles[r.ID] = r
	}
	for _, d := range seedDepartments {
		c.departments[d.Name] = true
	}
	c.setUsers(seedUsers(rng, s.opts.Users))
	return c
}

func (c *coursedog) mount(s *Server) {
	lim := s.cdLimit
	s.handle("POST /api/v1/sessions", lim, c.login)
	s.handle("GET /api/v1/{school}/users", lim, c.authed(s.drifted(cdDrift, c.listUsers)))
	s.handle("POST /api/v1/{school}/users", lim, c.authed(c.createUser))
	s.handle("PUT /api/v1/{school}/users", lim, c.authed(c.replaceAll))
	s.handle("PUT /api/v1/{school}/users/{id}", lim, c.authed(c.updateUser))
	s.handle("GET /api/v1/{school}/roles", lim, c.authed(s.drifted(cdDrift, c.listRoles)))
	s.handle("GET /api/v1/{school}/departments", lim, c.authed(s.drifted(cdDrift, c.listDepartments)))
}

// setUsers replaces the store's users; the caller holds mu (or owns c).
func (c *coursedog) setUsers(users []*User) {
	c.users = users
	c.byID = make(map[string]*User, len(users))
	c.byEmail = make(map[string]*User, len(users))
	for _, u := range users {
		if u.enc == nil {
			u.encode()
		}
		c.byID[u.ID] = u
		c.byEmail[strings.ToLower(u.Email)] = u
	}
}

func (c *coursedog) snapshot() (json.RawMessage, error) { return c.appendSnapshot(nil) }

// appendSnapshot appends the cdState's JSON to b, built from each user's
// cached bytes: --state saves it before every write is answered, so it
// must be cheap.
func (c *coursedog) appendSnapshot(b []byte) ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	sess, err := json.Marshal(c.sessions)
	if err != nil {
		return nil, err
	}
	b = append(b, `{"users":[`...)
	for i, u := range c.users {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, u.enc...)
	}
	b = append(b, `],"sessions":`...)
	b = append(b, sess...)
	return append(b, '}'), nil
}

func (c *coursedog) restore(raw json.RawMessage) error {
	var st cdState
	if err := json.Unmarshal(raw, &st); err != nil {
		return err
	}
	for i, u := range st.Users {
		if u == nil || u.ID == "" || u.Email == "" {
			return fmt.Errorf("user %d has no id or email", i)
		}
		normalize(u)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setUsers(st.Users)
	if st.Sessions != nil {
		c.sessions = st.Sessions
	}
	return nil
}

// --- sessions ---

func (c *coursedog) login(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Email             string `json:"email"`
		PlaintextPassword string `json:"plaintextPassword"`
		Password          string `json:"password"`
	}
	if err := decodeBody(r, &body, limitLogin, false); err != nil {
		writeError(w, bodyStatus(err), "%v", err)
		return
	}
	password := body.PlaintextPassword
	if password == "" {
		password = body.Password
	}
	if f := c.s.opts.LoginField; f != "" {
		// A server that knows one body only: the other is a missing field.
		if password = body.PlaintextPassword; f == "password" {
			password = body.Password
		}
		if password == "" {
			writeError(w, http.StatusBadRequest, "%s is required", f)
			return
		}
	}
	if !strings.EqualFold(body.Email, DemoEmail) || password != DemoPassword {
		writeError(w, http.StatusUnauthorized, "invalid email or password")
		return
	}
	email := strings.ToLower(body.Email)
	token := "sbx_" + rand.Text()
	c.mu.Lock()
	for t, old := range c.sessions {
		if old.Email != email {
			continue
		}
		if old.Revoked || time.Now().After(old.Expires) {
			delete(c.sessions, t) // keep one generation to say "revoked"
			continue
		}
		old.Revoked = true // a new login ends the others, as the vendor's does
	}
	c.sessions[token] = &session{Email: email, Expires: time.Now().Add(c.s.opts.TokenTTL)}
	c.mu.Unlock()
	if !c.s.saved(w) {
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"token": token})
}

// authed checks the bearer token and the school before h runs.
func (c *coursedog) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || token == "" {
			writeError(w, http.StatusUnauthorized, "missing bearer token")
			return
		}
		c.mu.RLock()
		sess := c.sessions[token]
		var revoked, expired bool
		if sess != nil {
			revoked, expired = sess.Revoked, time.Now().After(sess.Expires)
		}
		c.mu.RUnlock()
		switch {
		case sess == nil:
			writeError(w, http.StatusUnauthorized, "invalid token")
			return
		case revoked:
			writeError(w, http.StatusUnauthorized, "token revoked: the same user logged in again")
			return
		case expired:
			writeError(w, http.StatusUnauthorized, "token expired")
			return
		}
		if school := r.PathValue("school"); school != DemoSchool {
			writeError(w, http.StatusNotFound, "school %q not found", school)
			return
		}
		h(w, r)
	}
}

// ExpireSessions ends every session now, as 24 hours passing would, so a
// test can show a token dying mid-run.
func (s *Server) ExpireSessions() {
	c := s.coursedog()
	c.mu.Lock()
	past := time.Now().Add(-time.Second)
	for _, sess := range c.sessions {
		sess.Expires = past
	}
	c.mu.Unlock()
	s.changed()
}

// --- roles and departments ---

func (c *coursedog) listRoles(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, seedRoles)
}

func (c *coursedog) listDepartments(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, seedDepartments)
}

// --- helpers for tests ---

func (s *Server) coursedog() *coursedog { return s.apis["coursedog"].(*coursedog) }

// Users returns a deep copy of the coursedog users, in the server's order.
func (s *Server) Users() []User {
	c := s.coursedog()
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]User, len(c.users))
	for i, u := range c.users {
		out[i] = cloneUser(u)
	}
	return out
}

// User returns the coursedog user with that email (any case).
func (s *Server) User(email string) (User, bool) {
	c := s.coursedog()
	c.mu.RLock()
	defer c.mu.RUnlock()
	u := c.byEmail[strings.ToLower(email)]
	if u == nil {
		return User{}, false
	}
	return cloneUser(u), true
}

// Roles returns the coursedog roles.
func (s *Server) Roles() []Role { return slices.Clone(seedRoles) }

// Departments returns the coursedog departments.
func (s *Server) Departments() []Department { return slices.Clone(seedDepartments) }

func cloneUser(u *User) User {
	c := *u
	c.enc = nil
	c.Products = slices.Clone(u.Products)
	c.Roles = slices.Clone(u.Roles)
	c.SecondaryDepartments = slices.Clone(u.SecondaryDepartments)
	return c
}

func queryInt(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a non-negative number", s)
	}
	return n, nil
}
