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
	srv, err := sandbox.Start(sandbox.Options{Users: 3})
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL()
	srv.Close()
	for _, tt := range []struct{ target, token, where, value string }{
		{"ccai", sandbox.DemoAPIToken, "--tenant", sandbox.DemoTenant},
		{"coursedog", "a-saved-session-token", "--school", sandbox.DemoSchool},
	} {
		t.Run(tt.target, func(t *testing.T) {
			start := time.Now()
			code, stdout, stderr := runCommand(t, func(k string) string {
				return map[string]string{"USERSYNC_TOKEN": tt.token, "NO_COLOR": "1"}[k]
			}, "", 60*time.Second, "check", "--target", tt.target, "--env", url, tt.where, tt.value, "--json")
			// A probe tries a read twice, soon, and sends nothing more
			// once the server has not answered: a server that is down is
			// said at once, not after every endpoint's retries
			// (coursedog's took 15 s).
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("check took %v against a server that is down", took)
			}
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
		})
	}
}

// A server that answers every request with a 503 is failing, not showing
// another API: check says it could not check (exit 3, run it again), not
// "do not import", and stops asking after the first endpoint's two tries.
func TestCheckServerFailingIsNotADifference(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 3})
	if err := srv.SetFaults(sandbox.Options{FailRate: 1}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ target, token, where, value string }{
		{"coursedog", tok, "--school", sandbox.DemoSchool},
		{"ccai", sandbox.DemoAPIToken, "--tenant", sandbox.DemoTenant},
	} {
		t.Run(tt.target, func(t *testing.T) {
			before := srv.Stats().Requests
			code, stdout, stderr := runCmd(t, tt.token, "check", "--target", tt.target, "--env", srv.URL(), tt.where, tt.value, "--json")
			if code != exitInterrupted || strings.Contains(stderr, "do not import") || !strings.Contains(stderr, "did not answer") {
				t.Errorf("exit %d, want %d, and no \"do not import\"\n%s", code, exitInterrupted, stderr)
			}
			var p sync.Probe
			if err := json.Unmarshal([]byte(stdout), &p); err != nil {
				t.Fatalf("check --json: %v\n%s", err, stdout)
			}
			sent := 0
			for k, n := range srv.Stats().Requests {
				sent += n - before[k]
			}
			if sent != 2 {
				t.Errorf("%d requests sent to a failing server, want 2 (one read, tried twice)", sent)
			}
		})
	}
}
