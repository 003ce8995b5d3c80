package ui

import (
	"context"
	"time"

	"usersync/csvfile"
	"usersync/sync"
	"usersync/sync/targets"
)

// Backend is everything the UI needs from the outside world. The UI never
// speaks HTTP or touches a token: it asks the backend, always from inside a
// tea.Cmd, and renders what comes back. cmd_tui.go implements it with the
// real packages; tests implement it in memory.
type Backend interface {
	// Login signs in (or checks the saved token) and fetches the target's
	// schema with its live allowed values. Errors are *sync.Error where the
	// server answered or could not be reached.
	Login(ctx context.Context, req LoginRequest) (Session, error)
	// OpenFile reads a user file against the schema. Missing required columns come back as a *csvfile.FileError with
	// Missing and Headers set (the UI then offers a column mapping).
	OpenFile(ctx context.Context, req OpenRequest) (*csvfile.File, error)
	// SaveMapping stores the header mapping of a file, so opening the same
	// file again (OpenFile with a nil Mapping) uses it.
	SaveMapping(file string, mapping map[string]string) (savedTo string, err error)
	// ExistingUsers lists every user of the session's target, for the diff.
	ExistingUsers(ctx context.Context, s Session) ([]sync.User, error)
	// Apply carries out a plan; events stream on opts.Events.
	Apply(ctx context.Context, s Session, p *sync.Plan, opts sync.ApplyOptions) (*sync.Run, error)
	// Reauthenticate signs the session's own target in again (its token
	// was refused mid-apply), so the apply that holds it carries on.
	Reauthenticate(ctx context.Context, s Session, req LoginRequest) error
	// RememberDir records the directory of the last file opened, so the
	// picker starts there next time.
	RememberDir(dir string) error
	// Check reads (never writes) what the session's target relies on and
	// answers one line, safe to show, per endpoint that differs from what
	// the adapter expects; none when everything matches.
	Check(ctx context.Context, s Session) ([]string, error)
}

// CheckStopped is the error Check answers when the probe could not judge
// the API at all (the server refused the credentials, or did not answer):
// Heading says which, in sync/render's words, and Lines what was seen and
// what to do (safe to show).
type CheckStopped struct {
	Heading string
	Lines   []string
}

func (e *CheckStopped) Error() string { return e.Heading }

// Env is where a session connects: the sandbox, one of the target's
// named servers (a staging-like one or a production one: the descriptor
// says which, LoginRequest.EnvName which one), or a URL.
type Env int

const (
	EnvSandbox Env = iota
	EnvStaging
	EnvProduction
	EnvCustom
)

// NamedEnv is the kind of a target's named environment.
func NamedEnv(production bool) Env {
	if production {
		return EnvProduction
	}
	return EnvStaging
}

func (e Env) String() string {
	return [...]string{"Sandbox", "Staging", "Production", "Custom URL"}[e]
}

// LoginRequest is what the operator typed on the login screen. Its value
// fields are the login fields a target's descriptor can ask for (keyed by
// targets.Field* in Value and SetValue); which ones are shown, and how
// they are labelled, comes from the descriptor.
type LoginRequest struct {
	Target        string // a registered target's name
	Env           Env
	EnvName       string // the named environment (EnvStaging, EnvProduction): targets.Env.Name
	URL           string // custom URL (EnvCustom); ignored otherwise
	School        string // targets.FieldSchool: an account on a shared server
	Email         string // targets.FieldEmail
	Password      string // targets.FieldPassword
	UseSavedToken bool   // the token login saved (or USERSYNC_TOKEN), not a password
	Tenant        string // targets.FieldTenant: the customer's subdomain
	APIToken      string // targets.FieldToken: an API token typed in
}

// slot is the request's field for a login field key.
func (r *LoginRequest) slot(key string) *string {
	switch key {
	case targets.FieldSchool:
		return &r.School
	case targets.FieldEmail:
		return &r.Email
	case targets.FieldPassword:
		return &r.Password
	case targets.FieldTenant:
		return &r.Tenant
	case targets.FieldToken:
		return &r.APIToken
	}
	return nil
}

// Value is the value typed for a login field ("" for a key the screen
// does not know).
func (r LoginRequest) Value(key string) string {
	if p := r.slot(key); p != nil {
		return *p
	}
	return ""
}

// SetValue sets a login field's value; unknown keys are ignored.
func (r *LoginRequest) SetValue(key, v string) {
	if p := r.slot(key); p != nil {
		*p = v
	}
}

// Values are the login field values by key, for targets.Request.
func (r LoginRequest) Values() map[string]string {
	m := map[string]string{}
	for _, k := range loginKeys {
		if v := r.Value(k); v != "" {
			m[k] = v
		}
	}
	return m
}

// loginKeys are the login fields the screen can show, in its order.
var loginKeys = []string{targets.FieldSchool, targets.FieldEmail, targets.FieldPassword, targets.FieldTenant, targets.FieldToken}

// Session is a signed-in connection. It carries no secret the UI could
// render: the token stays inside Target.
type Session struct {
	Target     sync.Target
	Schema     *csvfile.Schema
	Env        Env
	URL        string // base URL, shown so the operator knows where writes go
	Account    string // the school ID or tenant
	Production bool
}

// OpenRequest asks the backend to read a file.
type OpenRequest struct {
	Path    string
	Schema  *csvfile.Schema
	Mapping map[string]string // file header → field header; nil to match by name (or the saved mapping)
	// Sheet is the sheet of a workbook to read; "" asks: a workbook with
	// several sheets with data comes back as a *csvfile.FileError with
	// Sheets set, and the UI asks which.
	Sheet string
}

// Defaults prefill the first screens. --sandbox fills in the demo identity.
type Defaults struct {
	Targets    []string // targets offered; the first is the default
	Login      LoginRequest
	SandboxURL string // the in-process sandbox, when one runs
	SavedToken bool   // a saved token is at hand (USERSYNC_TOKEN or a token file)
	StartDir   string // the picker's first directory (the recent one)
	File       string // open this file right after login (usersync --sandbox FILE)
	// Now gives the clock (tests fix it); nil means time.Now.
	Now func() time.Time
}
