// Package render holds the words for plans, runs and their counts, which
// the CLI and the TUI both show: one phrasing, two front ends. It returns
// plain text in pieces, each with a Tone; the TUI maps tones to its
// lipgloss styles and lays the pieces out in its columns, the CLI to its
// ANSI (or NO_COLOR) output. Untrusted text (cells, server values) comes
// out escaped (textsafe.Show). Nothing here draws or knows a terminal.
package render

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"usersync/csvfile/textsafe"
)

// Tone is what a piece of text means, for the front end to colour.
type Tone uint8

const (
	Plain   Tone = iota
	Muted        // secondary: unchanged, skipped, separators, tallies
	Added        // a create, a value set or added to a list
	Changed      // an update
	Removed      // a deactivation, a value taken away
	Bad          // a failure, a skipped row's reason
	Warn         // not yet sent, a stop, a read-back that differs
	Label        // a field's name
)

// Piece is a run of text with its tone.
type Piece struct {
	Text string
	Tone Tone
}

// Line is pieces shown on one line (or wrapped between pieces).
type Line []Piece

// String is the line's text without tones.
func (l Line) String() string {
	var b strings.Builder
	for _, p := range l {
		b.WriteString(p.Text)
	}
	return b.String()
}

// Texts are the pieces' texts, for a front end that joins them itself.
func Texts(ps []Piece) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text
	}
	return out
}

// Join is ps joined by sep (in the Muted tone) as one line.
func Join(ps []Piece, sep string) Line {
	var l Line
	for i, p := range ps {
		if i > 0 {
			l = append(l, Piece{sep, Muted})
		}
		l = append(l, p)
	}
	return l
}

// Count formats n with thousands separators: 1,000,000.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Plural is "1 row" or "3 rows".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Count(n) + " " + many
}

// Pad pads s with spaces to w terminal columns (wide characters count two,
// escapes none); a longer s is returned whole.
func Pad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// Show escapes untrusted text for a screen or a terminal.
func Show(s string) string { return textsafe.Show(s) }
