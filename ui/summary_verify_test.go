package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"usersync/sync"
)

// The summary says when the read-back after the import found users that
// differ from what was sent, with the first of them, its values escaped.
func TestSummarySaysWhatVerifyFound(t *testing.T) {
	p := &sync.Plan{Target: "coursedog"}
	run := &sync.Run{Outcomes: make([]sync.Outcome, 3), Counts: sync.Counts{Update: 3},
		Verify: &sync.ReadBack{Users: 3, Mismatches: []sync.Mismatch{{Line: 4, Email: "ada@example.edu",
			Field: "lastName", Header: "Last Name", Sent: "Lovelace", Stored: "Byron\u202e\x1b[31m"}}}}
	s := newSummary(p, run, nil, nil, applyImport, false)
	out := lipgloss.Sprint(s.view(NewStyles(true, true), 120, 40))
	for _, want := range []string{"1 of 3 users differ from what was sent", `line 4 ada@example.edu: Last Name was sent as "Lovelace"`,
		`\u202e\x1b[31m`} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\u202e") || strings.Contains(out, "\x1b[31m") {
		t.Error("the server's text reached the screen raw")
	}
	run.Verify = &sync.ReadBack{Users: 3}
	if out := s.view(NewStyles(true, true), 120, 40); strings.Contains(out, "differ") {
		t.Errorf("a clean verify is not news:\n%s", out)
	}
}
