package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"usersync/sync/render"
)

// The TUI's side of sync/render: the words are the CLI's, each tone drawn
// in the style the screens use for it.

// tone is the style a render tone is drawn in.
func (st Styles) tone(t render.Tone) lipgloss.Style {
	switch t {
	case render.Muted:
		return st.Muted
	case render.Added:
		return st.OK
	case render.Changed, render.Warn:
		return st.Warn
	case render.Removed, render.Bad:
		return st.Bad
	case render.Label:
		return st.Label
	}
	return st.Text
}

// pieces are render's pieces in the screen's styles, for joinWrap.
func (st Styles) pieces(ps []render.Piece) []piece {
	out := make([]piece, len(ps))
	for i, p := range ps {
		out[i] = piece{p.Text, st.tone(p.Tone)}
	}
	return out
}

// line draws a render line in one piece after another.
func (st Styles) line(l render.Line) string {
	var b strings.Builder
	for _, p := range l {
		b.WriteString(st.tone(p.Tone).Render(p.Text))
	}
	return b.String()
}
