package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// fullHelp lists every key of b in as many columns as fit w, so ? shows
// all of a screen's keys at any width (help.Model's full view drops the
// columns that do not fit).
func fullHelp(st help.Styles, b bindings, w int) string {
	var items []key.Binding
	for _, k := range b {
		if k.Enabled() && k.Help().Key != "" {
			items = append(items, k)
		}
	}
	if len(items) == 0 {
		return ""
	}
	const gap = 3
	type col struct{ keyW, descW int }
	layout := func(ncols int) ([]col, int, int) {
		rows := (len(items) + ncols - 1) / ncols
		cols := make([]col, ncols)
		total := 0
		for c := range cols {
			for r := 0; r < rows && c*rows+r < len(items); r++ {
				h := items[c*rows+r].Help()
				cols[c].keyW = max(cols[c].keyW, ansi.StringWidth(h.Key))
				cols[c].descW = max(cols[c].descW, ansi.StringWidth(h.Desc))
			}
			total += cols[c].keyW + 1 + cols[c].descW
		}
		return cols, rows, total + gap*(ncols-1)
	}
	cols, rows, _ := layout(1)
	for n := len(items); n > 1; n-- {
		if c, r, total := layout(n); total <= w {
			cols, rows = c, r
			break
		}
	}
	lines := make([]string, rows)
	for r := range rows {
		var b strings.Builder
		for c := range cols {
			k := c*rows + r
			if k >= len(items) {
				break
			}
			h := items[k].Help()
			if c > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			b.WriteString(st.FullKey.Render(padRight(h.Key, cols[c].keyW)) + " ")
			desc := h.Desc
			if c < len(cols)-1 && c*rows+rows+r < len(items)+rows { // not the last column: pad
				desc = padRight(desc, cols[c].descW)
			}
			b.WriteString(st.FullDesc.Render(desc))
		}
		lines[r] = strings.TrimRight(b.String(), " ")
	}
	return strings.Join(lines, "\n")
}
