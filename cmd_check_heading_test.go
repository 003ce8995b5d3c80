package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"usersync/sandbox"
	"usersync/sync/render"
	"usersync/sync/targets"
	"usersync/ui"
)

// A refused token was headed "The server differs from what the adapter
// expects; do not import", by `usersync check` and by the guided import's
// check after sign-in (tuiBackend.Check): it is now headed as a refusal,
// with the target's words for what to do, and never as a difference.
func TestRefusedCheckIsNotADifference(t *testing.T) {
	srv, _ := sandboxToken(t, sandbox.Options{Users: 3, Seed: 12})
	conn := []string{"--env", srv.URL(), "--school", sandbox.DemoSchool}
	code, _, stderr := runCmd(t, "not-a-token", append([]string{"check"}, conn...)...)
	if code != exitInterrupted || !strings.Contains(stderr, render.ProbeRefused) ||
		strings.Contains(stderr, "differs") || strings.Contains(stderr, "do not import") {
		t.Errorf("check with a refused token: exit %d, want 3 headed %q:\n%s", code, render.ProbeRefused, stderr)
	}

	c, err := targets.Open(context.Background(), targets.Request{Env: srv.URL(), Values: map[string]string{"school": sandbox.DemoSchool},
		Getenv: func(k string) string { return map[string]string{"USERSYNC_TOKEN": "not-a-token"}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&tuiBackend{}).Check(context.Background(), ui.Session{Target: c.Target})
	var stopped *ui.CheckStopped
	if !errors.As(err, &stopped) || stopped.Heading != render.ProbeRefused {
		t.Fatalf("the guided import's check with a refused token: %v, want a CheckStopped headed %q", err, render.ProbeRefused)
	}
	if last := stopped.Lines[len(stopped.Lines)-1]; last != signInAgain(c.Target.Name()) {
		t.Errorf("the lines end %q, not the target's words for what to do", last)
	}
	if strings.Contains(strings.Join(stopped.Lines, "\n"), "not-a-token") {
		t.Errorf("the token is shown: %v", stopped.Lines)
	}
}
