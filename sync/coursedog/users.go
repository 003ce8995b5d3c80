package coursedog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"usersync/sync"
)

// User is a Coursedog user as the API sends it. Its JSON names are the
// json* constants in endpoints.go. Raw holds the server's exact bytes.
type User struct {
	ID                   string   `json:"id"`
	Email                string   `json:"email"`
	FirstName            string   `json:"firstName"`
	LastName             string   `json:"lastName"`
	Products             []string `json:"products"`
	ExternalID           string   `json:"externalId"`
	Department           string   `json:"department"`
	SecondaryDepartments []string `json:"secondaryDepartments"`
	Roles                []string `json:"roles"`
	Status               string   `json:"status"`
	DefaultProduct       string   `json:"defaultProduct"`

	Raw json.RawMessage `json:"-"`
}

// Role is one role; users carry its ID.
type Role struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Prebuilt bool   `json:"prebuilt"`
}

// Department is one department; users carry its name.
type Department struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ErrWouldShrink is the cause of a bulk replace refused because it would
// remove users from the server.
var ErrWouldShrink = errors.New("bulk replace would remove users")

// decodeUsers reads an array of users, keeping each one's bytes.
func (c *Client) decodeUsers(op string, data []byte) ([]User, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, c.shapeError(op, err)
	}
	users := make([]User, len(raws))
	for i, raw := range raws {
		u, err := c.decodeUser(op, raw)
		if err != nil {
			return nil, err
		}
		users[i] = u
	}
	return users, nil
}

func (c *Client) decodeUser(op string, raw []byte) (User, error) {
	var u User
	if err := json.Unmarshal(raw, &u); err != nil {
		return User{}, c.shapeError(op, err)
	}
	if u.Email == "" {
		return User{}, c.shapeError(op, errors.New("a user without an email"))
	}
	u.Raw = append(json.RawMessage(nil), raw...)
	return u, nil
}

// ListUsers reads every user, page by page. It stops at an empty page or
// one shorter than the longest page before it, so a server that caps the
// page size below the one asked for is read to the end all the same.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	return c.scanUsers(ctx, nil)
}

