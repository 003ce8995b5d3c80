package targets

import (
	"context"
	"fmt"
	"strings"

	"usersync/csvfile"
	"usersync/sync"
	"usersync/sync/properties"
)

// Request is what the operator gave to connect, from CONN flags or the
// login screen: the one input of every connection usersync makes.
type Request struct {
	Target string // a registered name; "" is the default target
	// Env is a named environment, EnvSandbox, a URL (or, where the target
	// takes one, the platform's domain); "" is the server the saved token
	// came from.
	Env        string
	SandboxURL string            // where EnvSandbox points
	Values     map[string]string // field values by Field key
	// SignIn: sign in with the email and password in Values (one request).
	// Otherwise the token typed in Values, else the saved one, is used.
	SignIn     bool
	Properties string              // --properties: where a token is kept; "" for the target's defaults
	Getenv     func(string) string // the process's environment (tests give their own)
}

// Value is a field's value, trimmed.
func (r Request) Value(key string) string { return strings.TrimSpace(r.Values[key]) }

// IsSandbox reports whether the request names the sandbox.
func (r Request) IsSandbox() bool { return equalFold(strings.TrimSpace(r.Env), EnvSandbox) }

// Token is a typed-in token (FieldToken), else USERSYNC_TOKEN, else the
// token= line of the --properties file; "" when none is given.
func (r Request) Token() (string, error) {
	if t := r.Value(FieldToken); t != "" {
		return t, nil
	}
	if r.Getenv != nil {
		if t := strings.TrimSpace(r.Getenv(EnvToken)); t != "" {
			return t, nil
		}
	}
	if r.Properties == "" {
		return "", nil
	}
	p, err := properties.Read(r.Properties)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	t, _ := p.Get("token")
	return strings.TrimSpace(t), nil
}

// Connection is a connected target and where it writes.
type Connection struct {
	Target     sync.Target
	URL        string // the base URL, shown so the operator knows where writes go
	Account    string // the school, the tenant: the Account field's value
	Production bool   // the URL is one of the target's production servers
}

// Open connects: the one path the guided import and every headless
// command take from a Request to a target. It sends nothing unless the
// request signs in with a password.
func Open(ctx context.Context, r Request) (*Connection, error) {
	d, err := Find(r.Target)
	if err != nil {
		return nil, err
	}
	if r.Getenv == nil {
		r.Getenv = func(string) string { return "" }
	}
	c, err := d.Connect(ctx, r)
	if err != nil {
		return nil, err
	}
	c.Production = d.IsProduction(c.URL)
	return c, nil
}

// Renew signs a connected target in again (its token was refused).
func Renew(ctx context.Context, t sync.Target, r Request) error {
	d, err := Find(t.Name())
	if err != nil {
		return err
	}
	if d.Renew == nil {
		return fmt.Errorf("%s API tokens are not renewed by signing in: check the token", d.Name)
	}
	if r.Getenv == nil {
		r.Getenv = func(string) string { return "" }
	}
	return d.Renew(ctx, t, r)
}

// URL resolves r.Env for d: the sandbox's address, a named environment's
// URL, or what the adapter makes of anything else (CustomURL: a URL, a
// domain, or an error that says what --env takes).
func (d *Descriptor) URL(r Request) (string, error) {
	env := strings.TrimSpace(r.Env)
	if r.IsSandbox() && r.SandboxURL != "" {
		return r.SandboxURL, nil
	}
	if e, ok := d.Env(env); ok && env != "" {
		return e.URL, nil
	}
	return d.CustomURL(env, r)
}

// IsProduction reports whether base is one of d's production servers.
func (d *Descriptor) IsProduction(base string) bool {
	for _, e := range d.Envs {
		if e.Production && strings.TrimSuffix(e.URL, "/") == strings.TrimSuffix(base, "/") {
			return true
		}
	}
	return false
}

// EnvOf names the environment a URL or an --env word is: a named one, or
// "" with ok false for a URL of no named environment.
func (d *Descriptor) EnvOf(env string) (Env, bool) {
	if e, ok := d.Env(env); ok {
		return e, true
	}
	for _, e := range d.Envs {
		if strings.TrimSuffix(e.URL, "/") == strings.TrimSuffix(strings.TrimSpace(env), "/") {
			return e, true
		}
	}
	return Env{}, false
}

// Open reads a user file that is not a workbook the way the target reads
// it: its own reader, else csvfile.Open. (Workbooks are read alike for
// every target, by the caller: csvfile/workbook reads them.)
func (d *Descriptor) OpenFile(path string, s *csvfile.Schema, opts csvfile.Options) (*csvfile.File, error) {
	if d.Open != nil {
		return d.Open(path, s, opts)
	}
	return csvfile.Open(path, s, opts)
}

// ScanFile reads and validates a user file that is not a workbook as it is
// read, the way the target reads it: its own reader, else csvfile.Scan.
func (d *Descriptor) ScanFile(path string, s *csvfile.Schema, opts csvfile.Options, h csvfile.ScanHandler) (csvfile.Summary, error) {
	if d.Scan != nil {
		return d.Scan(path, s, opts, h)
	}
	return csvfile.Scan(path, s, opts, h)
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
