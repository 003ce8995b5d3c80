package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"usersync/sync/render"
)

// piece is a run of text with its style, for lines that wrap between
// pieces (counts, key lists) rather than inside them.
type piece struct {
	text  string
	style lipgloss.Style
}

// joinWrap joins pieces with sep and breaks the line between pieces so no
// line is wider than w; continuation lines start with indent. A piece too
// long for a line of its own flows on at its words.
func joinWrap(pieces []piece, sep piece, indent string, w int) []string {
	var lines []string
	var b strings.Builder
	indentW := ansi.StringWidth(indent)
	col := 0
	sepW := ansi.StringWidth(sep.text)
	newline := func() {
		lines = append(lines, b.String())
		b.Reset()
		b.WriteString(indent)
		col = indentW
	}
	for k, p := range pieces {
		pw := ansi.StringWidth(p.text)
		if k > 0 {
			if col+sepW+pw > w && pw <= w-indentW {
				newline()
			} else {
				b.WriteString(sep.style.Render(sep.text))
				col += sepW
			}
		}
		if col+pw <= w {
			b.WriteString(p.style.Render(p.text))
			col += pw
			continue
		}
		for j, word := range strings.Fields(p.text) {
			ww := ansi.StringWidth(word)
			switch {
			case j > 0 && col+1+ww > w:
				newline()
			case j > 0:
				b.WriteString(p.style.Render(" "))
				col++
			case col+ww > w && col > indentW:
				newline()
			}
			b.WriteString(p.style.Render(word))
			col += ww
		}
	}
	return append(lines, b.String())
}

// wrapStyled wraps s at spaces to w columns and styles every line.
func wrapStyled(style lipgloss.Style, s string, w int, indent string) []string {
	lead := s[:len(s)-len(strings.TrimLeft(s, " "))] // wrap drops it
	parts := strings.Split(wrap(s, max(w-len(lead), 10), ""), "\n")
	parts[0] = lead + parts[0]
	for k := range parts {
		if k > 0 {
			parts[k] = indent + parts[k]
		}
		parts[k] = style.Render(parts[k])
	}
	return parts
}

// shortPath fits a path into w columns by cutting its middle, keeping the
// file name whole: /home/op/…/imports/users.report-20261201.csv.
func shortPath(path string, w int) string {
	if ansi.StringWidth(path) <= w {
		return path
	}
	slash := strings.LastIndexByte(path, '/')
	name := path[slash+1:]
	if slash < 0 || ansi.StringWidth(name)+2 > w {
		return ansi.TruncateLeft(path, ansi.StringWidth(path)-w+1, "…")
	}
	dir := path[:slash+1]
	keep := w - ansi.StringWidth(name) - 1 // room for the directory and "…"
	head := keep / 2
	tail := keep - head
	return ansi.Truncate(dir, head, "") + "…" + ansi.TruncateLeft(dir, ansi.StringWidth(dir)-tail, "") + name
}

func quoteRune(r rune) string { return strconv.QuoteRune(r) }

// padRight pads s with spaces to n terminal columns: a CJK character or an
// emoji takes two, a combining accent none.
func padRight(s string, n int) string { return render.Pad(s, n) }

// wrap breaks s into lines of at most w columns at spaces; continuation
// lines start with indent. Widths are terminal columns, not runes.
func wrap(s string, w int, indent string) string {
	words := strings.Fields(s)
	var b strings.Builder
	col := 0
	indentW := ansi.StringWidth(indent)
	for i, word := range words {
		n := ansi.StringWidth(word)
		if i > 0 && col+1+n > w {
			b.WriteString("\n" + indent)
			col = indentW
		} else if i > 0 {
			b.WriteString(" ")
			col++
		}
		b.WriteString(word)
		col += n
	}
	return b.String()
}
