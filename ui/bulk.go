package ui

import (
	"strconv"

	tea "charm.land/bubbletea/v2"

	"usersync/csvfile"
)

// Fixes in bulk: each is one step of the editor (u undoes it whole) and
// revalidates every row it changed.

// askFixAll counts the rows with the same problem as the selected row's
// fix and asks before fixing them all.
func (m *Model) askFixAll() tea.Cmd {
	p := &m.preview
	_, msg, cmd := m.currentFix()
	if msg == nil {
		return cmd
	}
	rows := p.v.SameProblem(*msg)
	if len(rows) <= 1 {
		return m.applyFix()
	}
	m.openDialog(&question{kind: askFixAll, yes: "fix them all", no: "not now", msg: *msg, lines: []string{
		plural(len(rows), "row has", "rows have") + " this problem in " + show(msg.Column) + " (" + lineList(p.file, rows, 5) + "): " + show(msg.Text),
		"Apply " + strconv.Quote(show(msg.Fix.Label)) + " to all of them? Each row gets its own fixed cell; u undoes them all at once."}})
	return nil
}

func (m *Model) fixAll(msg csvfile.Message) tea.Cmd {
	p := &m.preview
	n, err := p.ed.ApplyFixAll(msg)
	p.refresh()
	if err != nil {
		return m.setStatus(sevError, "Fixed "+plural(n, "row", "rows")+", then: "+err.Error())
	}
	return m.setStatus(sevOK, "Fixed "+plural(n, "row", "rows")+": "+msg.Fix.Label+" (u undoes all of them). "+p.errorsLeft())
}

// shownRows are the file rows the table shows (every row, or the filter's).
func (p *previewScreen) shownRows() []int {
	if p.visible != nil {
		return append([]int(nil), p.visible...)
	}
	rows := make([]int, p.file.Len())
	for i := range rows {
		rows[i] = i
	}
	return rows
}

func (m *Model) fillColumn(value string) tea.Cmd {
	p := &m.preview
	fd := p.selectedField()
	n, err := p.ed.Fill(p.shownRows(), fd.Key, value)
	p.refresh()
	if err != nil {
		return m.setStatus(sevError, "Could not fill "+fd.Header+": "+err.Error())
	}
	if n == 0 {
		return m.setStatus(sevInfo, "Every row shown already has "+strconv.Quote(value)+" in "+fd.Header+".")
	}
	return m.setStatus(sevOK, fd.Header+" set in "+plural(n, "row", "rows")+" (u undoes it). "+p.errorsLeft())
}

func (m *Model) replaceInColumn(find, with string) tea.Cmd {
	p := &m.preview
	fd := p.selectedField()
	if find == "" {
		return m.setStatus(sevInfo, "Nothing to find: type the text to replace.")
	}
	n, err := p.ed.Replace(p.shownRows(), fd.Key, find, with)
	p.refresh()
	if err != nil {
		return m.setStatus(sevError, "Replaced in "+plural(n, "row", "rows")+", then: "+err.Error())
	}
	if n == 0 {
		return m.setStatus(sevInfo, strconv.Quote(find)+" is in no "+fd.Header+" cell shown.")
	}
	return m.setStatus(sevOK, strconv.Quote(find)+" replaced in "+plural(n, fd.Header+" cell", fd.Header+" cells")+" (u undoes it). "+p.errorsLeft())
}

// deleteRow marks the selected row to be left out of the file when saved.
func (m *Model) deleteRow() tea.Cmd {
	p := &m.preview
	i := p.current()
	if i < 0 {
		return nil
	}
	if p.ed.IsDeleted(i) {
		return m.setStatus(sevInfo, "Line "+itoa(p.file.Line(i))+" is already deleted; u undoes it.")
	}
	if err := p.ed.Delete(i); err != nil {
		return m.setStatus(sevError, err.Error())
	}
	p.refresh()
	return m.setStatus(sevWarn, "Line "+itoa(p.file.Line(i))+" will be deleted from the file when it is saved (ctrl+s); u undoes it. (space only leaves a row out of this import.)")
}

// errorsLeft says how many rows still have errors.
func (p *previewScreen) errorsLeft() string {
	if n := p.v.RowsWithErrors(); n > 0 {
		return plural(n, "row still has", "rows still have") + " errors."
	}
	return "No errors left."
}
