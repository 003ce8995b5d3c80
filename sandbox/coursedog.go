package sandbox

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/mail"
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

// --- users ---

func (c *coursedog) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	skip, err := queryInt(q.Get("skip"), 0)
	if err != nil {
		writeError(w, http.StatusBadRequest, "skip: %v", err)
		return
	}
	limit, err := queryInt(q.Get("limit"), defaultPageLimit)
	if err != nil || limit == 0 {
		writeError(w, http.StatusBadRequest, "limit must be a positive number")
		return
	}
	limit = min(limit, maxPageLimit)
	email := strings.ToLower(strings.TrimSpace(q.Get("email")))

	c.mu.RLock()
	var page []*User
	if email != "" {
		// An email filter (assumed, like paging): zero or one user.
		if u := c.byEmail[email]; u != nil && skip == 0 {
			page = []*User{u}
		}
	} else if skip < len(c.users) {
		page = c.users[skip:min(len(c.users), skip+limit)]
	}
	n := 2
	for _, u := range page {
		n += len(u.enc) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, u := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, u.enc...)
	}
	b = append(b, ']')
	c.mu.RUnlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// userBody is a user as clients send it.
type userBody struct {
	User
	DisableRegistrationMail bool `json:"disableRegistrationMail"`
}

func (c *coursedog) createUser(w http.ResponseWriter, r *http.Request) {
	var body userBody
	if err := decodeBody(r, &body, limitUser, true); err != nil {
		writeError(w, bodyStatus(err), "%v", err)
		return
	}
	u := &body.User
	c.dropIgnored(u, nil)
	normalize(u)
	if u.Email != "" {
		c.s.recordPost(u.Email)
	}
	if msg := c.check(u); msg != "" {
		writeError(w, http.StatusBadRequest, "%s", msg)
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	c.s.mutate.RLock() // the user and its history are saved together or not at all
	c.mu.Lock()
	if c.byEmail[strings.ToLower(u.Email)] != nil {
		c.mu.Unlock()
		c.s.mutate.RUnlock()
		writeError(w, http.StatusConflict, "a user with email %s already exists", u.Email)
		return
	}
	u.ID = c.newID()
	u.CreatedAt, u.UpdatedAt = now, now
	u.encode()
	c.users = append(c.users, u)
	c.byID[u.ID] = u
	c.byEmail[strings.ToLower(u.Email)] = u
	b := u.enc
	c.mu.Unlock()
	c.s.recordCreate(u.Email)
	if !body.DisableRegistrationMail {
		c.s.recordMail("coursedog", u.Email)
	}
	c.s.mutate.RUnlock()
	if !c.s.saved(w) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(b)
}

func (c *coursedog) updateUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var body userBody
	if err := decodeBody(r, &body, limitUser, true); err != nil {
		writeError(w, bodyStatus(err), "%v", err)
		return
	}
	u := &body.User
	normalize(u)
	if u.ID != "" && u.ID != id {
		writeError(w, http.StatusBadRequest, "id %q in the body does not match %q in the path", u.ID, id)
		return
	}
	c.mu.Lock()
	old := c.byID[id]
	if old == nil {
		c.mu.Unlock()
		writeError(w, http.StatusNotFound, "user %q not found", id)
		return
	}
	if u.Email == "" {
		u.Email = old.Email
	}
	c.dropIgnored(u, old)
	if !strings.EqualFold(u.Email, old.Email) {
		c.mu.Unlock()
		writeError(w, http.StatusBadRequest, "email cannot change (%s → %s)", old.Email, u.Email)
		return
	}
	if msg := c.check(u); msg != "" {
		c.mu.Unlock()
		writeError(w, http.StatusBadRequest, "%s", msg)
		return
	}
	changed := c.replace(old, u)
	b := old.enc
	c.mu.Unlock()
	if changed && !c.s.saved(w) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// replace writes u's fields over old (keeping id, email and createdAt) and
// reports whether anything changed; updatedAt moves only then. The caller
// holds mu.
func (c *coursedog) replace(old, u *User) bool {
	next := *u
	next.ID, next.Email, next.CreatedAt, next.UpdatedAt = old.ID, old.Email, old.CreatedAt, old.UpdatedAt
	if sameUser(old, &next) {
		return false
	}
	next.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	next.encode()
	*old = next
	return true
}

func sameUser(a, b *User) bool {
	return a.FirstName == b.FirstName && a.LastName == b.LastName &&
		a.ExternalID == b.ExternalID && a.Department == b.Department && a.Status == b.Status &&
		a.DefaultProduct == b.DefaultProduct &&
		slices.Equal(a.Products, b.Products) && slices.Equal(a.Roles, b.Roles) &&
		slices.Equal(a.SecondaryDepartments, b.SecondaryDepartments)
}

// replaceAll is the bulk PUT: the body becomes the whole directory. Users
// with a known id keep it; users without one are created; users left out
// are gone — which is why clients must GET all, merge and put all back.
func (c *coursedog) replaceAll(w http.ResponseWriter, r *http.Request) {
	var body []userBody
	if err := decodeBody(r, &body, limitBulk, true); err != nil {
		writeError(w, bodyStatus(err), "%v", err)
		return
	}
	seen := map[string]bool{}
	for i := range body {
		u := &body[i].User
		normalize(u)
		if msg := c.check(u); msg != "" {
			writeError(w, http.StatusBadRequest, "user %d (%s): %s", i, u.Email, msg)
			return
		}
		key := strings.ToLower(u.Email)
		if seen[key] {
			writeError(w, http.StatusBadRequest, "user %d: email %s appears twice", i, u.Email)
			return
		}
		seen[key] = true
	}

	now := time.Now().UTC().Truncate(time.Second)
	var created []userBody
	updated := 0
	c.s.mutate.RLock() // the users and their history are saved together
	c.mu.Lock()
	for i := range body {
		u := &body[i].User
		if u.ID == "" {
			continue
		}
		old := c.byID[u.ID]
		switch {
		case old == nil:
			c.mu.Unlock()
			c.s.mutate.RUnlock()
			writeError(w, http.StatusBadRequest, "user %d (%s): unknown id %q", i, u.Email, u.ID)
			return
		case !strings.EqualFold(old.Email, u.Email):
			c.mu.Unlock()
			c.s.mutate.RUnlock()
			writeError(w, http.StatusBadRequest, "user %d: email cannot change (%s → %s)", i, old.Email, u.Email)
			return
		}
	}
	next := make([]*User, 0, len(body))
	for i := range body {
		u := &body[i].User
		c.dropIgnored(u, c.byID[u.ID])
		if old := c.byID[u.ID]; u.ID != "" && old != nil {
			if c.replace(old, u) {
				updated++
			}
			next = append(next, old)
			continue
		}
		if old := c.byEmail[strings.ToLower(u.Email)]; old != nil {
			// Sent without its id: the same person, not a new one.
			if c.replace(old, u) {
				updated++
			}
			next = append(next, old)
			continue
		}
		nu := *u
		nu.ID = c.newID()
		nu.CreatedAt, nu.UpdatedAt = now, now
		nu.encode()
		next = append(next, &nu)
		created = append(created, body[i])
	}
	deleted := len(c.users) - (len(next) - len(created))
	c.setUsers(next)
	c.mu.Unlock()
	for _, b := range created {
		c.s.recordCreate(b.Email)
		if !b.DisableRegistrationMail {
			c.s.recordMail("coursedog", b.Email)
		}
	}
	c.s.mutate.RUnlock()
	if !c.s.saved(w) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{
		"users": len(next), "created": len(created), "updated": updated, "deleted": deleted,
	})
}

