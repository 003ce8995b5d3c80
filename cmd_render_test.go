package main

import (
	"bytes"
	"strings"
	"testing"

	"usersync/sync"
)

// A rollback plan names the import's file and the journal's emails and
// reasons, none of which usersync wrote: they are escaped like a plan's,
// and NO_COLOR gets no escape at all (the rollback plan once printed them
// raw, styled whatever NO_COLOR said).
func TestRollbackPlanEscapesAndHonoursNoColor(t *testing.T) {
	p := &sync.Plan{File: "users\u202e.csv", Target: "coursedog", Mode: sync.KindRollback,
		Rows: []sync.PlanRow{
			{Line: 2, Email: "ada\u202e@example.edu", Action: sync.Deactivate},
			{Line: 3, Email: "grace@example.edu", Action: sync.Update, Changes: []sync.Change{{Field: "lastName", Header: "Last\x1b[2J", Old: "B\u202e", New: "Hopper"}}},
			{Line: 4, Email: "kat@example.edu", Action: sync.Skip, Reasons: []string{"conflict: lastName is now \"x\x1b]0;t\x07\""}},
		},
		Counts: sync.Counts{Deactivate: 1, Update: 1, Skip: 1}}
	for _, noColor := range []string{"1", ""} {
		t.Setenv("NO_COLOR", noColor)
		var b bytes.Buffer
		printPlan(&b, p)
		out := b.String()
		if strings.ContainsAny(out, "\u202e\x07") || strings.Contains(out, "\x1b[2J") || (noColor != "" && strings.Contains(out, "\x1b")) {
			t.Errorf("NO_COLOR=%q: raw text or escapes reached the output: %q", noColor, out)
		}
		for _, want := range []string{`users\u202e.csv`, `ada\u202e@example.edu`, "- deactivate", "~ restore", "⊘ leave",
			"1 to deactivate (created by the import), 1 to restore, 0 already undone, 1 left alone"} {
			if !strings.Contains(out, want) {
				t.Errorf("NO_COLOR=%q: the rollback plan lacks %q:\n%s", noColor, want, out)
			}
		}
	}
}
