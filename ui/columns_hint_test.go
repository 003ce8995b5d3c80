package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// The preview drew the columns that fit and left the others out without
// a word: at 80 columns nothing said the file had a Department (at 120,
// nothing said Role IDs was there). The counts line now says how many
// columns show and that ←/→ reach the others.
func TestPreviewSaysColumnsAreHidden(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	d.send(tea.WindowSizeMsg{Width: 60, Height: 24})
	p := &d.m.preview
	shown := len(p.drawn(p.colFrom))
	if shown >= len(p.fields) {
		t.Fatalf("every column fits at 60: the test proves nothing")
	}
	if strings.Contains(d.view(), "Department") {
		t.Fatal("Department shows at 60 columns: the test proves nothing")
	}
	d.sees(itoa(shown) + " of " + itoa(len(p.fields)) + " columns (←/→)")
	d.send(tea.WindowSizeMsg{Width: 200, Height: 24})
	if strings.Contains(d.view(), " columns (←/→)") {
		t.Fatalf("every column shows, yet the hint stays:\n%s", d.view())
	}
}
