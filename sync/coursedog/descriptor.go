package coursedog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/targets"
)

// The coursedog target as the command line and the UI see it.
func init() {
	targets.Register(targets.Descriptor{
		Name:    TargetName,
		Title:   "Coursedog",
		Default: true,
		Envs: []targets.Env{
			{Name: "staging", Label: "Staging", URL: StagingURL},
			{Name: "production", Aliases: []string{"prod"}, Label: "Production", URL: ProductionURL, Production: true},
		},
		CustomURL: customURL,
		Fields: []targets.Field{
			{Key: targets.FieldSchool, Label: "School ID", Placeholder: "your School Unique ID", Account: true,
				Usage: "coursedog: the School Unique ID (Admin > Settings); default: the one saved by login"},
			{Key: targets.FieldEmail, Label: "Email", Placeholder: "you@school.edu", SignIn: true,
				Usage: "coursedog: the account's email (login)"},
			{Key: targets.FieldPassword, Label: "Password", Secret: true, SignIn: true},
		},
		NotFound:  "School ID %q was not found",
		Refused:   "Wrong email or password.",
		FileTypes: []string{".csv", ".xlsx", ".xlsm"},
		Schema:    func() *csvfile.Schema { return NewSchema(nil, nil) },
		Sandbox: map[string]string{targets.FieldSchool: sandbox.DemoSchool,
			targets.FieldEmail: sandbox.DemoEmail, targets.FieldPassword: sandbox.DemoPassword},
		Connect:     connect,
		TokenFile:   "./" + PropertiesName + ", then the one login writes",
		FindSaved:   findSaved,
		Renew:       renew,
		KeepSession: keepSession,
		Login:       login,
	})
}

// customURL is BaseURL, with what to do when no environment was given.
func customURL(env string, _ targets.Request) (string, error) {
	if env == "" {
		return "", errors.New("no environment: pass --env staging, production, sandbox or a URL (or run `usersync login` first)")
	}
	return BaseURL(env)
}

// school is the request's school, or the sandbox's demo school when the
// server is the sandbox and none was given.
func school(r targets.Request, envName string) string {
	if s := r.Value(targets.FieldSchool); s != "" {
		return s
	}
	if strings.EqualFold(strings.TrimSpace(envName), targets.EnvSandbox) {
		return sandbox.DemoSchool
	}
	return ""
}

// connect finds the token (USERSYNC_TOKEN, --properties,
// ./coursedog.properties, the config dir) unless it signs in with the
// password, and the server and school: the request's, else what login
// saved beside the token.
func connect(ctx context.Context, r targets.Request) (*targets.Connection, error) {
	var ts TokenSource
	if !r.SignIn {
		var err error
		if ts, err = FindToken(r.Getenv, r.Properties); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(r.Env) == "" {
		r.Env = ts.Default(PropURL)
	}
	d, _ := targets.Lookup(TargetName)
	base, err := d.URL(r)
	if err != nil {
		return nil, err
	}
	if err := ts.CheckURL(base); err != nil {
		return nil, err
	}
	sch := school(r, r.Env)
	if sch == "" {
		sch = ts.Default(PropSchool)
	}
	if sch == "" {
		return nil, errors.New("no school: pass --school with the School Unique ID (Admin > Settings)")
	}
	client, err := NewClient(Options{BaseURL: base, School: sch, Token: ts.Token})
	if err != nil {
		return nil, err
	}
	if r.SignIn {
		if _, err := client.Login(ctx, r.Value(targets.FieldEmail), r.Values[targets.FieldPassword]); err != nil {
			return nil, err
		}
	}
	return &targets.Connection{Target: NewTarget(client), URL: client.URL(), Account: sch}, nil
}

// findSaved reads the token file login wrote: its server, school and email.
func findSaved(getenv func(string) string, properties string) (targets.Saved, bool) {
	ts, err := FindToken(getenv, properties)
	if err != nil {
		return targets.Saved{}, false
	}
	return targets.Saved{URL: ts.Default(PropURL), Values: map[string]string{
		targets.FieldSchool: ts.Default(PropSchool), targets.FieldEmail: ts.Default(PropEmail)}}, true
}

// keepSession saves the session the target's client holds where login
// writes its token (0600), with the server, school and email beside it.
func keepSession(t sync.Target, r targets.Request) (string, error) {
	ct, ok := t.(*Target)
	if !ok {
		return "", fmt.Errorf("keep the session: %s is not a coursedog target", t.Name())
	}
	path, err := DefaultPropertiesPath()
	if err != nil {
		return "", err
	}
	c := ct.Client()
	token := c.bearer()
	if token == "" {
		return "", errors.New("keep the session: the session holds no token")
	}
	return path, SaveToken(path, token, c.URL(), c.School(), r.Value(targets.FieldEmail))
}

// renew signs the target's own client in again (or gives it the saved
// token), so an apply holding it carries on after a refused token.
func renew(ctx context.Context, t sync.Target, r targets.Request) error {
	ct, ok := t.(*Target)
	if !ok {
		return fmt.Errorf("renew: %s is not a coursedog target", t.Name())
	}
	if !r.SignIn {
		ts, err := FindToken(r.Getenv, r.Properties)
		if err != nil {
			return err
		}
		if err := ts.CheckURL(ct.Client().URL()); err != nil {
			return err
		}
		ct.Client().SetToken(ts.Token)
		_, err = ct.Schema(ctx) // proves the token
		return err
	}
	_, err := ct.Client().Login(ctx, r.Value(targets.FieldEmail), r.Values[targets.FieldPassword])
	return err
}

// login signs in and stores the session token with the server, school and
// email it belongs to (mode 0600), for `usersync login`.
func login(ctx context.Context, r targets.Request) (targets.LoginResult, error) {
	d, _ := targets.Lookup(TargetName)
	base, err := d.URL(r)
	if err != nil {
		return targets.LoginResult{}, err
	}
	path := r.Properties
	if path == "" {
		if path, err = DefaultPropertiesPath(); err != nil {
			return targets.LoginResult{}, err
		}
	}
	client, err := NewClient(Options{BaseURL: base, School: school(r, r.Env)})
	if err != nil {
		return targets.LoginResult{}, err
	}
	email := r.Value(targets.FieldEmail)
	token, err := client.Login(ctx, email, r.Values[targets.FieldPassword])
	if err != nil {
		return targets.LoginResult{}, err
	}
	if err := SaveToken(path, token, base, client.School(), email); err != nil {
		return targets.LoginResult{}, err
	}
	res := targets.LoginResult{URL: base, Account: client.School(), SavedTo: path,
		Notes: []string{"it lasts 24 hours and ends when " + email + " logs in anywhere else."}}
	if client.School() == "" {
		res.Notes = append(res.Notes, "Pass --school with the School Unique ID to plan and apply (or log in again with --school to save it).")
	}
	if r.Getenv != nil && r.Getenv(EnvToken) != "" {
		res.Notes = append(res.Notes, "Note: "+EnvToken+" is set and is used before this file.")
	}
	if r.Properties == "" {
		if _, err := os.Stat(PropertiesName); err == nil {
			res.Notes = append(res.Notes, "Note: ./"+PropertiesName+" in this directory is used before "+path+".")
		}
	}
	return res, nil
}
