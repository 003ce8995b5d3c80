package sandbox

import (
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// The users routes: list, create, update, and the checks every write
// meets.

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
	c.recordCreated(u.Email, body.DisableRegistrationMail)
	c.s.mutate.RUnlock()
	if !c.s.saved(w) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(b)
}

// recordCreated counts a created user and, unless the request turned it
// off, the registration mail Coursedog sends them.
func (c *coursedog) recordCreated(email string, noMail bool) {
	c.s.recordCreate(email)
	if !noMail {
		c.s.recordMail("coursedog", email)
	}
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
