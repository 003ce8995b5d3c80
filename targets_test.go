package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/csvfile"
	"usersync/sync"
	"usersync/sync/targets"
	"usersync/ui"
)

// acme is a third target that exists only in this test: its descriptor is
// all it takes for every front end to offer it, with no other change to
// this package or ui/ (they hold no list of targets).
type acme struct{ users []sync.User }

func (a *acme) Name() string                                    { return "acme" }
func (a *acme) Schema(context.Context) (*csvfile.Schema, error) { return acmeSchema(), nil }
func (a *acme) ListUsers(context.Context) ([]sync.User, error)  { return a.users, nil }

func acmeSchema() *csvfile.Schema {
	return &csvfile.Schema{Target: "acme", Fields: []csvfile.Field{
		{Key: "email", Header: "Work Email", Required: true, Email: true, Identity: true},
		{Key: "name", Header: "Full Name", Required: true},
	}}
}

// registerAcme registers the acme target for one test; connected records
// every request its Connect received.
func registerAcme(t *testing.T) (connected *[]targets.Request) {
	t.Helper()
	var got []targets.Request
	targets.Register(targets.Descriptor{
		Name: "acme", Title: "Acme",
		Envs:      []targets.Env{{Name: "live", Label: "Live", URL: "https://acme.example", Production: true}},
		CustomURL: func(env string, _ targets.Request) (string, error) { return env, nil },
		Fields: []targets.Field{
			{Key: targets.FieldTenant, Label: "Workspace", Account: true, Usage: "acme: the workspace"},
			{Key: targets.FieldToken, Label: "Access key", Secret: true},
		},
		FileTypes: []string{".csv", ".tsv"},
		Schema:    acmeSchema,
		Sandbox:   map[string]string{targets.FieldTenant: "acme-demo"},
		Connect: func(_ context.Context, r targets.Request) (*targets.Connection, error) {
			got = append(got, r)
			d, _ := targets.Lookup("acme")
			base, err := d.URL(r)
			if err != nil {
				return nil, err
			}
			return &targets.Connection{Target: &acme{users: []sync.User{{ID: "1", Email: "old@example.edu",
				Fields: map[string]string{"email": "old@example.edu", "name": "Old"}}}}, URL: base, Account: r.Value(targets.FieldTenant)}, nil
		},
	})
	t.Cleanup(func() { targets.Unregister("acme") })
	return &got
}

func TestAThirdTargetIsOfferedEverywhere(t *testing.T) {
	connected := registerAcme(t)

	// template and validate know it offline, from its schema.
	code, stdout, stderr := runOffline(t, "template", "--target", "acme")
	if code != exitOK || stdout != "Work Email,Full Name\n" {
		t.Fatalf("template: exit %d %q %s", code, stdout, stderr)
	}
	path := filepath.Join(t.TempDir(), "acme.csv")
	if err := os.WriteFile(path, []byte("Work Email,Full Name\nada@example.edu,Ada Lovelace\nold@example.edu,Old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runOffline(t, "validate", path, "--target", "acme"); code != exitOK || !strings.Contains(stderr, "2 rows for acme") {
		t.Fatalf("validate: exit %d %s", code, stderr)
	}

	// The headless commands connect to it through the one path: the named
	// environment resolved from its descriptor, its account flag
	// (--tenant, declared by a field) and the token from USERSYNC_TOKEN.
	code, stdout, stderr = runCmd(t, "key-1", "plan", path, "--target", "acme", "--env", "live", "--tenant", "w1", "--json")
	if code != exitOK || !strings.Contains(stdout, `"create": 1`) || !strings.Contains(stdout, `"unchanged": 1`) {
		t.Fatalf("plan: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if len(*connected) != 1 {
		t.Fatalf("connected %d times", len(*connected))
	}
	r := (*connected)[0]
	if tok, _ := r.Token(); r.Env != "live" || r.Value(targets.FieldTenant) != "w1" || tok != "key-1" {
		t.Errorf("plan connected with %+v", r)
	}

	// usersync -h offers it.
	if _, help, _ := runOffline(t, "-h"); !strings.Contains(help, "coursedog, acme or ccai") || !strings.Contains(help, "acme: the workspace") {
		t.Errorf("help:\n%s", help)
	}

	// The guided import's backend signs in to it the same way, and its
	// named production environment is production.
	b := &tuiBackend{getenv: func(string) string { return "" }}
	s, err := b.Login(context.Background(), ui.LoginRequest{Target: "acme", Env: ui.EnvProduction, EnvName: "live", Tenant: "w2", APIToken: "key-2"})
	if err != nil || s.URL != "https://acme.example" || s.Account != "w2" || !s.Production || s.Schema.FieldByKey("name") == nil {
		t.Fatalf("login: %+v %v", s, err)
	}
	if r := (*connected)[1]; r.Value(targets.FieldToken) != "key-2" {
		t.Errorf("the login screen's key did not reach Connect: %+v", r)
	}
	// It cannot sign in again with a password: it has no Renew.
	if err := b.Reauthenticate(context.Background(), s, ui.LoginRequest{Target: "acme"}); err == nil || !strings.Contains(err.Error(), "acme API tokens are not renewed") {
		t.Errorf("renew: %v", err)
	}
}
