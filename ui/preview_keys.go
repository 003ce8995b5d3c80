package ui

import (
	"errors"
	"path/filepath"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"usersync/csvfile"
)

func (p previewScreen) bindings(k KeyMap) bindings {
	switch {
	case p.editing:
		return bindings{k.Edit.Accept, k.Edit.Cancel}
	}
	pk := k.Preview
	return bindings{pk.Continue, pk.NextProblem, pk.Edit, pk.Fix, pk.FixAll, pk.Undo, pk.Search, pk.NextMatch,
		pk.GoToLine, pk.Filter, pk.Exclude, pk.ExcludeAll, pk.Delete, pk.Fill, pk.Replace, pk.Mapping, pk.Save,
		pk.Up, pk.Down, pk.Left, pk.Right, pk.PageUp, pk.PageDown, pk.Top, pk.Bottom, k.Global.Back, k.Global.Quit}
}

func (m *Model) handlePreviewKey(msg tea.KeyPressMsg) tea.Cmd {
	p := &m.preview
	k := m.keys
	if key.Matches(msg, k.Global.Quit) {
		return m.quit()
	}
	switch {
	case p.editing:
		return m.handleEditKey(msg)
	}
	// A save writes a snapshot and is committed when it reports back; an
	// edit meanwhile would not be in the file.
	if p.saving {
		return m.setStatus(sevInfo, "Saving… a moment.")
	}
	pk := k.Preview
	switch {
	case key.Matches(msg, k.Global.Back):
		m.setState(ScreenFile)
		return nil
	case pk.ListKeys.Matches(msg):
		p.cursor = pk.Move(msg, p.cursor, p.tableRows(), p.shown())
	case key.Matches(msg, pk.Left):
		p.col, p.colRow = max(p.col-1, 0), p.current()
	case key.Matches(msg, pk.Right):
		p.col, p.colRow = min(p.col+1, max(len(p.fields)-1, 0)), p.current()
	case key.Matches(msg, pk.NextProblem):
		if !p.nextProblem(1) {
			return m.setStatus(sevOK, "No problems left in the file.")
		}
	case key.Matches(msg, pk.PrevProblem):
		if !p.nextProblem(-1) {
			return m.setStatus(sevOK, "No problems left in the file.")
		}
	case key.Matches(msg, pk.Filter):
		p.nextFilter()
	case key.Matches(msg, pk.Search):
		return m.openPreviewPrompt(promptSearch)
	case key.Matches(msg, pk.NextMatch):
		return m.searchPreview(p.search, false)
	case key.Matches(msg, pk.PrevMatch):
		return m.searchPreview(p.search, true)
	case key.Matches(msg, pk.GoToLine):
		return m.openPreviewPrompt(promptLine)
	case key.Matches(msg, pk.Edit):
		return p.startEdit()
	case key.Matches(msg, pk.Fix):
		return m.applyFix()
	case key.Matches(msg, pk.FixAll):
		return m.askFixAll()
	case key.Matches(msg, pk.Fill):
		return m.openPreviewPrompt(promptFill)
	case key.Matches(msg, pk.Replace):
		return m.openPreviewPrompt(promptReplace)
	case key.Matches(msg, pk.Delete):
		return m.deleteRow()
	case key.Matches(msg, pk.Undo):
		if !p.ed.Undo() {
			return m.setStatus(sevInfo, "Nothing to undo.")
		}
		p.refresh()
		p.scrollIntoView()
		return m.setStatus(sevInfo, "Undone.")
	case key.Matches(msg, pk.Save):
		return m.startSave(false)
	case key.Matches(msg, pk.Exclude):
		return m.toggleExclude()
	case key.Matches(msg, pk.ExcludeAll):
		return m.toggleExcludeInvalid()
	case key.Matches(msg, pk.Mapping):
		return m.startRemap()
	case key.Matches(msg, pk.Continue):
		if pending := p.errorRows(); len(pending) > 0 { // excluded rows are not among them
			m.openDialog(&question{kind: askExclude, yes: "exclude them and continue", no: "keep fixing", rows: pending, lines: []string{
				plural(len(pending), "row still has", "rows still have") + " errors (" + lineList(p.file, pending, 6) + ").",
				"They cannot be imported. Exclude them and continue to the dry run?"}})
			return nil
		}
		return m.startPlan()
	}
	p.scrollIntoView()
	return nil
}

