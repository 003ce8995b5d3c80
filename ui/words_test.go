package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"usersync/sync"
	"usersync/sync/render"
)

// The summary and the progress of a rollback count in the rollback's own
// words, the same as the CLI's (sync/render), not an import's.
func TestRollbackWordsAreTheCLIs(t *testing.T) {
	c := sync.Counts{Deactivate: 13, Update: 3, Unchanged: 1, Skip: 2, Pending: 4}
	run := &sync.Run{Counts: c, Outcomes: make([]sync.Outcome, 23), Interrupted: true}
	s := newSummary(&sync.Plan{Mode: sync.KindRollback}, run, nil, nil, applyRollback, false)
	out := ansi.Strip(lipgloss.Sprint(s.view(NewStyles(true, true), 200, 40)))
	want := strings.Join(render.Texts(render.RunCounts(c, true)), " · ")
	if !strings.Contains(out, want) || !strings.Contains(out, "13 deactivated (created by the import) · 3 restored · 1 already undone · 2 left alone") {
		t.Errorf("rollback summary lacks %q:\n%s", want, out)
	}
	if strings.Contains(out, "created ·") || strings.Contains(out, "skipped") {
		t.Errorf("rollback summary counts in an import's words:\n%s", out)
	}
	p := progressScreen{kind: applyRollback, last: sync.Event{Done: 16, Total: 20, Counts: c}}
	out = ansi.Strip(lipgloss.Sprint(p.view(NewStyles(true, true), 120, 30)))
	if !strings.Contains(out, "13 deactivated · 3 restored · 0 failed") || strings.Contains(out, "updated") {
		t.Errorf("rollback progress:\n%s", out)
	}
}

// A resume command is wrapped by its width in cells, not its length in
// bytes: one that fits stays on one line, though its CJK path is longer
// in bytes than the width.
func TestWrapCommandCountsCells(t *testing.T) {
	cmd := "usersync apply u.csv --journal 記録記録記録記録記録記録記録.jsonl"
	if w := ansi.StringWidth("   " + cmd); w > 70 || len("   "+cmd) <= 70 {
		t.Fatalf("the fixture is %d cells and %d bytes: want at most 70 cells and more than 70 bytes", w, len(cmd))
	}
	if got := wrapCommand(cmd, 70); strings.Contains(got, "\n") {
		t.Errorf("a command of %d cells is wrapped at 70:\n%s", ansi.StringWidth(cmd), got)
	}
}
