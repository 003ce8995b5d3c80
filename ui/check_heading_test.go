package ui

import (
	"errors"
	"strings"
	"testing"

	"usersync/sync/render"
)

// The file screen headed every finding of the check after sign-in "The
// server differs from what usersync expects", a refused token and a check
// that could not run too; each is now headed as what happened, and only a
// difference says not to import.
func TestFileScreenHeadsTheCheckByItsCause(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want []string
	}{
		{"refused", &CheckStopped{Heading: render.ProbeRefused, Lines: []string{"list users: HTTP 401: credentials refused", "log in again"}},
			[]string{render.ProbeRefused, "credentials refused", "log in again"}},
		{"unanswered", &CheckStopped{Heading: render.ProbeUnanswered, Lines: []string{"list users: no answer"}},
			[]string{render.ProbeUnanswered, "no answer"}},
		{"not run", errors.New("probe: connection reset"), []string{render.ProbeNotRun, "connection reset"}},
	} {
		b := newMemBackend(newMemTarget())
		b.checkErr = c.err
		d := newDriver(t, New(b, sandboxDefaults(""), true), 120, 40)
		d.keys("enter")
		d.until(c.name+": the check", func(m *Model) bool { return m.screen == ScreenFile && len(m.file.contract) > 0 })
		d.sees(append(c.want, "Choose the user file")...)
		if v := d.view(); strings.Contains(v, "differs") || strings.Contains(v, "do not import") {
			t.Errorf("%s: headed as a difference:\n%s", c.name, v)
		}
	}
}
