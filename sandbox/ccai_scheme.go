package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The scheme check follows the vendor's field table: email required, a
// valid address, once per file; new_email valid and once per file;
// first_name and last_name non-empty; status Active, Inactive or empty;
// location one of the tenant's (case-insensitive), empty or null;
// max_chat_limit 1 to the configured maximum; max_chat_limit_enabled 0 or
// 1; roles and teams known names with value 1, 0 or empty. Each finding is
// {"message","column","row"} with the JSON field as the column.

type uploadUser = map[string]json.RawMessage

// parseUpload reads the file as a list of user objects.
func parseUpload(data []byte) ([]uploadUser, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("the file is not a JSON list of users: %v", err)
	}
	users := make([]uploadUser, len(list))
	for i, raw := range list {
		if err := json.Unmarshal(raw, &users[i]); err != nil || users[i] == nil {
			return nil, fmt.Errorf("user %d is not a JSON object", i+1)
		}
	}
	return users, nil
}

// jsonValue is one field's value as the check sees it.
type jsonValue struct {
	text    string
	null    bool // null or absent
	number  bool
	invalid string // "a list", "an object", "true or false" when not a scalar text
}

func valueOf(raw json.RawMessage) jsonValue {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return jsonValue{null: true}
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return jsonValue{invalid: "a broken string"}
		}
		return jsonValue{text: strings.TrimSpace(s)}
	case '{':
		return jsonValue{invalid: "an object"}
	case '[':
		return jsonValue{invalid: "a list"}
	case 't', 'f':
		return jsonValue{invalid: "true or false"}
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return jsonValue{invalid: "not a value"}
	}
	return jsonValue{text: n.String(), number: true}
}

// checkScheme validates a whole file; the caller holds mu.
func (c *ccai) checkScheme(data []byte) []ccaiLogEntry {
	users, err := parseUpload(data)
	if err != nil {
		return []ccaiLogEntry{{Message: err.Error(), Row: 0}}
	}
	if len(users) == 0 {
		return []ccaiLogEntry{{Message: "the file has no users", Row: 0}}
	}
	var out []ccaiLogEntry
	emails := map[string]int{}
	newEmails := map[string]int{}
	for i, u := range users {
		row := i + 1
		add := func(col, format string, args ...any) {
			out = append(out, ccaiLogEntry{Message: fmt.Sprintf(format, args...), Column: col, Row: row})
		}
		text := func(col string) (jsonValue, bool) {
			v := valueOf(u[col])
			if v.invalid != "" {
				add(col, "must be a string, not %s", v.invalid)
				return v, false
			}
			return v, true
		}
		if v, ok := text("email"); ok {
			switch {
			case v.text == "":
				add("email", "is required")
			case !validEmail(v.text):
				add("email", "%q is not a valid email", v.text)
			case emails[strings.ToLower(v.text)] > 0:
				add("email", "%s is already in the file on row %d: only one update per email per file", v.text, emails[strings.ToLower(v.text)])
			default:
				emails[strings.ToLower(v.text)] = row
			}
		}
		if v, ok := text("new_email"); ok && v.text != "" {
			switch {
			case !validEmail(v.text):
				add("new_email", "%q is not a valid email", v.text)
			case newEmails[strings.ToLower(v.text)] > 0:
				add("new_email", "%s is already a new email on row %d: only one per file", v.text, newEmails[strings.ToLower(v.text)])
			default:
				newEmails[strings.ToLower(v.text)] = row
			}
		}
		text("agent_number")
		for _, col := range []string{"first_name", "last_name"} {
			if v, ok := text(col); ok && v.text == "" {
				add(col, "is required and must not be empty")
			}
		}
		if v, ok := text("status"); ok && v.text != "" && v.text != "Active" && v.text != "Inactive" {
			add("status", "must be \"Active\", \"Inactive\" or empty, not %q", v.text)
		}
		if v, ok := text("location"); ok && v.text != "" && matchName(ccaiLocations, v.text) == "" {
			add("location", "%q is not an existing location (%s)", v.text, strings.Join(ccaiLocations, ", "))
		}
		if v, ok := text("max_chat_limit"); ok && v.text != "" {
			n, err := strconv.Atoi(v.text)
			if err != nil || n < 1 || n > CCAIMaxChatLimit {
				add("max_chat_limit", "must be a whole number from 1 to %d, not %s", CCAIMaxChatLimit, v.text)
			}
		}
		if v, ok := text("max_chat_limit_enabled"); ok && v.text != "" && v.text != "0" && v.text != "1" {
			add("max_chat_limit_enabled", "must be 0 or 1, not %s", v.text)
		}
		checkAssignments(u["roles"], "roles", "role", ccaiRoles, add)
		checkAssignments(u["teams"], "teams", "team", ccaiTeams, add)
	}
	return out
}

