package coursedog

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"usersync/csvfile"
	"usersync/sync"
)

// TargetName is the target's short name on the command line and in plans.
const TargetName = "coursedog"

// Target is the engine's view of one Coursedog school: a sync.UserWriter
// (one request per user) and a sync.BulkReplacer (the whole directory in one
// PUT). Users map to sync.User with the JSON field names as keys.
type Target struct {
	c        *Client
	bulkMail bool
}

var (
	_ sync.UserWriter   = (*Target)(nil)
	_ sync.BulkReplacer = (*Target)(nil)
	_ sync.Describer    = (*Target)(nil)
)

// NewTarget wraps a client.
func NewTarget(c *Client) *Target { return &Target{c: c} }

// Client is the client underneath (to log in again, for instance).
func (t *Target) Client() *Client { return t.c }

// Name is "coursedog".
func (t *Target) Name() string { return TargetName }

// Describe names the connection (never the token), for the journal.
func (t *Target) Describe() string {
	return TargetName + " " + t.c.URL() + " school " + t.c.School()
}

// SetBulkMail says whether users that BulkReplace creates get the
// registration mail. It is off by default: a mail sent is never unsent.
func (t *Target) SetBulkMail(on bool) { t.bulkMail = on }

// Schema is the coursedog file schema with the school's live roles and
// departments as the allowed values.
func (t *Target) Schema(ctx context.Context) (*csvfile.Schema, error) {
	roles, err := t.c.Roles(ctx)
	if err != nil {
		return nil, err
	}
	depts, err := t.c.Departments(ctx)
	if err != nil {
		return nil, err
	}
	roleChoices := make([]csvfile.Choice, len(roles))
	for i, r := range roles {
		roleChoices[i] = csvfile.Choice{Value: r.ID, Label: r.Name, Prebuilt: r.Prebuilt}
	}
	deptChoices := make([]csvfile.Choice, len(depts))
	for i, d := range depts {
		// Users carry the name; people sometimes type the ID.
		deptChoices[i] = csvfile.Choice{Value: d.Name, Label: d.ID}
	}
	return NewSchema(roleChoices, deptChoices), nil
}

// ListUsers reads every user.
func (t *Target) ListUsers(ctx context.Context) ([]sync.User, error) {
	users, err := t.c.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]sync.User, len(users))
	for i, u := range users {
		out[i] = toSync(u)
	}
	return out, nil
}

// Lookup finds one user by email.
func (t *Target) Lookup(ctx context.Context, email string) (sync.User, error) {
	u, err := t.c.Lookup(ctx, email)
	if err != nil {
		return sync.User{}, err
	}
	return toSync(u), nil
}

// Create makes u; mail false suppresses the registration mail.
func (t *Target) Create(ctx context.Context, u sync.User, mail bool) (sync.User, error) {
	body, err := overlay(nil, u)
	if err != nil {
		return sync.User{}, &sync.Error{Kind: sync.KindOther, Op: "create " + u.Email, Err: err}
	}
	delete(body, jsonID)
	got, err := t.c.CreateUser(ctx, body, mail)
	if err != nil {
		return sync.User{}, err
	}
	return toSync(got), nil
}

// Update writes new over old. The PUT replaces the whole user, so its body
// is old exactly as the server sent it with new's fields laid over: fields
// the file does not carry keep their values. The email never changes.
func (t *Target) Update(ctx context.Context, old, new sync.User) (sync.User, error) {
	op := "update " + old.Email
	if new.Email != "" && !strings.EqualFold(new.Email, old.Email) {
		return sync.User{}, &sync.Error{Kind: sync.KindRejected, Op: op,
			Msg: "the email is the user's identity and cannot change (to " + new.Email + ")"}
	}
	base, err := rawOf(old)
	if err != nil {
		return sync.User{}, &sync.Error{Kind: sync.KindOther, Op: op, Err: err}
	}
	new.Email = old.Email
	body, err := overlay(base, new)
	if err != nil {
		return sync.User{}, &sync.Error{Kind: sync.KindOther, Op: op, Err: err}
	}
	id := old.ID
	if id == "" {
		id = rawString(body[jsonID])
	}
	got, err := t.c.UpdateUser(ctx, id, body)
	if err != nil {
		return sync.User{}, err
	}
	return toSync(got), nil
}

