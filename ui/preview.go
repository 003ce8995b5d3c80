package ui

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"usersync/csvfile"
)

// previewScreen shows the validated rows. The table is virtual: it draws
// only the rows on screen, reading cells from the csvfile.File as it goes,
// so a million rows cost no more per key than ten.
type previewScreen struct {
	file    *csvfile.File
	path    string // the file's path, readable while a save owns the file
	v       *csvfile.Validation
	ed      *csvfile.Editor
	mapping map[string]string
	fields  []csvfile.Field // the columns shown, in schema order
	widths  []int

	problems []int // rows with any message, ascending (cached: edits refresh it)
	filter   bool
	visible  []int // rows shown while filtering; nil shows every row
	cursor   int   // position among the rows shown
	offset   int   // first position drawn
	col      int   // selected field
	colFrom  int   // first field drawn after the pinned one
	pinned   int   // the identity field, always drawn; -1 when none

	excluded map[int]bool

	editing bool
	input   textinput.Model

	saving  bool
	saveJob int
	readers int    // plan jobs still reading the file (they cannot be stopped)
	saved   string // the .bak of the last save

	confirmExclude []int // rows with errors, while asking whether to exclude them

	width, height, detailHeight int
}

// fileSavedMsg is the result of writing the fixed file back.
type fileSavedMsg struct {
	job int
	bak string
	err error
}

const (
	statusColWidth = 3 // cursor marker, status symbol, space
	lineColWidth   = 7
	maxColWidth    = 32
	sampleRows     = 500
)

func newPreview(f *csvfile.File, v *csvfile.Validation, sess *Session, mapping map[string]string, isDark bool) previewScreen {
	p := previewScreen{file: f, v: v, ed: csvfile.NewEditor(f, v), path: f.Path(), mapping: mapping, excluded: map[int]bool{}}
	for _, fd := range f.Schema().Fields {
		if f.Has(fd.Key) || fd.Required {
			p.fields = append(p.fields, fd)
		}
	}
	// Column widths from the header and a sample of rows: stable while
	// scrolling, and cheap however long the file is.
	p.widths = make([]int, len(p.fields))
	for c, fd := range p.fields {
		w := lipgloss.Width(fd.Header)
		if fd.Required {
			w++ // the "*" that marks it
		}
		for i := 0; i < f.Len() && i < sampleRows; i++ {
			w = max(w, lipgloss.Width(show(strings.TrimSpace(f.Raw(i, fd.Key)))))
		}
		p.widths[c] = min(max(w, 5), maxColWidth)
	}
	p.pinned = -1
	for c, fd := range p.fields {
		if fd.Identity {
			p.pinned = c
		}
	}
	p.problems = v.Problems()
	p.input = textinput.New()
	p.input.Prompt = ""
	p.input.CharLimit = 1 << 16
	p.setStyles(isDark)
	return p
}

func (p *previewScreen) setStyles(isDark bool) {
	p.input.SetStyles(textinput.DefaultStyles(isDark))
}

func (p *previewScreen) setSize(w, body, detail int) {
	p.width, p.height, p.detailHeight = w, body, detail
	p.input.SetWidth(max(w-30, 10))
	p.scrollIntoView()
}

// shown is the number of rows the table can move through.
func (p *previewScreen) shown() int {
	if p.visible != nil {
		return len(p.visible)
	}
	if p.file == nil {
		return 0
	}
	return p.file.Len()
}

// rowAt maps a position in the table to a file row.
func (p *previewScreen) rowAt(pos int) int {
	if p.visible != nil {
		return p.visible[pos]
	}
	return pos
}

// current is the file row under the cursor, or -1 when none.
func (p *previewScreen) current() int {
	if p.shown() == 0 {
		return -1
	}
	return p.rowAt(p.cursor)
}

// tableRows is how many data rows fit under the table header.
func (p *previewScreen) tableRows() int { return max(p.height-2, 1) }

func (p *previewScreen) scrollIntoView() {
	n := p.shown()
	p.cursor = min(max(p.cursor, 0), max(n-1, 0))
	rows := p.tableRows()
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+rows {
		p.offset = p.cursor - rows + 1
	}
	p.offset = min(max(p.offset, 0), max(n-rows, 0))
	p.scrollColumns()
}

// scrollColumns moves the first drawn field so the selected one shows.
func (p *previewScreen) scrollColumns() {
	if len(p.fields) == 0 {
		return
	}
	p.col = min(max(p.col, 0), len(p.fields)-1)
	if p.col == p.pinned {
		return // always drawn
	}
	if p.col < p.colFrom {
		p.colFrom = p.col
	}
	for p.colFrom < p.col && !slices.Contains(p.drawn(p.colFrom), p.col) {
		p.colFrom++
	}
}

