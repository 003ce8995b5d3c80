// Package targets is where every API adapter describes itself, and the one
// path from what the operator gave (CONN flags or the login screen) to a
// connected sync.Target. Each adapter registers a Descriptor from an init
// in its own package; the command line and the UI render their choices
// (targets, environments, login fields, file types, the sandbox's demo
// identity) from descriptors and never compare target names. Adding a
// target is its own package plus one import line in the main package.
package targets

import (
	"context"
	"fmt"
	"io"
	"slices"
	gosync "sync"

	"usersync/csvfile"
	"usersync/sync"
)

// Login field keys: the words a descriptor's fields, a Request's Values,
// the CONN flags and the login screen share.
const (
	FieldSchool   = "school"   // an account inside a shared server (coursedog)
	FieldTenant   = "tenant"   // the customer's subdomain (ccai)
	FieldEmail    = "email"    // who signs in with a password
	FieldPassword = "password" // sent once to sign in, never stored
	FieldToken    = "token"    // an API token typed in (ccai's api_user token)
)

// EnvSandbox is the environment name of the local sandbox, for every target.
const EnvSandbox = "sandbox"

// EnvToken is the environment variable that holds a token for the
// headless commands, for every target.
const EnvToken = "USERSYNC_TOKEN"

// Field is one value a target asks for to connect.
type Field struct {
	Key         string // one of the Field* keys
	Label       string // for people: "School ID"
	Placeholder string // an example, shown in an empty input
	// Secret fields are typed hidden, never kept after use and never
	// travel in a CONN flag.
	Secret bool
	// Account marks the field that names the account (the school, the
	// tenant): it is shown beside the target, typed to confirm a write to
	// production, and repeated (--Key) in the command that resumes a run.
	Account bool
	// SignIn fields are asked only when signing in with a password, not
	// when a saved token is used.
	SignIn bool
	// Usage is the CONN flag's help (non-secret fields are flags: --Key).
	Usage string
}

// Env is a named environment of a target: a fixed server.
type Env struct {
	Name       string   // what --env takes: "staging"
	Aliases    []string // other words --env takes for it: "prod"
	Label      string   // for people: "Staging"
	URL        string
	Production bool // writes reach real people
}

// Saved is what a target keeps between runs (login's token file): the
// server and the field values it belongs to, to prefill the login screen.
type Saved struct {
	URL    string
	Values map[string]string
}

// LoginResult is what `usersync login` reports: where the token went and
// what the operator should know about it, as sentences.
type LoginResult struct {
	URL, Account, SavedTo string
	Notes                 []string
}

// Descriptor is everything usersync knows about a target outside its
// adapter. Functions left nil are capabilities the target lacks.
type Descriptor struct {
	Name  string // the --target word
	Title string // for people: "Coursedog"
	// Default is the target used when none is named (one target sets it).
	Default bool
	// Envs are the target's fixed servers; besides them every target can
	// be reached at the sandbox or at a URL (CustomHint says what else).
	Envs []Env
	// CustomHint describes a custom environment for people ("a URL
	// (https://…) or the platform's domain (uc1.ccaiplatform.com)"); ""
	// means a URL only. DomainOK: a bare domain is accepted too.
	CustomHint string
	DomainOK   bool
	// CustomURL resolves an --env that is neither the sandbox nor a named
	// environment (a URL; "" when none was given) to a base URL, or says
	// what --env takes.
	CustomURL func(env string, r Request) (string, error)
	// Fields are the login values, in the order they are asked.
	Fields []Field
	// NotFound is what a 404 at sign-in means, in words with %q for the
	// account: "School ID %q was not found".
	NotFound string
	// Refused is what a refused sign-in means: "Wrong email or password."
	Refused string
	// FileTypes are the file name endings the target reads.
	FileTypes []string
	// Schema is the target's file schema without a connection (values the
	// server holds, like roles, unchecked): for template and validate.
	Schema func() *csvfile.Schema
	// Template writes an empty user file; nil writes the schema's header.
	Template func(w io.Writer) error
	// TemplateNote, when set, is said (on stderr) with the empty file.
	TemplateNote string
	// LiveTemplate writes the template the connected server serves and
	// says what it holds; nil: the empty file is the only template.
	LiveTemplate func(ctx context.Context, t sync.Target, w io.Writer) (summary string, err error)
	// Open reads a user file that is not a workbook; nil is csvfile.Open.
	// Scan reads and validates a user file that is not a workbook as it
	// is read (validate, plan, apply); nil is csvfile.Scan.
	Scan func(path string, s *csvfile.Schema, opts csvfile.Options, h csvfile.ScanHandler) (csvfile.Summary, error)
	Open func(path string, s *csvfile.Schema, opts csvfile.Options) (*csvfile.File, error)
	// Sandbox is the demo identity the sandbox accepts, by field key.
	Sandbox map[string]string
	// Connect builds the target from a request. It may send a sign-in
	// (with a password) but nothing else: the first request tells whether
	// a saved token is good.
	Connect func(ctx context.Context, r Request) (*Connection, error)
	// TokenFile says where the target looks for a token file when
	// --properties is not given ("" when it looks nowhere), for help.
	TokenFile string
	// FindSaved reads what login saved (getenv and the --properties path
	// say where); ok is false when nothing is saved. Nil: nothing is ever
	// saved, so the login screen offers no saved token.
	FindSaved func(getenv func(string) string, properties string) (s Saved, ok bool)
	// Renew signs t, which Connect returned, in again with r, so work
	// holding t carries on after its token was refused. Nil: tokens are
	// not renewed by signing in.
	Renew func(ctx context.Context, t sync.Target, r Request) error
	// KeepSession saves the session token t holds (one a password sign-in
	// got) where login writes it, mode 0600, so a command printed for a new
	// shell finds it; it returns the file. Nil: the target's credential is
	// not a session (an API token the operator already has).
	KeepSession func(t sync.Target, r Request) (path string, err error)
	// Login signs in with the email and password in r and stores the
	// session token (at properties, or the default place when ""), for
	// `usersync login`. Nil: the target signs in with an API token.
	Login func(ctx context.Context, r Request) (LoginResult, error)
}

