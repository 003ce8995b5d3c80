package sandbox

import (
	"net/http"
	"strings"
	"time"
)

// The bulk PUT of the whole directory.

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
		c.recordCreated(b.Email, b.DisableRegistrationMail)
	}
	c.s.mutate.RUnlock()
	if !c.s.saved(w) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{
		"users": len(next), "created": len(created), "updated": updated, "deleted": deleted,
	})
}
