package ui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// The preview's prompts: / searches every cell, : jumps to a file line,
// = fills a column, r replaces in a column. Fill and replace act on the
// rows shown (every row, or the filter's).

// openPreviewPrompt opens the preview's prompt of kind.
func (m *Model) openPreviewPrompt(kind promptKind) tea.Cmd {
	p := &m.preview
	fd := p.selectedField()
	var pr *prompt
	switch kind {
	case promptSearch:
		pr = newPrompt(ScreenPreview, kind, "Search every cell (any case), from the cursor on", "enter goes to the first match; ] and [ then go to the next and previous.", m.isDark, "Find")
		pr.setValue(0, p.search)
	case promptLine:
		pr = newPrompt(ScreenPreview, kind, "Go to a line of the file", "", m.isDark, "Line")
	case promptFill, promptReplace:
		if fd == nil || p.current() < 0 {
			return nil
		}
		where := "all " + plural(p.shown(), "row", "rows")
		if p.filter != filterAll {
			where = "the " + plural(p.shown(), "row", "rows") + " shown (" + p.filter.String() + ")"
		}
		if kind == promptFill {
			pr = newPrompt(ScreenPreview, kind, "Fill "+fd.Header+" in "+where, "One step: u undoes it whole.", m.isDark, "Value")
		} else {
			pr = newPrompt(ScreenPreview, kind, "Replace in "+fd.Header+" in "+where, "Exactly as typed; one step: u undoes it whole.", m.isDark, "Find", "Replace with")
		}
	}
	m.openDialog(pr)
	return pr.focusCmd()
}

// applyPreviewPrompt acts on the answer to the preview's prompt.
func (m *Model) applyPreviewPrompt(msg promptAnsweredMsg) tea.Cmd {
	v := msg.values
	switch msg.kind {
	case promptSearch:
		m.preview.search = v[0]
		return m.searchPreview(v[0], false)
	case promptLine:
		return m.goToLine(v[0])
	case promptFill:
		return m.fillColumn(v[0])
	case promptReplace:
		return m.replaceInColumn(v[0], v[1])
	}
	return nil
}

// searchPreview moves to the next (back: previous) cell holding q after
// the selected one, among the rows shown, and selects its column.
func (m *Model) searchPreview(q string, back bool) tea.Cmd {
	p := &m.preview
	if strings.TrimSpace(q) == "" {
		return m.setStatus(sevInfo, "/ searches every cell; type what to find.")
	}
	i := p.current()
	col := -1
	if fd := p.selectedField(); fd != nil && i >= 0 {
		col = p.fileColumn(fd.Key)
	}
	row, c, ok := p.file.Find(q, p.visible, i, col, back)
	if !ok {
		where := "in the file"
		if p.visible != nil {
			where = "in the " + p.filter.String() + " (f shows every row)"
		}
		return m.setStatus(sevInfo, strconv.Quote(q)+" is not "+where+".")
	}
	p.moveTo(row)
	header := p.file.Header()
	what := "column " + itoa(c+1)
	if c < len(header) && header[c] != "" {
		what = show(header[c])
	}
	for k, fd := range p.fields {
		if p.fileColumn(fd.Key) == c {
			p.col, p.colRow = k, row
			p.scrollColumns()
		}
	}
	return m.setStatus(sevInfo, strconv.Quote(q)+" found on line "+itoa(p.file.Line(row))+", "+what+"; ] next, [ previous.")
}

// fileColumn is the file column of the field key (-1 when absent).
func (p *previewScreen) fileColumn(key string) int {
	h := p.file.Column(key)
	for c, name := range p.file.Header() {
		if name == h && h != "" {
			return c
		}
	}
	return -1
}

// goToLine moves to the row that holds file line s.
func (m *Model) goToLine(s string) tea.Cmd {
	p := &m.preview
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return m.setStatus(sevWarn, "Type a line number (the Line column), like 120.")
	}
	i := p.file.RowAtLine(n)
	if i < 0 {
		return m.setStatus(sevInfo, "Line "+itoa(n)+" is the header; the rows start on line "+itoa(p.file.Line(0))+".")
	}
	dropped := p.reveal(i)
	text := "Line " + itoa(p.file.Line(i)) + "."
	if p.file.Line(i) != n {
		text = "Line " + itoa(n) + " is part of the row on line " + itoa(p.file.Line(i)) + " (or a blank line after it)."
	}
	if dropped {
		text += " The filter was off for it: every row is shown."
	}
	return m.setStatus(sevInfo, text)
}
