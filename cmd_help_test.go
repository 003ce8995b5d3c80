package main

import (
	"strings"
	"testing"
)

// Go's flag package takes a `quoted` word in a flag's usage as the name of
// its value: `plan --help` listed "-out usersync apply PLAN.json" and
// `sandbox --help` "-drift usersync check", as if those were what the
// flags take. Every flag line of every --help names the flag and at most
// one word for its value.
func TestHelpFlagLinesNameOneValue(t *testing.T) {
	names := []string{""} // the guided import's own flags
	for n := range commands {
		names = append(names, n)
	}
	for _, n := range names {
		args := []string{"--help"}
		if n != "" {
			args = []string{n, "--help"}
		}
		code, stdout, stderr := runOffline(t, args...)
		if code != exitOK {
			t.Errorf("usersync %s --help: exit %d", n, code)
		}
		for _, line := range strings.Split(stdout+stderr, "\n") {
			if !strings.HasPrefix(line, "  -") {
				continue
			}
			if f := strings.Fields(line); len(f) > 2 {
				t.Errorf("usersync %s --help: %q names more than one value", n, line)
			}
		}
	}
}
