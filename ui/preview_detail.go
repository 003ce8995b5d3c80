package ui

import (
	"strings"

	"usersync/csvfile"
)

// summaryLines are the counts above the table, wrapped to w columns.
// Excluded and deleted rows are counted apart: their errors are not the
// file's.
func (p *previewScreen) summaryLines(st Styles, w int) []string {
	v := p.v
	parts := []piece{{plural(p.file.Len(), "row", "rows"), st.Text}}
	if e := v.Errors(); e > 0 {
		parts = append(parts, piece{"✗ " + plural(e, "error", "errors") + " in " + plural(v.RowsWithErrors(), "row", "rows"), st.Bad})
	} else {
		parts = append(parts, piece{"✓ no errors", st.OK})
	}
	if n := v.Warnings(); n > 0 {
		parts = append(parts, piece{"! " + plural(n, "warning", "warnings"), st.Warn})
	}
	if n := p.ed.Excluded(); n > 0 {
		parts = append(parts, piece{"⊘ " + count(n) + " excluded", st.Muted})
	}
	if n := p.ed.Deleted(); n > 0 {
		parts = append(parts, piece{"− " + count(n) + " deleted on save", st.Muted})
	}
	if n := len(p.drawn(p.colFrom)); n < len(p.fields) {
		// The columns that do not fit are not drawn: say they are there.
		parts = append(parts, piece{count(n) + " of " + count(len(p.fields)) + " columns (←/→)", st.Muted})
	}
	if p.filter != filterAll {
		parts = append(parts, piece{p.filterLabel(), st.Accent})
	}
	if p.ed.Dirty() {
		parts = append(parts, piece{"● unsaved edits", st.Warn})
	}
	lines := joinWrap(parts, piece{" · ", st.Muted}, " ", max(w-1, 20))
	for k := range lines {
		if k == 0 {
			lines[k] = " " + lines[k]
		}
	}
	return lines
}

func (p previewScreen) summaryLine(st Styles, w int) string {
	return strings.Join(p.summaryLines(st, w), "\n")
}

// detailView lists every message of the selected row (wrapped, never
// cut), or the open dialog (dlg: a prompt or a question), or the cell
// editor.
func (p previewScreen) detailView(st Styles, dlg dialog, w, h int) string {
	if p.file == nil || p.saving {
		return ""
	}
	var lines []string
	i := p.current()
	title := "Details"
	if i >= 0 {
		title = "Line " + itoa(p.file.Line(i))
		switch {
		case p.ed.IsDeleted(i):
			title += " (deleted from the file on save; u undoes)"
		case p.ed.IsExcluded(i):
			title += " (excluded from this import)"
		}
	}
	lines = append(lines, st.Pane.Width(w).Render(st.Label.Render(title)))
	switch {
	case p.editing:
		fd := p.selectedField()
		lines = append(lines, st.Focused.Render(" Edit "+fd.Header+": ")+p.input.View(),
			st.Muted.Render(" enter sets the cell and revalidates the row; esc cancels"))
	case dlg != nil:
		lines = append(lines, dlg.view(st, w)...)
	case i >= 0:
		msgs := p.v.Row(i)
		if len(msgs) == 0 {
			lines = append(lines, st.OK.Render(" ✓ no problems in this row"))
			if ws := p.file.Warnings(); len(ws) > 0 {
				lines = append(lines, wrapStyled(st.Muted, " File: "+show(ws[0].Text), w-1, "   ")...)
			}
		}
		for _, msg := range msgs {
			lines = append(lines, messageLines(st, msg, w)...)
		}
		lines = append(lines, p.names(st, i, w)...)
	}
	return strings.Join(lines, "\n")
}

// messageLines shows one message, wrapped to w, with its fix.
func messageLines(st Styles, msg csvfile.Message, w int) []string {
	icon, style := "!", st.Warn
	if msg.Severity == csvfile.Error {
		icon, style = "✗", st.Bad
	}
	head := icon + " " + show(msg.Column)
	if msg.Column == "" {
		head = icon
	}
	out := joinWrap([]piece{{head + ":", style}, {show(msg.Text), st.Text}}, piece{" ", st.Text}, "   ", max(w-2, 20))
	out[0] = " " + out[0]
	if msg.Fix != nil {
		out = append(out, wrapStyled(st.Accent, "   x: "+show(msg.Fix.Label)+" (a: every row like it)", w-1, "      ")...)
	}
	return out
}

// names shows the names of the IDs in row i's cells, where the target
// reports them (role IDs: "r-6f1e2d93 Faculty").
func (p *previewScreen) names(st Styles, i, w int) []string {
	var out []string
	for _, fd := range p.fields {
		if !idField(fd) {
			continue
		}
		var named []string
		for _, v := range p.file.List(i, fd.Key) {
			if name := choiceName(fd, v); name != "" {
				named = append(named, show(v)+" "+show(name))
			}
		}
		if len(named) > 0 {
			out = append(out, wrapStyled(st.Muted, " "+fd.Header+": "+strings.Join(named, ", "), w-1, "   ")...)
		}
	}
	return out
}

// idField reports whether a field's values are IDs whose choices carry
// the names people know them by (the schema's Kind says "… ID").
func idField(fd csvfile.Field) bool {
	return len(fd.Choices) > 0 && strings.HasSuffix(fd.Kind, " ID")
}

// choiceName is the label of the choice whose value is v, or "".
func choiceName(fd csvfile.Field, v string) string {
	for _, c := range fd.Choices {
		if c.Value == v && c.Label != "" && c.Label != v {
			return c.Label
		}
	}
	return ""
}

// lineList names up to n rows by file line: "lines 4, 9, 12 and 3 more".
func lineList(f *csvfile.File, rows []int, n int) string {
	var parts []string
	for k, i := range rows {
		if k == n {
			return "lines " + strings.Join(parts, ", ") + " and " + count(len(rows)-n) + " more"
		}
		parts = append(parts, itoa(f.Line(i)))
	}
	if len(parts) == 1 {
		return "line " + parts[0]
	}
	return "lines " + strings.Join(parts, ", ")
}
