package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
)

// TestRefusedTokenExitsTheSameEverywhere: the server refusing the token is
// one cause, and gets one exit code (3: log in again, then run the same
// command again) and one wording ("log in again (usersync login)"), wherever it meets it:
// on the very first request of apply (nothing sent), on its saved plan's
// first read, half-way through its writes (resumable), in plan, rollback
// and check. A refused token sends nothing, and the run it stopped resumes
// after a new login.
func TestRefusedTokenExitsTheSameEverywhere(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 60, Seed: 97, Latency: 10 * time.Millisecond})
	dir := t.TempDir()
	path, want := writeUsers(t, srv, dir, 20)
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	journal := filepath.Join(dir, "j.jsonl")
	apply := append([]string{"apply", path, "--yes", "--no-registration-mail", "--concurrency", "1", "--journal", journal}, conn...)
	refused := func(what string, code int, stderr string, sent bool) {
		t.Helper()
		if code != exitInterrupted || !strings.Contains(stderr, "log in again (usersync login)") || !strings.Contains(stderr, "run the same command again") {
			t.Errorf("%s: exit %d, want %d saying %q and to run the same command again:\n%s", what, code, exitInterrupted, "log in again (usersync login)", stderr)
		}
		if !sent && !strings.Contains(stderr, "nothing was sent") {
			t.Errorf("%s: the message does not say that nothing was sent:\n%s", what, stderr)
		}
	}

	// A token the server never issued, and one that expired: the first
	// request of apply is refused.
	writes := serverWrites(srv)
	code, _, stderr := runCmd(t, "not-a-token", apply...)
	refused("apply, first request, unknown token", code, stderr, false)
	srv.ExpireSessions()
	code, _, stderr = runCmd(t, tok, apply...)
	refused("apply, first request, expired token", code, stderr, false)
	code, _, stderr = runCmd(t, tok, append([]string{"plan", path}, conn...)...)
	refused("plan", code, stderr, false)
	code, _, stderr = runCmd(t, tok, append([]string{"check"}, conn...)...)
	refused("check", code, stderr, false)
	// A target that takes its API token as it is (no login) says so.
	code, _, stderr = runCmd(t, "not-the-api-token", "plan", path, "--target", "ccai", "--env", srv.URL(), "--tenant", sandbox.DemoTenant)
	if code != exitInterrupted || !strings.Contains(stderr, "the server refused the API token: give a valid one") || strings.Contains(stderr, "not-the-api-token") {
		t.Errorf("ccai plan with a refused token: exit %d:\n%s", code, stderr)
	}
	if n := serverWrites(srv); n != writes {
		t.Fatalf("%d writes sent with a refused token", n-writes)
	}

	// A saved plan, then the token expires: apply's first read is refused.
	tok = sandboxLogin(t, srv)
	planPath := filepath.Join(dir, "plan.json")
	if code, _, stderr := runCmd(t, tok, append([]string{"plan", path, "--out", planPath, "--no-registration-mail"}, conn...)...); code != exitOK {
		t.Fatalf("plan --out: exit %d\n%s", code, stderr)
	}
	srv.ExpireSessions()
	code, _, stderr = runCmd(t, tok, append([]string{"apply", planPath, "--yes", "--journal", filepath.Join(dir, "saved.jsonl")}, conn...)...)
	refused("apply of a saved plan, first read", code, stderr, true) // its summary counts 0 written
	if n := serverWrites(srv); n != writes {
		t.Fatalf("%d writes sent with a refused token", n-writes)
	}

	// Half-way through the writes.
	tok = sandboxLogin(t, srv)
	done := make(chan bool, 1)
	go func() {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if srv.Stats().Creates >= 5 {
				srv.ExpireSessions()
				done <- true
				return
			}
			time.Sleep(time.Millisecond)
		}
		done <- false
	}()
	code, _, stderr = runCmd(t, tok, apply...)
	if !<-done {
		t.Fatal("the apply ended before the token could expire")
	}
	refused("apply, mid-run", code, stderr, true)
	if !strings.Contains(stderr, "not yet sent") {
		t.Errorf("the mid-run stop does not count the rows not yet sent:\n%s", stderr)
	}

	// The rollback's first read is refused the same way.
	code, _, stderr = runCmd(t, tok, append([]string{"rollback", "--journal", journal, "--yes"}, conn...)...)
	refused("rollback, first read", code, stderr, false)

	// After a new login the same command finishes the run.
	tok = sandboxLogin(t, srv)
	if code, _, stderr := runCmd(t, tok, apply...); code != exitOK {
		t.Fatalf("apply after a new login: exit %d\n%s", code, stderr)
	}
	for email, last := range want {
		if u, ok := srv.User(email); !ok || u.LastName != last {
			t.Errorf("%s: %v %q, want %q", email, ok, u.LastName, last)
		}
	}
	if st := srv.Stats(); st.CreatesPerEmailMax > 1 {
		t.Errorf("a user was created %d times", st.CreatesPerEmailMax)
	}
}
