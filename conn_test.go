package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync/coursedog"
)

func TestSandboxCommand(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	env, out, errs := testEnv("", nil)
	done := make(chan int)
	go func() {
		done <- serveSandbox(ctx, env, []string{"--addr", "127.0.0.1:0", "--users", "7", "--seed", "4", "--state", state, "--json"})
	}()
	var info struct {
		URL       string
		Coursedog map[string]string
	}
	deadline := time.Now().Add(5 * time.Second)
	for json.Unmarshal([]byte(out.String()), &info) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("no JSON on stdout; stderr:\n%s", errs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.HasPrefix(info.URL, "http://127.0.0.1:") || info.Coursedog["school"] != sandbox.DemoSchool ||
		info.Coursedog["email"] != sandbox.DemoEmail || info.Coursedog["password"] != sandbox.DemoPassword {
		t.Errorf("printed %+v", info)
	}
	for _, want := range []string{"serving at " + info.URL, "password sandbox", "school demo_university", "7 users (seed 4)"} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs.String())
		}
	}
	resp, err := http.Get(info.URL + "/_sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("stats: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d; stderr:\n%s", code, errs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not stop")
	}
	if fi, err := os.Stat(state); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v %v", fi, err)
	}
	if _, err := http.Get(info.URL + "/_sandbox/stats"); err == nil {
		t.Error("still serving after shutdown")
	}

	env, _, errs = testEnv("", nil)
	if code := serveSandbox(context.Background(), env, []string{"--addr", "0.0.0.0:0"}); code != exitUsage ||
		!strings.Contains(errs.String(), "not loopback") {
		t.Errorf("public address: exit %d, %s", code, errs.String())
	}
}

func TestLoginThenOpen(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{Users: 12})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "cd.properties")
	ctx := context.Background()

	env, _, errs := testEnv("wrong\n", nil)
	args := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool, "--email", sandbox.DemoEmail, "--properties", path, "--password-stdin"}
	if code := login(ctx, env, args); code != exitUsage || !strings.Contains(errs.String(), "invalid email or password") {
		t.Errorf("wrong password: exit %d: %s", code, errs.String())
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a failed login wrote the token file")
	}

	env, _, errs = testEnv("", nil)
	if code := login(ctx, env, args[:len(args)-1]); code != exitUsage || !strings.Contains(errs.String(), "--password-stdin") {
		t.Errorf("no terminal: exit %d: %s", code, errs.String())
	}

	env, out, errs := testEnv(sandbox.DemoPassword+"\n", nil)
	if code := login(ctx, env, args); code != exitOK {
		t.Fatalf("login: exit %d: %s", code, errs.String())
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}
	ts, err := coursedog.FindToken(func(string) string { return "" }, path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errs.String(), ts.Token) || strings.Contains(errs.String(), sandbox.DemoPassword+"\n") || out.String() != "" {
		t.Errorf("login printed a secret or used stdout:\n%s", errs.String())
	}
	if !strings.Contains(errs.String(), "Token saved to "+path) {
		t.Errorf("login output:\n%s", errs.String())
	}

	// Later commands find the server and school login saved.
	fs := newConnFlagSet()
	c := addConnFlags(fs)
	fs.Parse([]string{"--properties", path})
	env, _, _ = testEnv("", nil)
	tg, err := c.open(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	users, err := tg.ListUsers(ctx)
	if err != nil || len(users) != 12 {
		t.Errorf("list with the saved token: %d users, %v", len(users), err)
	}

	// The token is not sent to another server.
	fs = newConnFlagSet()
	c = addConnFlags(fs)
	fs.Parse([]string{"--properties", path, "--env", "staging"})
	if _, err := c.open(ctx, env); err == nil || !strings.Contains(err.Error(), "was issued by "+srv.URL()) ||
		strings.Contains(err.Error(), ts.Token) {
		t.Errorf("other server: %v", err)
	}
}

func newConnFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func TestConnFlags(t *testing.T) {
	ctx := context.Background()
	tokenEnv := map[string]string{coursedog.EnvToken: "env-token"}
	open := func(args []string, vars map[string]string) (*coursedog.Target, error) {
		fs := newConnFlagSet()
		c := addConnFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		env, _, _ := testEnv("", vars)
		tg, err := c.open(ctx, env)
		if err != nil {
			return nil, err
		}
		return tg.(*coursedog.Target), nil
	}

	tg, err := open([]string{"--env", "sandbox"}, tokenEnv)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Describe() != "coursedog http://"+defaultSandboxAddr+" school "+sandbox.DemoSchool {
		t.Errorf("--env sandbox: %s", tg.Describe())
	}
	tg, err = open([]string{"--env", "production", "--school", "uni_x"}, tokenEnv)
	if err != nil || tg.Describe() != "coursedog https://app.coursedog.com school uni_x" {
		t.Errorf("production: %v %v", tg, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--env", "staging"}, "no school"},
		{[]string{"--school", "x"}, "no environment"},
		{[]string{"--env", "http://10.0.0.1", "--school", "x"}, "plain http"},
		{[]string{"--target", "ccai"}, "no tenant"},
		{[]string{"--target", "other"}, "unknown --target"},
	} {
		if _, err := open(tc.args, tokenEnv); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Chdir(t.TempDir())
	if _, err := open([]string{"--env", "staging", "--school", "x"}, nil); err == nil || !strings.Contains(err.Error(), "usersync login") {
		t.Errorf("no token: %v", err)
	}
}