// BulkReplace sends all as the whole directory; see BulkReplaceMail.
func (t *Target) BulkReplace(ctx context.Context, all []sync.User) error {
	return t.BulkReplaceMail(ctx, all, t.bulkMail)
}

// BulkReplaceMail sends all as the whole directory. A user whose fields are
// what the server sent goes back byte for byte (its Raw); a changed one is
// its Raw with the changes laid over; one without an id is new, and gets
// the registration mail only if mail is true. The client refuses to send
// fewer users than the server has.
func (t *Target) BulkReplaceMail(ctx context.Context, all []sync.User, mail bool) error {
	const op = "bulk replace"
	items := make([]json.RawMessage, 0, len(all))
	for _, u := range all {
		if u.ID != "" && len(u.Raw) > 0 && sameAsRaw(u) {
			items = append(items, u.Raw)
			continue
		}
		base, err := rawOf(u)
		if err != nil {
			return &sync.Error{Kind: sync.KindOther, Op: op, Err: err}
		}
		body, err := overlay(base, u)
		if err != nil {
			return &sync.Error{Kind: sync.KindOther, Op: op, Err: err}
		}
		if u.ID == "" && !mail {
			body[jsonDisableRegistrationMail] = json.RawMessage("true")
		}
		b, err := json.Marshal(body)
		if err != nil {
			return &sync.Error{Kind: sync.KindOther, Op: op, Err: err}
		}
		items = append(items, b)
	}
	return t.c.ReplaceAll(ctx, items)
}

// toSync maps a Coursedog user to the engine's User.
func toSync(u User) sync.User {
	list := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return slices.Clone(l)
	}
	return sync.User{
		ID:    u.ID,
		Email: u.Email,
		Fields: map[string]string{
			jsonFirstName:      u.FirstName,
			jsonLastName:       u.LastName,
			jsonExternalID:     u.ExternalID,
			jsonDepartment:     u.Department,
			jsonStatus:         u.Status,
			jsonDefaultProduct: u.DefaultProduct,
		},
		Lists: map[string][]string{
			jsonProducts:             list(u.Products),
			jsonSecondaryDepartments: list(u.SecondaryDepartments),
			jsonRoles:                list(u.Roles),
		},
		Raw: u.Raw,
	}
}

// rawOf is u as the server sent it, or, for a user that never came from
// the server, nothing.
func rawOf(u sync.User) (map[string]json.RawMessage, error) {
	base := map[string]json.RawMessage{}
	if len(u.Raw) == 0 {
		return base, nil
	}
	dec := json.NewDecoder(bytes.NewReader(u.Raw))
	dec.UseNumber()
	if err := dec.Decode(&base); err != nil {
		return nil, err
	}
	return base, nil
}

// overlay lays u's id, email, fields and lists over base (which may be
// nil). Every other key of base stays as the server sent it.
func overlay(base map[string]json.RawMessage, u sync.User) (map[string]json.RawMessage, error) {
	body := maps.Clone(base)
	if body == nil {
		body = map[string]json.RawMessage{}
	}
	set := func(k string, v any) error {
		b, err := json.Marshal(v)
		body[k] = b
		return err
	}
	if u.ID != "" {
		if err := set(jsonID, u.ID); err != nil {
			return nil, err
		}
	}
	if u.Email != "" {
		if err := set(jsonEmail, u.Email); err != nil {
			return nil, err
		}
	}
	for k, v := range u.Fields {
		if err := set(k, v); err != nil {
			return nil, err
		}
	}
	for k, v := range u.Lists {
		if v == nil {
			v = []string{}
		}
		if err := set(k, v); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// sameAsRaw reports whether u's fields are still those its Raw holds.
func sameAsRaw(u sync.User) bool {
	var w User
	if json.Unmarshal(u.Raw, &w) != nil {
		return false
	}
	from := toSync(w)
	if from.ID != u.ID || from.Email != u.Email {
		return false
	}
	for k, v := range u.Fields {
		if from.Fields[k] != v {
			return false
		}
	}
	for k, v := range u.Lists {
		if !slices.Equal(from.Lists[k], v) && !(len(v) == 0 && len(from.Lists[k]) == 0) {
			return false
		}
	}
	return true
}
