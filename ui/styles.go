package ui

import (
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
)

// Palette is the handful of colours every screen draws with. Two exist: one
// for dark terminals and one for light ones; the root model picks one when
// the terminal reports its background.
type Palette struct {
	Text, Muted, Accent, OK, Warn, Bad, Prod, Selected color.Color
}

func palette(isDark bool) Palette {
	ld := lipgloss.LightDark(isDark)
	return Palette{
		Text:     ld(lipgloss.Color("#1F1F1F"), lipgloss.Color("#E6E6E6")),
		Muted:    ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8A8A8A")),
		Accent:   ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#A28BFF")),
		OK:       ld(lipgloss.Color("#1B7F3B"), lipgloss.Color("#5FD38D")),
		Warn:     ld(lipgloss.Color("#9A6700"), lipgloss.Color("#F2C94C")),
		Bad:      ld(lipgloss.Color("#B42318"), lipgloss.Color("#FF6B6B")),
		Prod:     lipgloss.Color("#D70000"),
		Selected: ld(lipgloss.Color("#E8E2FF"), lipgloss.Color("#3A3255")),
	}
}

// Styles are built once per palette and handed to every screen, so no screen
// invents a colour of its own. With NoColor set (NO_COLOR), styles keep bold,
// reverse and underline only: every meaning colour carries is also carried by
// a symbol or a word, so nothing is lost.
type Styles struct {
	NoColor bool

	Title, Step, StepDone, StepNow lipgloss.Style
	Text, Muted, Accent            lipgloss.Style
	OK, Warn, Bad                  lipgloss.Style
	// Prod marks everything about a Production connection: the header
	// badge, the confirmation, the apply button. Red, bold and reversed, so
	// it still stands out in black and white.
	Prod lipgloss.Style

	Header, HeaderCell, Cell, SelectedRow, SelectedCell lipgloss.Style
	Pane, Label, Focused, Error, Status                 lipgloss.Style

	// Paints are the same styles as fixed escape sequences, for the table
	// cells drawn on every key press (a Render per cell costs too much on
	// a large file).
	PaintOK, PaintBad, PaintWarn, PaintMuted, PaintSelCell, PaintFocused paint
}

// paint wraps text in a style's escape sequences without re-rendering it.
type paint struct{ pre, post string }

func (p paint) on(s string) string {
	if p.pre == "" {
		return s
	}
	return p.pre + s + p.post
}

// paintOf captures the sequences a one-line style puts around text.
func paintOf(st lipgloss.Style) paint {
	const mark = "\x1f"
	out := st.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+len(mark):]}
}

// NewStyles builds the styles for a dark or light background; noColor drops
// every colour (the NO_COLOR convention).
func NewStyles(isDark, noColor bool) Styles {
	p := palette(isDark)
	fg := func(c color.Color) lipgloss.Style {
		if noColor {
			return lipgloss.NewStyle()
		}
		return lipgloss.NewStyle().Foreground(c)
	}
	bg := func(s lipgloss.Style, c color.Color) lipgloss.Style {
		if noColor {
			return s.Reverse(true)
		}
		return s.Background(c)
	}
	s := Styles{NoColor: noColor}
	s.Text = fg(p.Text)
	s.Muted = fg(p.Muted)
	s.Accent = fg(p.Accent)
	s.OK = fg(p.OK)
	s.Warn = fg(p.Warn).Bold(true)
	s.Bad = fg(p.Bad).Bold(true)
	s.Prod = fg(p.Prod).Bold(true).Reverse(true)
	s.Title = fg(p.Accent).Bold(true)
	s.Step = fg(p.Muted)
	s.StepDone = fg(p.OK)
	s.StepNow = fg(p.Accent).Bold(true).Underline(true)
	s.Header = lipgloss.NewStyle()
	s.HeaderCell = fg(p.Muted).Bold(true)
	s.Cell = lipgloss.NewStyle()
	s.SelectedRow = bg(lipgloss.NewStyle(), p.Selected)
	s.SelectedCell = fg(p.Accent).Bold(true).Underline(true)
	s.Pane = lipgloss.NewStyle().Border(lipgloss.NormalBorder(), true, false, false, false)
	if !noColor {
		s.Pane = s.Pane.BorderForeground(p.Muted)
	}
	s.Label = fg(p.Muted)
	s.Focused = fg(p.Accent).Bold(true)
	s.Error = fg(p.Bad).Bold(true)
	s.Status = fg(p.Muted)
	s.PaintOK, s.PaintBad, s.PaintWarn = paintOf(s.OK), paintOf(s.Bad), paintOf(s.Warn)
	s.PaintMuted, s.PaintSelCell, s.PaintFocused = paintOf(s.Muted), paintOf(s.SelectedCell), paintOf(s.Focused)
	return s
}
