package ccai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Assignment is one role or team in a user's JSON: Value is "1" (assign),
// "0" (remove) or "" (leave as it is). The vendor writes numbers; strings and
// null are accepted too, since hand-edited files carry them.
type Assignment struct {
	Name  string
	Value string
}

// wireUser is a user as the template and the upload file carry it. Scalars
// are kept as text ("" for absent or null), so a number or a string in the
// JSON reads the same.
type wireUser struct {
	ID                  string
	Email               string
	NewEmail            string
	AgentNumber         string
	FirstName           string
	LastName            string
	Status              string
	Location            string
	MaxChatLimit        string
	MaxChatLimitEnabled string
	Roles               []Assignment
	Teams               []Assignment
}

func (u *wireUser) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	var err error
	scalar := func(key string, dst *string) {
		if err != nil {
			return
		}
		if raw, ok := m[key]; ok {
			*dst, err = scalarText(raw)
			if err != nil {
				err = fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	scalar(fieldID, &u.ID)
	scalar(FieldEmail, &u.Email)
	scalar(FieldNewEmail, &u.NewEmail)
	scalar(FieldAgentNumber, &u.AgentNumber)
	scalar(FieldFirstName, &u.FirstName)
	scalar(FieldLastName, &u.LastName)
	scalar(FieldStatus, &u.Status)
	scalar(FieldLocation, &u.Location)
	scalar(FieldMaxChatLimit, &u.MaxChatLimit)
	scalar(FieldMaxChatLimitEnabled, &u.MaxChatLimitEnabled)
	if err != nil {
		return err
	}
	if u.Roles, err = assignments(m[FieldRoles]); err != nil {
		return fmt.Errorf("%s: %w", FieldRoles, err)
	}
	if u.Teams, err = assignments(m[FieldTeams]); err != nil {
		return fmt.Errorf("%s: %w", FieldTeams, err)
	}
	return nil
}

func assignments(raw json.RawMessage) ([]Assignment, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("want a list of {\"name\",\"value\"}")
	}
	out := make([]Assignment, 0, len(items))
	for _, it := range items {
		var a Assignment
		var err error
		if a.Name, err = scalarText(it[fieldName]); err != nil {
			return nil, err
		}
		if a.Value, err = scalarText(it[fieldValue]); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// scalarText renders a JSON string, number, bool or null as text; null and
// absence are "". Objects and arrays are errors.
func scalarText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case 't':
		return "1", nil
	case 'f':
		return "0", nil
	case '{', '[':
		return "", fmt.Errorf("want a string or a number, not %s", jsonKind(raw[0]))
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", err
	}
	return canonicalNumber(n.String()), nil
}

// canonicalNumber writes integral numbers without a fraction ("2.0" → "2"),
// so 2 in the JSON and "2" in a CSV compare equal.
func canonicalNumber(s string) string {
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return s
}

func jsonKind(b byte) string {
	switch b {
	case '{':
		return "an object"
	case '[':
		return "a list"
	}
	return "a value"
}

// assigned returns the names whose value is 1, in order.
func assigned(as []Assignment) []string {
	var out []string
	for _, a := range as {
		if a.Value == "1" && a.Name != "" {
			out = append(out, a.Name)
		}
	}
	return out
}

// job is a bulk job as GET bulk/users/jobs/{id} answers it (documented).
// Every field reads leniently and every other key (the vendor adds
// process_requested_at, uploaded_user_name, proceed_user_name, … and the
// Apps API says to expect more) is read past: an answer that merely grew
// must not stop a run.
type job struct {
	ID           flexID  `json:"id"`
	CreatedAt    textOf  `json:"created_at"`
	Filename     textOf  `json:"filename"`
	TotalRows    countOf `json:"total_rows"`
	AffectedRows countOf `json:"affected_rows"`
	FailedRows   countOf `json:"failed_rows"`
	Status       textOf  `json:"status"`
}

// logEntry is one line of a scheme or update error log. Row is the 1-based
// position of the user in the uploaded file (assumed: the vendor names the
// field but not its base); it may be null, and any shape is kept as text
// rather than failing the whole log.
type logEntry struct {
	Message   string
	Column    string
	Row       string
	ErrorType string
	// Email is the entry's "email" when it carries one (not documented;
	// used to place an entry whose row is missing).
	Email string
}

func (e *logEntry) UnmarshalJSON(b []byte) error {
	var w struct {
		Message   textOf `json:"message"`
		Column    textOf `json:"column"`
		Row       textOf `json:"row"`
		ErrorType textOf `json:"error_type"`
		Email     textOf `json:"email"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		// Not even an object: keep it whole as the message.
		var t textOf
		t.UnmarshalJSON(b)
		*e = logEntry{Message: string(t)}
		return nil
	}
	*e = logEntry{Message: string(w.Message), Column: string(w.Column), Row: string(w.Row),
		ErrorType: string(w.ErrorType), Email: string(w.Email)}
	return nil
}

// flexID reads an id or row number sent as a number or a string.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return err
	}
	*f = flexID(strings.TrimSpace(s))
	return nil
}

// textOf reads any JSON value as text and never fails: scalars as
// scalarText does, null as "", objects and lists as their compact JSON.
// It is for fields whose odd shape should be shown, not refused.
type textOf string

func (t *textOf) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		var c bytes.Buffer
		if json.Compact(&c, b) == nil {
			s = c.String()
		} else {
			s = string(b)
		}
	}
	*t = textOf(strings.TrimSpace(s))
	return nil
}

// countOf reads a count sent as a number or a string; anything else is 0.
type countOf int

func (n *countOf) UnmarshalJSON(b []byte) error {
	s, _ := scalarText(b)
	v, _ := strconv.Atoi(canonicalNumber(strings.TrimSpace(s)))
	*n = countOf(v)
	return nil
}

func (n countOf) int() int { return int(n) }

// uploadAnswer is the body of a successful upload (documented).
type uploadAnswer struct {
	ID     flexID `json:"id"`
	Status textOf `json:"status"`
	Link   textOf `json:"link"`
}

// wireAgent is an agent as the Manager API's agents endpoint answers it
// (documented): roles are names, teams objects with a name, status the
// agent's presence (an object, read past: it is not the account's status).
// Like wireUser, scalars are kept as text and unknown keys are ignored.
type wireAgent struct {
	ID          string
	Email       string
	FirstName   string
	LastName    string
	AgentNumber string
	Location    string
	Roles       []string
	Teams       []string
}

func (a *wireAgent) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("want an agent object: %w", err)
	}
	var err error
	scalar := func(key string, dst *string) {
		if err == nil {
			if *dst, err = scalarText(m[key]); err != nil {
				err = fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	scalar(fieldID, &a.ID)
	scalar(FieldEmail, &a.Email)
	scalar(FieldFirstName, &a.FirstName)
	scalar(FieldLastName, &a.LastName)
	scalar(FieldAgentNumber, &a.AgentNumber)
	scalar(FieldLocation, &a.Location)
	if err != nil {
		return err
	}
	if a.Roles, err = names(m[FieldRoles]); err != nil {
		return fmt.Errorf("%s: %w", FieldRoles, err)
	}
	if a.Teams, err = names(m[FieldTeams]); err != nil {
		return fmt.Errorf("%s: %w", FieldTeams, err)
	}
	return nil
}

// names reads a list of names: strings (the agents page's roles) or
// objects with a "name" (its teams); null is an empty list.
func names(raw json.RawMessage) ([]string, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("want a list of names")
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		it = bytes.TrimSpace(it)
		var name string
		var err error
		if len(it) > 0 && it[0] == '{' {
			var obj map[string]json.RawMessage
			if err = json.Unmarshal(it, &obj); err == nil {
				name, err = scalarText(obj[fieldName])
			}
		} else {
			name, err = scalarText(it)
		}
		if err != nil {
			return nil, err
		}
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, name)
		}
	}
	return out, nil
}

// rawJSON keeps a value exactly as the server sent it (sync.User.Raw).
type rawJSON = json.RawMessage

func unmarshalUsers(raw []byte, dst *[]wireUser) error {
	var raws []rawJSON
	if err := json.Unmarshal(raw, &raws); err != nil {
		return fmt.Errorf("want a list of users: %w", err)
	}
	users := make([]wireUser, len(raws))
	for i, r := range raws {
		if err := users[i].UnmarshalJSON(r); err != nil {
			return fmt.Errorf("user %d: %w", i+1, err)
		}
	}
	*dst = users
	return nil
}
