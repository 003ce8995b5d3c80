package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync"
)

// writesSeen counts the requests a sandbox saw that are not reads.
func writesSeen(st sandbox.Stats) map[string]int {
	out := map[string]int{}
	for route, n := range st.Requests {
		if !strings.HasPrefix(route, "GET ") {
			out[route] = n
		}
	}
	return out
}

// `usersync check` against a faithful sandbox passes for both targets,
// against a drifted one it fails naming what moved, and it never writes.
func TestCheckFaithfulAndDrifted(t *testing.T) {
	for _, drift := range []bool{false, true} {
		srv, tok := sandboxToken(t, sandbox.Options{Users: 12, Seed: 3, Drift: drift})
		// The helper logged in: the one POST there may be.
		base := writesSeen(srv.Stats())

		code, stdout, stderr := runCmd(t, tok, "check", "--env", srv.URL(), "--school", sandbox.DemoSchool, "--json")
		var p sync.Probe
		if err := json.Unmarshal([]byte(stdout), &p); err != nil {
			t.Fatalf("check --json: %v\n%s", err, stdout)
		}
		if want := map[bool]int{false: exitOK, true: exitRowsFailed}[drift]; code != want {
			t.Errorf("coursedog, drift %v: exit %d, want %d\n%s", drift, code, want, stderr)
		}
		if drift && (!strings.Contains(stderr, "missing: firstName") || !strings.Contains(stderr, "unknown keys (read past): first_name") ||
			!strings.Contains(stderr, "do not import")) {
			t.Errorf("coursedog drift not named:\n%s", stderr)
		}
		if !drift {
			for _, e := range p.Endpoints {
				if e.Probed && (!e.Reached || !e.AuthOK || e.Items == 0) {
					t.Errorf("coursedog %s: %+v", e.Name, e)
				}
			}
		}

		code, _, stderr = runCmd(t, sandbox.DemoAPIToken, "check", "--target", "ccai", "--env", srv.URL(), "--tenant", sandbox.DemoTenant)
		if want := map[bool]int{false: exitOK, true: exitRowsFailed}[drift]; code != want {
			t.Errorf("ccai, drift %v: exit %d, want %d\n%s", drift, code, want, stderr)
		}
		if !strings.Contains(stderr, "unknown keys (read past): sandbox_unknown_key") {
			t.Errorf("ccai: the unknown key is not reported:\n%s", stderr)
		}
		if drift && !strings.Contains(stderr, "agents (existing users): missing email, roles") {
			t.Errorf("ccai drift not named:\n%s", stderr)
		}
		if w := writesSeen(srv.Stats()); len(w) != len(base) || w["POST /api/v1/sessions"] != base["POST /api/v1/sessions"] {
			t.Errorf("drift %v: check wrote: %v (before %v)", drift, w, base)
		}
	}

	// Signing in instead of a saved token: the session endpoint is probed
	// too (against a server that takes only {"email","password"}), and the
	// token is stored nowhere.
	srv, _ := sandboxToken(t, sandbox.Options{Users: 2, LoginField: "password"})
	var out, errb bytes.Buffer
	env := &cmdEnv{stdin: strings.NewReader(sandbox.DemoPassword + "\n"), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" }}
	code := run(env, []string{"check", "--env", srv.URL(), "--school", sandbox.DemoSchool, "--email", sandbox.DemoEmail, "--password-stdin"})
	if code != exitOK || !strings.Contains(errb.String(), `signed in with {"email","password"}`) || strings.Contains(errb.String(), sandbox.DemoPassword+"\n") {
		t.Errorf("check signing in: exit %d\n%s", code, errb.String())
	}

	// A refused token: reached, credentials refused, exit 3 (log in again,
	// as everywhere a token is refused).
	srv, _ = sandboxToken(t, sandbox.Options{Users: 2})
	code, _, stderr := runCmd(t, "not-a-token", "check", "--env", srv.URL(), "--school", sandbox.DemoSchool)
	if code != exitInterrupted || !strings.Contains(stderr, "credentials were refused (HTTP 401)") || !strings.Contains(stderr, "usersync login") ||
		strings.Contains(stderr, "not-a-token") {
		t.Errorf("refused token: exit %d\n%s", code, stderr)
	}
}

// `usersync check` against a server that does not answer said "The server
// differs from what the adapter expects; do not import" and exited 1, as
// for a changed API; it now says the server could not be reached and
// exits 3 like plan and apply do (run it again when the server is back).
func TestCheckServerNotAnsweringIsNotADifference(t *testing.T) {
	// ccai: its probe tries each read once, so the test takes no time.
	srv, err := sandbox.Start(sandbox.Options{Users: 3})
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL()
	srv.Close()
	start := time.Now()
	code, stdout, stderr := runCommand(t, func(k string) string {
		return map[string]string{"USERSYNC_TOKEN": sandbox.DemoAPIToken, "NO_COLOR": "1"}[k]
	}, "", 60*time.Second, "check", "--target", "ccai", "--env", url, "--tenant", sandbox.DemoTenant, "--json")
	t.Logf("check took %v", time.Since(start))
	if code != exitInterrupted {
		t.Errorf("exit %d, want %d (the server stopped answering)\n%s", code, exitInterrupted, stderr)
	}
	if strings.Contains(stderr, "differs") || strings.Contains(stderr, "do not import") {
		t.Errorf("an unreachable server is reported as a changed API:\n%s", stderr)
	}
	if !strings.Contains(stderr, "did not answer") || !strings.Contains(stderr, "run the same command again") {
		t.Errorf("the message does not say what happened and what to do:\n%s", stderr)
	}
	var p sync.Probe
	if err := json.Unmarshal([]byte(stdout), &p); err != nil || len(p.Endpoints) == 0 {
		t.Errorf("check --json printed no findings: %v\n%s", err, stdout)
	}
}