// applyQuestionAnswered acts on the answer to the preview's question.
func (m *Model) applyQuestionAnswered(msg questionAnsweredMsg) tea.Cmd {
	p := &m.preview
	q, yes := msg.q, msg.yes
	rows, amsg := q.rows, q.msg
	switch q.kind {
	case askExclude:
		if !yes {
			// Keep fixing: a row with errors (the cursor's, else the next),
			// never a warning an x would then fix instead.
			target := rows[0]
			if k, _ := slices.BinarySearch(rows, p.current()); k < len(rows) {
				target = rows[k]
			}
			p.reveal(target)
			p.selectProblemColumn(target)
			return nil
		}
		p.ed.Exclude(rows, true)
		p.refresh()
		cmd := m.startPlan()
		return tea.Batch(cmd, m.setStatus(sevWarn, plural(len(rows), "row", "rows")+" with errors excluded from the import."))
	case askFixAll:
		if yes {
			return m.fixAll(amsg)
		}
	case askEncoding:
		if yes {
			return m.startSave(true)
		}
		return m.setStatus(sevInfo, "Not saved: the edits are still here; change the cell, or save as UTF-8.")
	}
	return nil
}

func (m *Model) toggleExclude() tea.Cmd {
	p := &m.preview
	i := p.current()
	if i < 0 {
		return nil
	}
	line := "Line " + itoa(p.file.Line(i))
	if p.ed.IsDeleted(i) {
		return m.setStatus(sevInfo, line+" is deleted (on save); u undoes the deletion.")
	}
	on := !p.ed.IsExcluded(i)
	p.ed.Exclude([]int{i}, on)
	p.refresh()
	if !on {
		return m.setStatus(sevInfo, line+" is back in the import.")
	}
	return m.setStatus(sevWarn, line+" excluded from the import (space again to include it).")
}

func (m *Model) toggleExcludeInvalid() tea.Cmd {
	p := &m.preview
	bad := p.errorRows()
	if len(bad) > 0 {
		p.ed.Exclude(bad, true)
		p.refresh()
		return m.setStatus(sevWarn, plural(len(bad), "row", "rows")+" with errors excluded from the import (X again includes them).")
	}
	// Excluded rows with errors come back in (they will be skipped, and
	// listed, unless fixed).
	var back []int
	for _, i := range p.ed.Exclusions() {
		if !p.v.OK(i) {
			back = append(back, i)
		}
	}
	if len(back) == 0 {
		return m.setStatus(sevOK, "No row has errors.")
	}
	p.ed.Exclude(back, false)
	p.refresh()
	return m.setStatus(sevInfo, plural(len(back), "row", "rows")+" with errors included again (they will be skipped, and listed, unless fixed).")
}

// startEdit edits the selected cell; on a row with a problem, unless the
// operator chose a column on this row, the problem's column.
func (p *previewScreen) startEdit() tea.Cmd {
	i := p.current()
	if i < 0 || len(p.fields) == 0 {
		return nil
	}
	if p.colRow != i {
		if c := p.problemColumn(i); c >= 0 && !p.cellHasMessage(i, p.col) {
			p.col = c
		}
	}
	p.scrollColumns()
	fd := p.selectedField()
	p.editing = true
	p.input.SetValue(p.file.Raw(i, fd.Key))
	p.input.CursorEnd()
	return p.input.Focus()
}

// cellHasMessage reports whether a message of row i is about field c.
func (p *previewScreen) cellHasMessage(i, c int) bool {
	for _, msg := range p.v.Row(i) {
		if msg.Column == p.fields[c].Header {
			return true
		}
	}
	return false
}