// moveTo puts the cursor on file row i, if it is shown.
func (p *previewScreen) moveTo(i int) {
	if p.visible == nil {
		p.cursor = i
	} else if pos, ok := slices.BinarySearch(p.visible, i); ok {
		p.cursor = pos
	}
	p.scrollIntoView()
}

// nextProblem moves to the next (dir 1) or previous (dir -1) row with a
// message, wrapping around.
func (p *previewScreen) nextProblem(dir int) bool {
	if len(p.problems) == 0 {
		return false
	}
	cur := p.current()
	pos, found := slices.BinarySearch(p.problems, cur)
	var target int
	if dir > 0 {
		if found {
			pos++
		}
		target = p.problems[pos%len(p.problems)]
	} else {
		target = p.problems[(pos-1+len(p.problems))%len(p.problems)]
	}
	if p.visible != nil {
		if _, ok := slices.BinarySearch(p.visible, target); !ok {
			p.visible = nil // a new problem outside the filter: show everything
			p.filter = false
		}
	}
	p.moveTo(target)
	return true
}

// toggleFilter shows only rows with messages, or every row again.
func (p *previewScreen) toggleFilter() {
	cur := p.current()
	p.filter = !p.filter
	if p.filter {
		p.visible = slices.Clone(p.problems)
		if p.visible == nil {
			p.visible = []int{}
		}
		p.cursor = 0
		if pos, _ := slices.BinarySearch(p.visible, max(cur, 0)); pos < len(p.visible) {
			p.cursor = pos
		}
	} else {
		p.visible = nil
		p.cursor = max(cur, 0)
	}
	p.offset = 0
	p.scrollIntoView()
}

// refresh re-reads the problem list after an edit. A filtered view keeps
// its rows, so a row just fixed stays under the cursor.
func (p *previewScreen) refresh() {
	p.problems = p.v.Problems()
}

func (p *previewScreen) selectedField() *csvfile.Field {
	if len(p.fields) == 0 {
		return nil
	}
	return &p.fields[p.col]
}

// fixFor picks the suggested fix of row i: the selected column's, else the first.
func (p *previewScreen) fixFor(i int) *csvfile.Fix {
	var first *csvfile.Fix
	sel := p.selectedField()
	for _, msg := range p.v.Row(i) {
		if msg.Fix == nil {
			continue
		}
		if sel != nil && msg.Fix.Column == sel.Header {
			return msg.Fix
		}
		if first == nil {
			first = msg.Fix
		}
	}
	return first
}

func (p *previewScreen) errorRows() []int {
	var out []int
	for _, i := range p.problems {
		if !p.v.OK(i) {
			out = append(out, i)
		}
	}
	return out
}

