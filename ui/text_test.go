package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Names in CJK scripts and emoji take two terminal columns a character;
// padding and wrapping count columns, so columns line up under them.
func TestPaddingCountsTerminalColumns(t *testing.T) {
	for _, s := range []string{"山田太郎", "👩‍💻 dev", "José", "e\u0301t\u00e9", "李@例え.jp", "plain"} {
		for _, n := range []int{10, 14, 30} {
			if got := ansi.StringWidth(padRight(s, n)); got != max(n, ansi.StringWidth(s)) {
				t.Errorf("padRight(%q, %d) is %d columns wide", s, n, got)
			}
			if got := ansi.StringWidth(padCell(s, n)); got != n {
				t.Errorf("padCell(%q, %d) is %d columns wide", s, n, got)
			}
		}
		if got := ansi.StringWidth(padCell(s, 3)); got != 3 {
			t.Errorf("padCell(%q, 3) cut to %d columns", s, got)
		}
	}
}

func TestWrapCountsTerminalColumns(t *testing.T) {
	s := strings.Repeat("山田太郎 ", 12) + "🎉🎉🎉 done"
	for _, w := range []int{10, 20, 33} {
		for _, line := range strings.Split(wrap(s, w, "  "), "\n") {
			if got := ansi.StringWidth(line); got > w {
				t.Errorf("wrap at %d: line %q is %d columns wide", w, line, got)
			}
		}
	}
	// A word that fits on the line is not pushed to the next.
	if got := wrap("山田 太郎", 9, ""); got != "山田 太郎" {
		t.Errorf("wrap(山田 太郎, 9) = %q", got)
	}
	if got := wrap("山田 太郎", 8, ""); got != "山田\n太郎" {
		t.Errorf("wrap(山田 太郎, 8) = %q", got)
	}
}

func TestProgressBarWidth(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		st := NewStyles(true, noColor)
		for _, pct := range []float64{-1, 0, 0.333, 0.5, 1, 2} {
			bar := progressBar(st, pct, 30)
			if got := ansi.StringWidth(bar); got != 30 {
				t.Errorf("bar at %v is %d columns wide", pct, got)
			}
			if noColor && strings.Contains(bar, "\x1b[3") {
				t.Errorf("NO_COLOR bar at %v has a colour: %q", pct, bar)
			}
		}
		if full := ansi.Strip(progressBar(st, 0.5, 20)); strings.Count(full, "█") != 10 || strings.Count(full, "░") != 10 {
			t.Errorf("half bar is %q", full)
		}
	}
}