func checkAssignments(raw json.RawMessage, col, kind string, known []string, add func(col, format string, args ...any)) {
	if valueOf(raw).null {
		return
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		add(col, "must be a list of {\"name\", \"value\"}")
		return
	}
	for _, it := range items {
		name := valueOf(it["name"])
		if name.invalid != "" || name.text == "" {
			add(col, "each %s needs a name", kind)
			continue
		}
		if matchName(known, name.text) == "" {
			add(col, "%q is not an existing %s (%s)", name.text, kind, strings.Join(known, ", "))
		}
		v := valueOf(it["value"])
		if v.invalid != "" || (v.text != "" && v.text != "0" && v.text != "1") {
			add(col, "the value of %q must be 1, 0 or empty", name.text)
		}
	}
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// matchName returns the known name equal to s ignoring case, or "".
func matchName(known []string, s string) string {
	for _, k := range known {
		if strings.EqualFold(k, s) {
			return k
		}
	}
	return ""
}

// applyRow runs one row of a job against the store; the caller holds mu.
// Problems that only show at run time go to the update error log: an error
// fails the row, a warning does not.
func (c *ccai) applyRow(j *ccaiJob, row int, in uploadUser) {
	var failed bool
	log := func(typ, col, format string, args ...any) {
		j.UpdateErrors = append(j.UpdateErrors, ccaiLogEntry{Message: fmt.Sprintf(format, args...),
			Column: col, Row: row, ErrorType: typ})
		if typ == "error" {
			failed = true
		}
	}
	defer func() {
		if failed {
			j.FailedRows++
		} else {
			j.AffectedRows++
		}
	}()
	for _, f := range c.s.opts.IgnoreFields {
		delete(in, f) // accepted, silently dropped (Options.IgnoreFields)
	}
	email := valueOf(in["email"]).text
	newEmail := valueOf(in["new_email"]).text
	now := time.Now().UTC().Truncate(time.Second)
	u := c.byEmail[strings.ToLower(email)]
	if u == nil {
		c.s.recordPost(email)
		if newEmail != "" {
			log("warning", "new_email", "%s is a new user, so new_email %s was not applied", email, newEmail)
		}
		u = &CCAIUser{ID: c.nextUser, Email: email, Status: "Active", CreatedAt: now}
		c.nextUser++
		c.setFields(u, in, log)
		u.UpdatedAt = now
		c.add(u)
		c.s.recordCreate(email)
		return
	}
	if newEmail != "" && !strings.EqualFold(newEmail, u.Email) {
		if other := c.byEmail[strings.ToLower(newEmail)]; other != nil {
			log("error", "new_email", "%s already belongs to another user", newEmail)
			return
		}
	}
	before := cloneCCAIUser(u)
	if v := valueOf(in["status"]).text; v != "" && v == u.Status {
		log("warning", "status", "the user is already %s", v)
	}
	c.setFields(u, in, log)
	if newEmail != "" && !strings.EqualFold(newEmail, u.Email) {
		delete(c.byEmail, strings.ToLower(u.Email))
		u.Email = newEmail
		c.byEmail[strings.ToLower(newEmail)] = u
	}
	if !sameCCAIUser(&before, u) {
		u.UpdatedAt = now
	}
}

// setFields writes the row's values over u: absent or empty leaves a
// field, null clears agent_number, location and max_chat_limit (assumed:
// the vendor lists "Empty, Null" without saying more), roles and teams
// follow their values.
func (c *ccai) setFields(u *CCAIUser, in uploadUser, log func(typ, col, format string, args ...any)) {
	str := func(col string, dst *string, clearable bool) {
		raw, present := in[col]
		v := valueOf(raw)
		switch {
		case !present:
		case v.null && clearable:
			*dst = ""
		case v.text != "":
			*dst = v.text
		}
	}
	str("first_name", &u.FirstName, false)
	str("last_name", &u.LastName, false)
	str("agent_number", &u.AgentNumber, true)
	str("status", &u.Status, false)
	loc := u.Location
	str("location", &loc, true)
	if loc != "" {
		loc = matchName(ccaiLocations, loc)
	}
	u.Location = loc
	if raw, ok := in["max_chat_limit"]; ok {
		v := valueOf(raw)
		if n, err := strconv.Atoi(v.text); err == nil {
			u.MaxChatLimit = &n
		} else if v.null {
			u.MaxChatLimit = nil
		}
	}
	if v := valueOf(in["max_chat_limit_enabled"]).text; v == "0" || v == "1" {
		u.MaxChatLimitEnabled = int(v[0] - '0')
	}
	u.Roles = applyAssignments(u.Roles, in["roles"], ccaiRoles, "roles", "role", log)
	u.Teams = applyAssignments(u.Teams, in["teams"], ccaiTeams, "teams", "team", log)
}

func applyAssignments(have []string, raw json.RawMessage, known []string, col, kind string,
	log func(typ, col, format string, args ...any)) []string {
	var items []map[string]json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return have
	}
	out := slices.Clone(have)
	for _, it := range items {
		name := matchName(known, valueOf(it["name"]).text)
		if name == "" {
			continue
		}
		switch valueOf(it["value"]).text {
		case "1":
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		case "0":
			if i := slices.Index(out, name); i >= 0 {
				out = slices.Delete(out, i, i+1)
			} else {
				log("warning", col, "the user has no %s %q to remove", kind, name)
			}
		}
	}
	// Keep the tenant's order, so a user reads the same whatever the file's.
	slices.SortFunc(out, func(a, b string) int { return slices.Index(known, a) - slices.Index(known, b) })
	return out
}

func sameCCAIUser(a, b *CCAIUser) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