// Exclusions returns the excluded rows, ascending.
func (p *previewScreen) exclusions() []int {
	out := make([]int, 0, len(p.excluded))
	for i := range p.excluded {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

func (p *previewScreen) updateComponents(msg tea.Msg) tea.Cmd {
	if !p.editing {
		return nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

func (p *previewScreen) paste(msg tea.PasteMsg) tea.Cmd {
	if !p.editing {
		return nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

func (p previewScreen) bindings(k KeyMap) bindings {
	switch {
	case p.editing:
		return bindings{k.Edit.Accept, k.Edit.Cancel}
	case p.confirmExclude != nil:
		return bindings{k.Confirm.Yes, k.Confirm.No}
	}
	return bindings{k.Preview.Continue, k.Preview.NextProblem, k.Preview.Edit, k.Preview.Fix, k.Preview.Undo,
		k.Preview.Filter, k.Preview.Exclude, k.Preview.ExcludeAll, k.Preview.Save, k.Preview.Left,
		k.Preview.Down, k.Global.Back, k.Global.Quit}
}

func (m *Model) handlePreviewKey(msg tea.KeyPressMsg) tea.Cmd {
	p := &m.preview
	k := m.keys
	if key.Matches(msg, k.Global.Quit) {
		return m.quit()
	}
	if p.editing {
		return m.handleEditKey(msg)
	}
	if p.confirmExclude != nil {
		switch {
		case key.Matches(msg, k.Confirm.Yes):
			for _, i := range p.confirmExclude {
				p.excluded[i] = true
			}
			n := len(p.confirmExclude)
			p.confirmExclude = nil
			return tea.Batch(m.setStatus(sevWarn, plural(n, "row", "rows")+" with errors excluded from the import."), m.startPlan())
		case key.Matches(msg, k.Confirm.No):
			p.confirmExclude = nil
			p.nextProblem(1)
		}
		return nil
	}
	// Saving rewrites the file and renumbers its rows: nothing may read it
	// meanwhile. The plan job reads it: no edits until it is done.
	if p.saving {
		return m.setStatus(sevInfo, "Saving… a moment.")
	}
	editing := key.Matches(msg, k.Preview.Edit, k.Preview.Fix, k.Preview.Undo, k.Preview.Save)
	if editing && p.readers > 0 {
		return m.setStatus(sevWarn, "Wait a moment: the file is being read.")
	}
	switch {
	case key.Matches(msg, k.Global.Back):
		m.setState(ScreenFile)
		return nil
	case key.Matches(msg, k.Preview.Up):
		p.cursor--
	case key.Matches(msg, k.Preview.Down):
		p.cursor++
	case key.Matches(msg, k.Preview.PageUp):
		p.cursor -= p.tableRows()
	case key.Matches(msg, k.Preview.PageDown):
		p.cursor += p.tableRows()
	case key.Matches(msg, k.Preview.Top):
		p.cursor = 0
	case key.Matches(msg, k.Preview.Bottom):
		p.cursor = p.shown() - 1
	case key.Matches(msg, k.Preview.Left):
		p.col = max(p.col-1, 0)
	case key.Matches(msg, k.Preview.Right):
		p.col = min(p.col+1, max(len(p.fields)-1, 0))
	case key.Matches(msg, k.Preview.NextProblem):
		if !p.nextProblem(1) {
			return m.setStatus(sevOK, "No problems left in the file.")
		}
	case key.Matches(msg, k.Preview.PrevProblem):
		if !p.nextProblem(-1) {
			return m.setStatus(sevOK, "No problems left in the file.")
		}
	case key.Matches(msg, k.Preview.Filter):
		p.toggleFilter()
	case key.Matches(msg, k.Preview.Edit):
		return p.startEdit()
	case key.Matches(msg, k.Preview.Fix):
		return m.applyFix()
	case key.Matches(msg, k.Preview.Undo):
		if !p.ed.Undo() {
			return m.setStatus(sevInfo, "Nothing to undo.")
		}
		p.refresh()
		return m.setStatus(sevInfo, "Undone.")
	case key.Matches(msg, k.Preview.Save):
		return m.startSave()
	case key.Matches(msg, k.Preview.Exclude):
		i := p.current()
		if i < 0 {
			return nil
		}
		if p.excluded[i] {
			delete(p.excluded, i)
			return m.setStatus(sevInfo, "Line "+itoa(p.file.Line(i))+" is back in the import.")
		}
		p.excluded[i] = true
		return m.setStatus(sevWarn, "Line "+itoa(p.file.Line(i))+" excluded from the import (space again to include it).")
	case key.Matches(msg, k.Preview.ExcludeAll):
		return m.toggleExcludeInvalid()
	case key.Matches(msg, k.Preview.Continue):
		var pending []int
		for _, i := range p.errorRows() {
			if !p.excluded[i] {
				pending = append(pending, i)
			}
		}
		if len(pending) > 0 {
			p.confirmExclude = pending
			return nil
		}
		return m.startPlan()
	}
	p.scrollIntoView()
	return nil
}

func (m *Model) toggleExcludeInvalid() tea.Cmd {
	p := &m.preview
	bad := p.errorRows()
	if len(bad) == 0 {
		return m.setStatus(sevOK, "No row has errors.")
	}
	all := true
	for _, i := range bad {
		all = all && p.excluded[i]
	}
	for _, i := range bad {
		if all {
			delete(p.excluded, i)
		} else {
			p.excluded[i] = true
		}
	}
	if all {
		return m.setStatus(sevInfo, plural(len(bad), "row", "rows")+" with errors included again (they will be skipped, and listed, unless fixed).")
	}
	return m.setStatus(sevWarn, plural(len(bad), "row", "rows")+" with errors excluded from the import.")
}

func (p *previewScreen) startEdit() tea.Cmd {
	i, fd := p.current(), p.selectedField()
	if i < 0 || fd == nil {
		return nil
	}
	p.editing = true
	p.input.SetValue(p.file.Raw(i, fd.Key))
	p.input.CursorEnd()
	return p.input.Focus()
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

func (m *Model) applyFix() tea.Cmd {
	p := &m.preview
	i := p.current()
	if i < 0 {
		return nil
	}
	fix := p.fixFor(i)
	if fix == nil {
		return m.setStatus(sevInfo, "No suggested fix for line "+itoa(p.file.Line(i))+"; e edits the cell.")
	}
	if err := p.ed.ApplyFix(i, *fix); err != nil {
		return m.setStatus(sevError, "Could not apply the fix: "+err.Error())
	}
	for c, fd := range p.fields {
		if fd.Header == fix.Column {
			p.col = c
		}
	}
	p.refresh()
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

func (m *Model) startSave() tea.Cmd {
	p := &m.preview
	if !p.ed.Dirty() {
		return m.setStatus(sevInfo, "No changes to save.")
	}
	p.saving = true
	job := m.nextJob()
	p.saveJob = job
	ed := p.ed
	return func() tea.Msg {
		bak, err := ed.Save()
		return fileSavedMsg{job: job, bak: bak, err: err}
	}
}

func (m *Model) applyFileSaved(msg fileSavedMsg) tea.Cmd {
	p := &m.preview
	if msg.job != p.saveJob {
		return nil
	}
	p.saving = false
	if msg.err != nil {
		var fe *csvfile.FileError
		if errors.As(msg.err, &fe) {
			return m.setStatus(sevError, "Not saved: "+fe.Error())
		}
		return m.setStatus(sevError, "Not saved: "+msg.err.Error())
	}
	p.saved = msg.bak
	text := "Saved " + filepath.Base(p.file.Path())
	if msg.bak != "" {
		text += "; the original is kept as " + filepath.Base(msg.bak)
	}
	return m.setStatus(sevOK, text+".")
}

// counts for the title line.
func (p previewScreen) summaryLine(st Styles) string {
	v := p.v
	parts := []string{st.Text.Render(plural(p.file.Len(), "row", "rows"))}
	if e := v.Errors(); e > 0 {
		parts = append(parts, st.Bad.Render("✗ "+plural(e, "error", "errors")+" in "+plural(v.RowsWithErrors(), "row", "rows")))
	} else {
		parts = append(parts, st.OK.Render("✓ no errors"))
	}
	if w := v.Warnings(); w > 0 {
		parts = append(parts, st.Warn.Render("! "+plural(w, "warning", "warnings")))
	}
	if n := len(p.excluded); n > 0 {
		parts = append(parts, st.Muted.Render("⊘ "+count(n)+" excluded"))
	}
	if p.filter {
		parts = append(parts, st.Accent.Render("filter: problems only ("+count(len(p.visible))+")"))
	}
	if p.ed != nil && p.ed.Dirty() {
		parts = append(parts, st.Warn.Render("● unsaved edits"))
	}
	return " " + strings.Join(parts, st.Muted.Render(" · "))
}

// drawn returns the fields drawn, in order: as many as fit the width from
// the first one given (at least one, cut when too wide). Once the table is
// scrolled past the identity column, that column is pinned first, so every
// row still shows whose it is.
func (p *previewScreen) drawn(from int) []int {
	room := p.width - statusColWidth - lineColWidth
	var out []int
	pin := p.pinned >= 0 && from > p.pinned
	if pin {
		out = append(out, p.pinned)
		room -= p.widths[p.pinned] + 1
	}
	used := 0
	for c := from; c < len(p.fields); c++ {
		if used+p.widths[c]+1 > room && len(out) > 0 && !(pin && len(out) == 1) {
			break
		}
		used += p.widths[c] + 1
		out = append(out, c)
	}
	return out
}

func (p previewScreen) view(st Styles, w, h int) string {
	if p.file == nil {
		return ""
	}
	if p.saving {
		// The save owns the file until it reports back.
		return "\n  " + st.Text.Render("Saving "+filepath.Base(p.path)+"…")
	}
	var b strings.Builder
	b.WriteString(p.summaryLine(st) + "\n")
	cols := p.drawn(p.colFrom)
	// Header.
	hdr := padRight("", statusColWidth) + padRight("Line", lineColWidth)
	for _, c := range cols {
		name := p.fields[c].Header
		if p.fields[c].Required {
			name += "*"
		}
		cell := padCell(name, p.widths[c])
		if c == p.col {
			cell = st.SelectedCell.Render(cell)
		} else {
			cell = st.HeaderCell.Render(cell)
		}
		hdr += " " + cell
	}
	b.WriteString(hdr)
	rows := p.tableRows()
	n := p.shown()
	if n == 0 {
		b.WriteString("\n" + st.Muted.Render("  no rows to show"))
		if p.filter {
			b.WriteString(st.OK.Render(" · no problems left (f shows every row)"))
		}
		return b.String()
	}
	for pos := p.offset; pos < n && pos < p.offset+rows; pos++ {
		i := p.rowAt(pos)
		b.WriteString("\n" + p.renderRow(st, i, pos == p.cursor, cols, w))
	}
	return b.String()
}

// renderRow draws one file row; cells a message names are marked.
func (p *previewScreen) renderRow(st Styles, i int, selected bool, cols []int, w int) string {
	msgs := p.v.Row(i)
	var bad map[string]csvfile.Severity
	for _, m := range msgs {
		if bad == nil {
			bad = map[string]csvfile.Severity{}
		}
		if s, ok := bad[m.Column]; !ok || m.Severity > s {
			bad[m.Column] = m.Severity
		}
	}
	mark := st.PaintOK.on("✓")
	switch {
	case p.excluded[i]:
		mark = st.PaintMuted.on("⊘")
	case !p.v.OK(i):
		mark = st.PaintBad.on("✗")
	case len(msgs) > 0:
		mark = st.PaintWarn.on("!")
	}
	var b strings.Builder
	b.Grow(w + 64)
	// The cursor is drawn as a character too, so it shows without colour.
	if selected {
		b.WriteString(st.PaintFocused.on("›"))
	} else {
		b.WriteString(" ")
	}
	b.WriteString(mark + " ")
	b.WriteString(st.PaintMuted.on(padRight(itoa(p.file.Line(i)), lineColWidth)))
	for _, c := range cols {
		fd := p.fields[c]
		v := show(strings.TrimSpace(p.file.Raw(i, fd.Key)))
		cell := padCell(v, p.widths[c])
		if sev, ok := bad[fd.Header]; ok {
			if v == "" {
				cell = padCell("␀", p.widths[c]) // a blank that a message is about
			}
			if sev == csvfile.Error {
				cell = st.PaintBad.on(cell)
			} else {
				cell = st.PaintWarn.on(cell)
			}
		} else if p.excluded[i] {
			cell = st.PaintMuted.on(cell)
		}
		if selected && c == p.col {
			cell = st.PaintSelCell.on(ansi.Strip(cell))
		}
		b.WriteString(" " + cell)
	}
	line := b.String()
	if selected {
		line = st.SelectedRow.Render(padVisible(line, w))
	}
	return line
}

// detailView lists every message of the selected row, or the cell editor.
func (p previewScreen) detailView(st Styles, w, h int) string {
	if p.file == nil || p.saving {
		return ""
	}
	var lines []string
	i := p.current()
	title := "Details"
	if i >= 0 {
		title = "Line " + itoa(p.file.Line(i))
		if p.excluded[i] {
			title += " (excluded)"
		}
	}
	lines = append(lines, st.Pane.Width(w).Render(st.Label.Render(title)))
	switch {
	case p.editing:
		fd := p.selectedField()
		lines = append(lines, st.Focused.Render(" Edit "+fd.Header+": ")+p.input.View(),
			st.Muted.Render(" enter sets the cell and revalidates the row; esc cancels"))
	case p.confirmExclude != nil:
		lines = append(lines,
			st.Warn.Render(" "+plural(len(p.confirmExclude), "row still has", "rows still have")+" errors ("+lineList(p.file, p.confirmExclude, 6)+")."),
			st.Text.Render(" They cannot be imported. Exclude them and continue to the dry run?"),
			st.Focused.Render(" y")+st.Text.Render(" exclude them and continue   ")+st.Focused.Render("n")+st.Text.Render(" keep fixing"))
	case i >= 0:
		msgs := p.v.Row(i)
		if len(msgs) == 0 {
			lines = append(lines, st.OK.Render(" ✓ no problems in this row"))
			if ws := p.file.Warnings(); len(ws) > 0 {
				lines = append(lines, st.Muted.Render(" File: "+show(ws[0].Text)))
			}
		}
		for _, msg := range msgs {
			lines = append(lines, messageLine(st, msg))
		}
	}
	return strings.Join(lines, "\n")
}

func messageLine(st Styles, msg csvfile.Message) string {
	icon, style := "!", st.Warn
	if msg.Severity == csvfile.Error {
		icon, style = "✗", st.Bad
	}
	s := " " + style.Render(icon+" "+show(msg.Column)) + st.Text.Render(": "+show(msg.Text))
	if msg.Fix != nil {
		s += "\n   " + st.Accent.Render("x: "+show(msg.Fix.Label))
	}
	return s
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

// padCell fits s into exactly w columns.
func padCell(s string, w int) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	sw := textWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

// textWidth is the display width of unstyled s; plain ASCII, the common
// case, is counted without grapheme segmentation.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 {
			return lipgloss.Width(s)
		}
	}
	return len(s)
}

// padVisible pads a styled line to w columns.
func padVisible(s string, w int) string {
	if vw := lipgloss.Width(s); vw < w {
		return s + strings.Repeat(" ", w-vw)
	}
	return s
}