// scanUsers lists users, stopping early when stop returns true.
func (c *Client) scanUsers(ctx context.Context, stop func(User) bool) ([]User, error) {
	var all []User
	seen := map[string]bool{}
	longest := 0
	for skip := 0; ; {
		op := fmt.Sprintf("list users (from %d)", skip)
		q := url.Values{querySkip: {strconv.Itoa(skip)}, queryLimit: {strconv.Itoa(c.pageSize)}}
		data, err := c.do(ctx, request{op: op, ep: epListUsers, query: q})
		if err != nil {
			return nil, err
		}
		page, err := c.decodeUsers(op, data)
		if err != nil {
			return nil, err
		}
		for _, u := range page {
			// A user created while we read shifts the pages by one; never
			// count anybody twice.
			key := u.ID
			if key == "" {
				key = strings.ToLower(u.Email)
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			all = append(all, u)
			if stop != nil && stop(u) {
				return all, nil
			}
		}
		if len(page) == 0 || len(page) < longest {
			return all, nil
		}
		longest = max(longest, len(page))
		skip += len(page)
	}
}

// Lookup finds the user with that email (any case). It asks the server to
// filter (assumed); if the answer shows the filter was ignored, it scans
// the pages. A missing user is a *sync.Error of kind NotFound.
func (c *Client) Lookup(ctx context.Context, email string) (User, error) {
	op := "find " + email
	q := url.Values{queryEmail: {email}, querySkip: {"0"}, queryLimit: {strconv.Itoa(c.pageSize)}}
	data, err := c.do(ctx, request{op: op, ep: epFindUser, query: q})
	if err != nil {
		return User{}, err
	}
	page, err := c.decodeUsers(op, data)
	if err != nil {
		return User{}, err
	}
	filtered := true
	for _, u := range page {
		if strings.EqualFold(u.Email, email) {
			return u, nil
		}
		filtered = false
	}
	if !filtered {
		all, err := c.scanUsers(ctx, func(u User) bool { return strings.EqualFold(u.Email, email) })
		if err != nil {
			return User{}, err
		}
		if n := len(all); n > 0 && strings.EqualFold(all[n-1].Email, email) {
			return all[n-1], nil
		}
	}
	return User{}, &sync.Error{Kind: sync.KindNotFound, Op: op, Msg: "no user with that email"}
}

// CreateUser sends body (a user object) as a new user; with mail false the
// server is told not to send the registration mail.
func (c *Client) CreateUser(ctx context.Context, body map[string]json.RawMessage, mail bool) (User, error) {
	email := rawString(body[jsonEmail])
	op := "create " + email
	if !mail {
		body[jsonDisableRegistrationMail] = json.RawMessage("true")
	} else {
		delete(body, jsonDisableRegistrationMail)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return User{}, &sync.Error{Kind: sync.KindOther, Op: op, Err: err}
	}
	data, err := c.do(ctx, request{op: op, ep: epCreateUser, body: b})
	if err != nil {
		return User{}, err
	}
	return c.decodeUser(op, data)
}

// UpdateUser replaces the user id with body (the whole user).
func (c *Client) UpdateUser(ctx context.Context, id string, body map[string]json.RawMessage) (User, error) {
	op := "update " + rawString(body[jsonEmail])
	if id == "" {
		return User{}, &sync.Error{Kind: sync.KindOther, Op: op, Msg: "the user has no id"}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return User{}, &sync.Error{Kind: sync.KindOther, Op: op, Err: err}
	}
	data, err := c.do(ctx, request{op: op, ep: epUpdateUser, id: id, body: b})
	if err != nil {
		return User{}, err
	}
	return c.decodeUser(op, data)
}

// ReplaceAll sends users as the whole directory. It reads the server's
// users first and refuses (ErrWouldShrink) when users holds fewer users
// than the server has, or leaves out anyone the server has: the vendor's
// bulk PUT deletes whoever is not sent.
func (c *Client) ReplaceAll(ctx context.Context, users []json.RawMessage) error {
	const op = "bulk replace"
	sending := make(map[string]bool, len(users))
	for i, raw := range users {
		var u struct {
			Email string `json:"email"`
		}
		if err := json.Unmarshal(raw, &u); err != nil || u.Email == "" {
			return &sync.Error{Kind: sync.KindRejected, Op: op, Msg: fmt.Sprintf("user %d has no email", i)}
		}
		key := strings.ToLower(u.Email)
		if sending[key] {
			return &sync.Error{Kind: sync.KindRejected, Op: op, Msg: "email " + u.Email + " appears twice"}
		}
		sending[key] = true
	}
	current, err := c.ListUsers(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, u := range current {
		if !sending[strings.ToLower(u.Email)] {
			missing = append(missing, u.Email)
		}
	}
	if len(users) < len(current) || len(missing) > 0 {
		return &sync.Error{Kind: sync.KindRejected, Op: op, Err: ErrWouldShrink,
			Msg: fmt.Sprintf("refused: sending %d users would remove %d of the %d on the server (%s)",
				len(users), len(missing), len(current), sample(missing, 3))}
	}
	b, err := json.Marshal(users)
	if err != nil {
		return &sync.Error{Kind: sync.KindOther, Op: op, Err: err}
	}
	_, err = c.do(ctx, request{op: op, ep: epReplaceAll, body: b, long: true})
	return err
}

// Roles lists the school's roles.
func (c *Client) Roles(ctx context.Context) ([]Role, error) {
	var roles []Role
	err := c.getJSON(ctx, "list roles", epRoles, &roles)
	return roles, err
}

// Departments lists the school's departments.
func (c *Client) Departments(ctx context.Context) ([]Department, error) {
	var depts []Department
	err := c.getJSON(ctx, "list departments", epDepartments, &depts)
	return depts, err
}

func (c *Client) getJSON(ctx context.Context, op string, ep Endpoint, out any) error {
	data, err := c.do(ctx, request{op: op, ep: ep})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return c.shapeError(op, err)
	}
	return nil
}

func rawString(raw json.RawMessage) string {
	var s string
	json.Unmarshal(raw, &s)
	return s
}

// sample names a few of list, then how many more.
func sample(list []string, n int) string {
	if len(list) == 0 {
		return "none missing"
	}
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:n], ", "), len(list)-n)
}