func (m *Model) handleEditKey(msg tea.KeyPressMsg) tea.Cmd {
	p := &m.preview
	switch {
	case key.Matches(msg, m.keys.Edit.Cancel):
		p.editing = false
		p.input.Blur()
		return nil
	case key.Matches(msg, m.keys.Edit.Accept):
		p.editing = false
		p.input.Blur()
		i, fd := p.current(), p.selectedField()
		if err := p.ed.Set(i, fd.Key, p.input.Value()); err != nil {
			return m.setStatus(sevError, "Could not set "+fd.Header+": "+err.Error())
		}
		p.refresh()
		return m.setStatus(rowSeverity(p.v, i), p.rowVerdict(i, fd.Header+" set"))
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

// currentFix is the selected row and its suggested fix (fixFor); when
// there is none, msg is nil and cmd says so.
func (m *Model) currentFix() (i int, msg *csvfile.Message, cmd tea.Cmd) {
	p := &m.preview
	i = p.current()
	if i < 0 {
		return i, nil, nil
	}
	if msg = p.fixFor(i); msg == nil {
		return i, nil, m.setStatus(sevInfo, "No suggested fix for line "+itoa(p.file.Line(i))+"; e edits the cell.")
	}
	return i, msg, nil
}

func (m *Model) applyFix() tea.Cmd {
	p := &m.preview
	i, msg, cmd := m.currentFix()
	if msg == nil {
		return cmd
	}
	fix := *msg.Fix
	if err := p.ed.ApplyFix(i, fix); err != nil {
		return m.setStatus(sevError, "Could not apply the fix: "+err.Error())
	}
	for c, fd := range p.fields {
		if fd.Header == fix.Column {
			p.col = c
		}
	}
	p.refresh()
	p.scrollColumns()
	return m.setStatus(rowSeverity(p.v, i), p.rowVerdict(i, "Fixed: "+fix.Label))
}

func rowSeverity(v *csvfile.Validation, i int) severity {
	switch {
	case !v.OK(i):
		return sevWarn
	default:
		return sevOK
	}
}

// rowVerdict says what the row's revalidation found.
func (p *previewScreen) rowVerdict(i int, what string) string {
	msgs := p.v.Row(i)
	line := "line " + itoa(p.file.Line(i))
	if len(msgs) == 0 {
		return what + "; " + line + " is valid now."
	}
	errs := 0
	for _, m := range msgs {
		if m.Severity == csvfile.Error {
			errs++
		}
	}
	if errs == 0 {
		return what + "; " + line + " has " + plural(len(msgs), "warning", "warnings") + " left."
	}
	return what + "; " + line + " still has " + plural(errs, "error", "errors") + "."
}

// startSave writes the file back in a command; asUTF8 saves a file whose
// encoding cannot hold an edit as UTF-8 with a BOM (the operator agreed).
// The command writes a snapshot of the rows and computes the file's state
// after the save on it; applyFileSaved commits that state, so no goroutine
// but Update's ever changes the rows.
func (m *Model) startSave(asUTF8 bool) tea.Cmd {
	p := &m.preview
	if !p.ed.Dirty() {
		return m.setStatus(sevInfo, "No changes to save.")
	}
	enc := ""
	if asUTF8 {
		enc = csvfile.EncUTF8BOM
	}
	pending, err := p.ed.PrepareSave(enc)
	if err != nil {
		return m.setStatus(sevError, "Not saved: "+err.Error())
	}
	p.saving = true
	job := m.nextJob()
	p.saveJob = job
	return func() tea.Msg {
		r, err := pending.Write()
		return fileSavedMsg{job: job, result: r, err: err}
	}
}

func (m *Model) applyFileSaved(msg fileSavedMsg) tea.Cmd {
	p := &m.preview
	if msg.job != p.saveJob {
		return nil
	}
	p.saving = false
	if msg.err != nil {
		var ee *csvfile.EncodingError
		if errors.As(msg.err, &ee) {
			m.openDialog(&question{kind: askEncoding, yes: "save as UTF-8", no: "not now", lines: []string{
				"Line " + itoa(ee.Line) + ", " + ee.Column + " holds " + quoteRune(ee.Char) + ", which " + ee.Encoding + " cannot store.",
				"Save the file as UTF-8 (with a BOM, which spreadsheets read) instead of " + ee.Encoding + "?"}})
			return nil
		}
		return m.setStatus(sevError, "Not saved: "+msg.err.Error())
	}
	if err := p.ed.Commit(msg.result); err != nil {
		return m.setStatus(sevError, "Not saved: "+err.Error())
	}
	p.saved = msg.result.Backup
	// Deleted rows are gone from the file: the rows after them moved up.
	p.refresh()
	if p.filter != filterAll {
		p.setFilter(p.filter)
	}
	p.scrollIntoView()
	text := "Saved " + filepath.Base(p.file.Path())
	if p.saved != "" {
		text += "; the original is kept as " + filepath.Base(p.saved)
	}
	return m.setStatus(sevOK, text+".")
}

// The preview as a page of the root model.

func (p *previewScreen) handleKey(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	return m.handlePreviewKey(msg)
}
func (p *previewScreen) handlePaste(msg tea.PasteMsg) tea.Cmd { return p.paste(msg) }
func (p *previewScreen) body(m *Model, l Layout) string       { return p.view(m.styles, l.Width, l.Body) }
func (p *previewScreen) detail(m *Model, dlg dialog, l Layout) string {
	return p.detailView(m.styles, dlg, l.Width, l.Detail)
}
func (p *previewScreen) hasDetail() bool            { return true }
func (p *previewScreen) keys(m *Model) bindings     { return p.bindings(m.keys) }
func (p *previewScreen) textEntry() bool            { return p.editing }
func (p *previewScreen) title() string              { return "" }
func (p *previewScreen) resize(w, body, detail int) { p.setSize(w, body, detail) }