// Field returns the descriptor's field with key k.
func (d *Descriptor) Field(k string) (Field, bool) {
	for _, f := range d.Fields {
		if f.Key == k {
			return f, true
		}
	}
	return Field{}, false
}

// Account is the field that names the account.
func (d *Descriptor) Account() Field {
	for _, f := range d.Fields {
		if f.Account {
			return f
		}
	}
	return Field{}
}

// SignInAgain is what the operator is told when the target's server
// refuses the credentials, the same words wherever it happens: log in
// again for a target that signs in with a password (sync.SignInAgain),
// give a valid token for one that takes its token as it is.
func (d *Descriptor) SignInAgain() string {
	if _, ok := d.Field(FieldPassword); ok {
		return sync.SignInAgain
	}
	return "the server refused the " + d.Credential() + ": give a valid one (USERSYNC_TOKEN, or token=… in the --properties file)"
}

// Credential names what the target signs in with when it is not a
// password (its secret field's label, "API token"), for messages.
func (d *Descriptor) Credential() string {
	for _, f := range d.Fields {
		if f.Secret && !f.SignIn {
			return f.Label
		}
	}
	return "token"
}

// Env finds a named environment by its name or an alias (any case).
func (d *Descriptor) Env(name string) (Env, bool) {
	for _, e := range d.Envs {
		if equalFold(e.Name, name) || slices.ContainsFunc(e.Aliases, func(a string) bool { return equalFold(a, name) }) {
			return e, true
		}
	}
	return Env{}, false
}

var (
	mu       gosync.RWMutex
	registry []*Descriptor
)

// Register adds a target; each adapter calls it from an init. The
// default target comes first, the others by name.
func Register(d Descriptor) {
	if d.Name == "" || d.Connect == nil || d.CustomURL == nil || d.Schema == nil {
		panic("targets: a descriptor needs a Name, Connect, CustomURL and Schema")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range registry {
		if r.Name == d.Name {
			panic("targets: " + d.Name + " registered twice")
		}
	}
	registry = append(registry, &d)
	slices.SortStableFunc(registry, func(a, b *Descriptor) int {
		switch {
		case a.Default != b.Default && a.Default:
			return -1
		case a.Default != b.Default:
			return 1
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
}

// Unregister removes a target (tests that register one of their own).
func Unregister(name string) {
	mu.Lock()
	defer mu.Unlock()
	registry = slices.DeleteFunc(registry, func(d *Descriptor) bool { return d.Name == name })
}

// All returns every registered target, the default first.
func All() []*Descriptor {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(registry)
}

// Names are the registered targets' names, the default first.
func Names() []string {
	var names []string
	for _, d := range All() {
		names = append(names, d.Name)
	}
	return names
}

// Default is the target used when none is named ("" when none is
// registered).
func Default() string {
	if all := All(); len(all) > 0 {
		return all[0].Name
	}
	return ""
}

// Lookup finds a target by name (any case); "" is the default.
func Lookup(name string) (*Descriptor, bool) {
	if name == "" {
		name = Default()
	}
	for _, d := range All() {
		if equalFold(d.Name, name) {
			return d, true
		}
	}
	return nil, false
}

// Find is Lookup with an error that names the known targets, phrased as
// the command line words it (--target).
func Find(name string) (*Descriptor, error) {
	if d, ok := Lookup(name); ok {
		return d, nil
	}
	return nil, fmt.Errorf("unknown --target %q: want %s", name, OneOf())
}

// OneOf lists the targets for people: "coursedog or ccai".
func OneOf() string {
	names := Names()
	switch len(names) {
	case 0:
		return "none"
	case 1:
		return names[0]
	}
	s := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			s += " or "
		default:
			s += ", "
		}
		s += n
	}
	return s
}
