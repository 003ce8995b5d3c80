package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// A status message longer than the lines the layout leaves it (a short
// terminal, the full help open) was cut mid-sentence with no mark: "…
// 5 rows have errors; n jumps". The cut is now marked with "…".
func TestStatusCutIsMarked(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	d.send(tea.WindowSizeMsg{Width: 40, Height: 12})
	text := d.m.status.text
	if text == "" || d.m.status.lines(40, d.m.screen) < 2 {
		t.Fatalf("the status %q fits one line at 40 columns; the test proves nothing", text)
	}
	d.keys("?") // the keys take the room: the status keeps one line
	if d.m.layout.Status != 1 {
		t.Fatalf("status band %d lines", d.m.layout.Status)
	}
	lines := strings.Split(d.view(), "\n")
	var status string
	for _, l := range lines {
		if strings.Contains(l, "rows read from") {
			status = l
		}
	}
	if !strings.HasSuffix(strings.TrimRight(status, " "), "…") {
		t.Fatalf("the status is cut without a mark: %q\n%s", status, d.view())
	}
}
