package main

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/ui"
)

// The TUI's backend against a real sandbox over HTTP: the errors the login
// screen turns into words must be the kinds it expects.
func TestTUIBackendLogin(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{Users: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b := &tuiBackend{getenv: func(string) string { return "" }, sandboxURL: srv.URL()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	demo := ui.LoginRequest{Target: "coursedog", Env: ui.EnvSandbox, School: sandbox.DemoSchool,
		Email: sandbox.DemoEmail, Password: sandbox.DemoPassword}

	kindOf := func(err error) sync.Kind {
		var se *sync.Error
		if !errors.As(err, &se) {
			t.Fatalf("error %v (%T) is not a *sync.Error", err, err)
		}
		return se.Kind
	}
	wrong := demo
	wrong.Password = "not-the-password"
	_, err = b.Login(ctx, wrong)
	if kindOf(err) != sync.KindUnauthorized {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "not-the-password") {
		t.Fatal("the password is in the error text")
	}
	badSchool := demo
	badSchool.School = "no_such_school"
	if _, err = b.Login(ctx, badSchool); kindOf(err) != sync.KindNotFound {
		t.Fatalf("unknown school: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	unreachable := demo
	unreachable.Env, unreachable.URL = ui.EnvCustom, closed
	if _, err = b.Login(ctx, unreachable); kindOf(err) != sync.KindNetwork {
		t.Fatalf("refused connection: %v", err)
	}

	s, err := b.Login(ctx, demo)
	if err != nil {
		t.Fatal(err)
	}
	if s.Target.Name() != "coursedog" || s.Account != sandbox.DemoSchool || s.Production || s.Schema.FieldByKey("email") == nil {
		t.Fatalf("session %+v", s)
	}
	users, err := b.ExistingUsers(ctx, s)
	if err != nil || len(users) != 5 {
		t.Fatalf("existing users: %d, %v", len(users), err)
	}

	// A saved token: used when valid, refused (Unauthorized) when not.
	b.getenv = func(k string) string {
		if k == "USERSYNC_TOKEN" {
			return "expired-or-revoked"
		}
		return ""
	}
	saved := demo
	saved.UseSavedToken, saved.Password = true, ""
	if _, err = b.Login(ctx, saved); kindOf(err) != sync.KindUnauthorized {
		t.Fatalf("a bad saved token: %v", err)
	}

	// ccai: the demo tenant and token.
	cs, err := b.Login(ctx, ui.LoginRequest{Target: "ccai", Env: ui.EnvSandbox, Tenant: sandbox.DemoTenant, APIToken: sandbox.DemoAPIToken})
	if err != nil || cs.Target.Name() != "ccai" || cs.Account != sandbox.DemoTenant {
		t.Fatalf("ccai login: %+v %v", cs, err)
	}
	if _, err = b.Login(ctx, ui.LoginRequest{Target: "ccai", Env: ui.EnvSandbox, Tenant: sandbox.DemoTenant, APIToken: "wrong"}); kindOf(err) != sync.KindUnauthorized {
		t.Fatalf("ccai wrong token: %v", err)
	}
}

// A mapping saved from the mapping screen is used the next time the file
// is opened.
func TestTUIBackendSavedMapping(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "odd.csv")
	if err := os.WriteFile(file, []byte("Vorname,Nachname,Mail,Produkte\nAda,Lovelace,ada@example.edu,scheduling\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := sandbox.Start(sandbox.Options{Users: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b := &tuiBackend{getenv: func(string) string { return "" }, sandboxURL: srv.URL()}
	ctx := context.Background()
	s, err := b.Login(ctx, ui.LoginRequest{Target: "coursedog", Env: ui.EnvSandbox, School: sandbox.DemoSchool,
		Email: sandbox.DemoEmail, Password: sandbox.DemoPassword})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.OpenFile(ctx, ui.OpenRequest{Path: file, Schema: s.Schema})
	var fe *csvfile.FileError
	if !errors.As(err, &fe) || len(fe.Missing) == 0 || len(fe.Headers) != 4 {
		t.Fatalf("open without a mapping: %v", err)
	}
	to, err := b.SaveMapping(file, map[string]string{"Vorname": "First Name", "Nachname": "Last Name", "Mail": "Email", "Produkte": "Products"})
	if err != nil || to != file+".mapping" {
		t.Fatalf("save mapping: %s %v", to, err)
	}
	f, err := b.OpenFile(ctx, ui.OpenRequest{Path: file, Schema: s.Schema})
	if err != nil {
		t.Fatal(err)
	}
	if f.Value(0, "email") != "ada@example.edu" || f.Value(0, "firstName") != "Ada" {
		t.Fatalf("mapped row: %q %q", f.Value(0, "email"), f.Value(0, "firstName"))
	}
}

func TestTUIFlags(t *testing.T) {
	var stderr strings.Builder
	env := &cmdEnv{stdin: strings.NewReader(""), stdout: &stderr, stderr: &stderr, getenv: func(string) string { return "" }}
	if code := runTUI(env, []string{"--target", "nope"}); code != exitUsage {
		t.Fatalf("unknown target: exit %d", code)
	}
	if code := runTUI(env, []string{"--sandbox", "no/such/file.csv"}); code != exitUsage || !strings.Contains(stderr.String(), "not a readable file") {
		t.Fatalf("missing file: exit %d, %s", code, stderr.String())
	}
	if code := runTUI(env, []string{"a.csv", "b.csv"}); code != exitUsage {
		t.Fatalf("two files: exit %d", code)
	}
}

// usersync -h names the guided import's own flags, not only the commands.
func TestHelpListsTheGuidedImportsFlags(t *testing.T) {
	code, help, _ := runOffline(t, "-h")
	for _, want := range []string{"-sandbox\n", "-sandbox-users int", "-sandbox-latency duration", "-target string", "-env string", "-school string", "-tenant string", "-properties string", "commands:", "validate"} {
		if !strings.Contains(help, want) {
			t.Errorf("usersync -h lacks %q:\n%s", want, help)
		}
	}
	if code != exitOK {
		t.Errorf("exit %d", code)
	}
}
