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

// wireUser is a user as the template and the users listing carry it. Scalars
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
type job struct {
	ID           flexID     `json:"id"`
	CreatedAt    string     `json:"created_at"`
	Filename     string     `json:"filename"`
	TotalRows    int        `json:"total_rows"`
	AffectedRows int        `json:"affected_rows"`
	FailedRows   int        `json:"failed_rows"`
	Status       string     `json:"status"`
	SchemeErrors []logEntry `json:"scheme_errors"`
	UpdateErrors []logEntry `json:"update_errors"`
}

// logEntry is one line of a scheme or update error log. Row is the 1-based
// position of the user in the uploaded file (assumed: the vendor names the
// field but not its base).
type logEntry struct {
	Message   string `json:"message"`
	Column    string `json:"column"`
	Row       flexID `json:"row"`
	ErrorType string `json:"error_type"`
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

// uploadAnswer is the body of a successful upload (documented).
type uploadAnswer struct {
	ID     flexID `json:"id"`
	Status string `json:"status"`
	Link   string `json:"link"`
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
