package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// ? at 40x12 showed one line of the full help ("enter  dry run") and
// nothing else, without a word that the other keys were cut: the keys
// of the screen could not be seen at all. The keys now take the body's
// place while they show, and what still does not fit is said.
func TestQuestionMarkAtASmallTerminal(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	d.send(tea.WindowSizeMsg{Width: 40, Height: 12})
	d.keys("?")
	v := d.view()
	t.Logf("40x12 with ?:\n%s", v)
	lines := strings.Split(v, "\n")
	if len(lines) != 12 {
		t.Fatalf("%d lines at 40x12:\n%s", len(lines), v)
	}
	if d.m.layout.Help < 8 {
		t.Fatalf("help band %d lines at 40x12, want the body's room:\n%s", d.m.layout.Help, v)
	}
	for _, want := range []string{"dry run", "next/prev problem", "edit cell", "apply fix"} {
		if !strings.Contains(v, want) {
			t.Errorf("full help at 40x12 lacks %q:\n%s", want, v)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "more") || !strings.Contains(last, "keys") {
		t.Errorf("the keys that do not fit are cut without a word:\n%s", v)
	}
	// Back to a normal size: every key, and ? again gives the screen back.
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.sees("ctrl+s save file", "ctrl+c quit")
	if strings.Contains(d.view(), "… more") {
		t.Fatalf("at 80x24 the full help still says keys are missing:\n%s", d.view())
	}
	d.keys("?")
	if d.m.layout.Help != 1 || d.m.layout.Body < 5 {
		t.Fatalf("after ? again: %+v", d.m.layout)
	}
}
