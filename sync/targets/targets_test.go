package targets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/csvfile"
)

func testDescriptor(name string, def bool) Descriptor {
	return Descriptor{Name: name, Default: def,
		Envs: []Env{{Name: "staging", Label: "Staging", URL: "https://s.example"},
			{Name: "production", Aliases: []string{"prod"}, Label: "Production", URL: "https://p.example/", Production: true}},
		CustomURL: func(env string, _ Request) (string, error) {
			if env == "" {
				return "", errors.New("no environment")
			}
			return env, nil
		},
		Fields:  []Field{{Key: FieldTenant, Label: "Tenant", Account: true}, {Key: FieldToken, Label: "API token", Secret: true}},
		Schema:  func() *csvfile.Schema { return &csvfile.Schema{Target: name} },
		Connect: func(context.Context, Request) (*Connection, error) { return &Connection{URL: "https://p.example"}, nil },
	}
}

func TestRegistry(t *testing.T) {
	t.Cleanup(func() { Unregister("zeta"); Unregister("alpha"); Unregister("main") })
	Register(testDescriptor("zeta", false))
	Register(testDescriptor("main", true))
	Register(testDescriptor("alpha", false))
	if got := strings.Join(Names(), " "); got != "main alpha zeta" || Default() != "main" || OneOf() != "main, alpha or zeta" {
		t.Fatalf("names %q, default %q, %q", got, Default(), OneOf())
	}
	if d, ok := Lookup("ALPHA"); !ok || d.Name != "alpha" {
		t.Error("lookup ignores case")
	}
	if d, ok := Lookup(""); !ok || d.Name != "main" {
		t.Error("\"\" is the default")
	}
	if _, err := Find("nope"); err == nil || err.Error() != `unknown --target "nope": want main, alpha or zeta` {
		t.Errorf("find: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second registration of a name does not panic")
		}
	}()
	Register(testDescriptor("alpha", false))
}

func TestRequestResolves(t *testing.T) {
	d := testDescriptor("x", false)
	for env, want := range map[string]string{
		"staging": "https://s.example", "PROD": "https://p.example/", "sandbox": "http://127.0.0.1:9",
		"https://other.example": "https://other.example",
	} {
		if got, err := d.URL(Request{Env: env, SandboxURL: "http://127.0.0.1:9"}); err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", env, got, err, want)
		}
	}
	if _, err := d.URL(Request{}); err == nil {
		t.Error("no environment was accepted")
	}
	if !d.IsProduction("https://p.example") || d.IsProduction("https://s.example") {
		t.Error("production is the production environment's URL, a trailing slash aside")
	}
	if e, ok := d.EnvOf("https://s.example/"); !ok || e.Name != "staging" {
		t.Errorf("EnvOf a URL: %+v", e)
	}
	if d.Account().Key != FieldTenant || d.Credential() != "API token" {
		t.Errorf("account %q, credential %q", d.Account().Key, d.Credential())
	}

	// The token: typed, else USERSYNC_TOKEN, else the --properties file.
	file := filepath.Join(t.TempDir(), "t.properties")
	os.WriteFile(file, []byte("token = from-file\n"), 0o600)
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvToken {
				return v
			}
			return ""
		}
	}
	for _, c := range []struct {
		r    Request
		want string
	}{
		{Request{Values: map[string]string{FieldToken: " typed "}, Getenv: env("from-env"), Properties: file}, "typed"},
		{Request{Getenv: env("from-env"), Properties: file}, "from-env"},
		{Request{Getenv: env(""), Properties: file}, "from-file"},
		{Request{Getenv: env("")}, ""},
	} {
		if got, err := c.r.Token(); err != nil || got != c.want {
			t.Errorf("token %q %v, want %q", got, err, c.want)
		}
	}
	if _, err := (Request{Properties: filepath.Join(t.TempDir(), "none")}).Token(); err == nil {
		t.Error("a missing --properties file is not an error")
	}
}

// Open names the connection production from the descriptor's environments.
func TestOpenMarksProduction(t *testing.T) {
	Register(testDescriptor("prodtest", false))
	t.Cleanup(func() { Unregister("prodtest") })
	c, err := Open(context.Background(), Request{Target: "prodtest"})
	if err != nil || !c.Production {
		t.Fatalf("%+v %v", c, err)
	}
}