// dropIgnored puts back, for every field of Options.IgnoreFields, what old
// holds (nothing for a new user): the server takes the write and silently
// keeps its own value.
func (c *coursedog) dropIgnored(u, old *User) {
	if len(c.s.opts.IgnoreFields) == 0 {
		return
	}
	var was User
	if old != nil {
		was = cloneUser(old)
	}
	in, _ := json.Marshal(u)
	keep, _ := json.Marshal(&was)
	var got, prev map[string]json.RawMessage
	json.Unmarshal(in, &got)
	json.Unmarshal(keep, &prev)
	for _, f := range c.s.opts.IgnoreFields {
		if v, ok := prev[f]; ok {
			got[f] = v
		}
	}
	out, _ := json.Marshal(got)
	var back User
	if json.Unmarshal(out, &back) == nil {
		back.enc = nil
		*u = back
	}
}

// newID draws an id no user has; the caller holds mu.
func (c *coursedog) newID() string {
	for {
		id := fmt.Sprintf("%016x%08x", mrand.Uint64(), mrand.Uint32())
		if c.byID[id] == nil {
			return id
		}
	}
}

// normalize gives empty lists as [] (never null) and an empty status its
// default.
func normalize(u *User) {
	u.Email = strings.TrimSpace(u.Email)
	if u.Products == nil {
		u.Products = []string{}
	}
	if u.Roles == nil {
		u.Roles = []string{}
	}
	if u.SecondaryDepartments == nil {
		u.SecondaryDepartments = []string{}
	}
	if u.Status == "" {
		u.Status = "Active"
	}
}

// check answers the vendor-style 400 message for a user, or "".
func (c *coursedog) check(u *User) string {
	if u.Email == "" {
		return "email is required"
	}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		return fmt.Sprintf("email %q is not a valid address", u.Email)
	}
	if strings.TrimSpace(u.FirstName) == "" || strings.TrimSpace(u.LastName) == "" {
		return "firstName and lastName are required"
	}
	if len(u.Products) == 0 {
		return "products: at least one product key is required"
	}
	for _, p := range u.Products {
		if !slices.Contains(Products, p) {
			return fmt.Sprintf("products: unknown product key %q (keys: %s)", p, strings.Join(Products, ", "))
		}
	}
	for _, id := range u.Roles {
		if _, ok := c.roles[id]; !ok {
			return fmt.Sprintf("roles: unknown role ID %q", id)
		}
	}
	if u.Department != "" && !c.departments[u.Department] {
		return fmt.Sprintf("department: unknown department %q", u.Department)
	}
	for _, d := range u.SecondaryDepartments {
		if !c.departments[d] {
			return fmt.Sprintf("secondaryDepartments: unknown department %q", d)
		}
	}
	if u.Status != "Active" && u.Status != "Inactive" {
		return fmt.Sprintf("status must be Active or Inactive, not %q", u.Status)
	}
	if u.DefaultProduct != "" && !slices.Contains(u.Products, u.DefaultProduct) {
		return fmt.Sprintf("defaultProduct: %q is not one of the user's products", u.DefaultProduct)
	}
	return ""
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
