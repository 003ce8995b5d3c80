package ui

import (
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"usersync/csvfile"
	"usersync/sync/render"
)

// previewScreen shows the validated rows. The table is virtual: it draws
// only the rows on screen, reading cells from the csvfile.File as it goes,
// so a million rows cost no more per key than ten. Its keys are in
// preview_keys.go, its detail pane in preview_detail.go, search and line
// jumps in search.go, filters in filter.go and bulk fixes in bulk.go.
type previewScreen struct {
	file    *csvfile.File
	path    string // the file's path, readable while a save owns the file
	v       *csvfile.Validation
	ed      *csvfile.Editor // also holds which rows are excluded or deleted
	mapping map[string]string
	fields  []csvfile.Field // the columns shown, in schema order
	widths  []int

	problems []int // rows with any message, ascending (cached: edits refresh it)
	filter   rowFilter
	visible  []int // rows shown while filtering; nil shows every row
	cursor   int   // position among the rows shown
	offset   int   // first position drawn
	col      int   // selected field
	colFrom  int   // first field drawn after the pinned one
	pinned   int   // the identity field, always drawn; -1 when none
	// colRow is the row on which the operator chose the column (←/→); on
	// any other row, e edits the problem's column.
	colRow int

	editing bool
	input   textinput.Model

	search string // the last search, for ]/[

	// saving: a save is being written; the preview takes no edit until
	// it is committed (an edit meanwhile would not be in the file).
	saving  bool
	saveJob int
	saved   string // the .bak of the last save

	width, height, detailHeight int
}

// fileSavedMsg is the result of writing the fixed file back: Update
// commits it to the editor (the command only wrote a snapshot).
type fileSavedMsg struct {
	job    int
	result *csvfile.SaveResult
	err    error
}

const (
	statusColWidth = 3 // cursor marker, status symbol, space
	lineColWidth   = 7
	maxColWidth    = 32
	sampleRows     = 500
)

func newPreview(f *csvfile.File, v *csvfile.Validation, sess *Session, mapping map[string]string, isDark bool) previewScreen {
	p := previewScreen{file: f, v: v, ed: csvfile.NewEditor(f, v), path: f.Path(), mapping: mapping, colRow: -1}
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

// isShown reports whether file row i is in the table (for searches).
func (p *previewScreen) isShown(i int) bool {
	if p.visible == nil {
		return true
	}
	_, ok := slices.BinarySearch(p.visible, i)
	return ok
}

// tableRows is how many data rows fit under the counts and the header.
func (p *previewScreen) tableRows() int {
	if p.file == nil {
		return 1
	}
	return max(p.height-1-len(p.summaryLines(Styles{}, p.width)), 1)
}

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

// reveal puts the cursor on file row i, showing every row again when the
// filter hides it; it reports whether the filter was dropped.
func (p *previewScreen) reveal(i int) bool {
	dropped := false
	if !p.isShown(i) {
		p.visible, p.filter = nil, filterAll
		dropped = true
	}
	p.moveTo(i)
	return dropped
}

// nextProblem moves to the next (dir 1) or previous (dir -1) row with a
// message, wrapping around, and selects the problem's column.
func (p *previewScreen) nextProblem(dir int) bool {
	if len(p.problems) == 0 {
		return false
	}
	// A filter on: the next row it shows that still has a message.
	if n := len(p.visible); n > 0 && p.filter != filterAll {
		for k := 1; k <= n; k++ {
			pos := ((p.cursor+dir*k)%n + n) % n
			if i := p.visible[pos]; p.v.Row(i) != nil && !p.ed.IsExcluded(i) && !p.ed.IsDeleted(i) {
				p.cursor = pos
				p.scrollIntoView()
				p.selectProblemColumn(i)
				return true
			}
		}
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
	p.reveal(target)
	p.selectProblemColumn(target)
	return true
}

// problemColumn is the field of row i's first error (else warning) that
// the table shows, or -1.
func (p *previewScreen) problemColumn(i int) int {
	best, bestSev := -1, csvfile.Severity(-1)
	for _, msg := range p.v.Row(i) {
		for c, fd := range p.fields {
			if fd.Header == msg.Column && msg.Severity > bestSev {
				best, bestSev = c, msg.Severity
			}
		}
	}
	return best
}

// selectProblemColumn selects row i's problem column and scrolls it into
// view, whatever the width.
func (p *previewScreen) selectProblemColumn(i int) {
	if c := p.problemColumn(i); c >= 0 {
		p.col, p.colRow = c, -1
		p.scrollColumns()
	}
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

// fixFor picks the suggested message of row i: the selected column's,
// else the first with a fix.
func (p *previewScreen) fixFor(i int) *csvfile.Message {
	var first *csvfile.Message
	sel := p.selectedField()
	msgs := p.v.Row(i)
	for k := range msgs {
		msg := &msgs[k]
		if msg.Fix == nil {
			continue
		}
		if sel != nil && msg.Fix.Column == sel.Header {
			return msg
		}
		if first == nil {
			first = msg
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

// leftOut returns the rows the import leaves out: excluded, or deleted
// from the file on save.
func (p *previewScreen) leftOut() []int {
	out := append(p.ed.Exclusions(), p.ed.Deletions()...)
	slices.Sort(out)
	return out
}

// leftOutWhy says why each row the import leaves out is left out, in the
// words every front end shows (the plan's options carry them into the
// plan, the run's record and its report): deleted is not excluded.
func (p *previewScreen) leftOutWhy() map[int]string {
	why := map[int]string{}
	for _, i := range p.ed.Exclusions() {
		why[i] = render.Excluded
	}
	for _, i := range p.ed.Deletions() {
		why[i] = render.Deleted
	}
	return why
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
	return p.updateComponents(msg)
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
	b.WriteString(p.summaryLine(st, w) + "\n")
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
		if p.filter != filterAll {
			b.WriteString(st.OK.Render(" · none " + p.filter.String() + " (f shows the others)"))
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
	out := p.ed.IsExcluded(i) || p.ed.IsDeleted(i)
	mark := st.PaintOK.on("✓")
	switch {
	case p.ed.IsDeleted(i):
		mark = st.PaintMuted.on("−")
	case p.ed.IsExcluded(i):
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
		if sev, ok := bad[fd.Header]; ok && !out {
			if v == "" {
				cell = padCell("·", p.widths[c]) // a blank that a message is about
			}
			if sev == csvfile.Error {
				cell = st.PaintBad.on(cell)
			} else {
				cell = st.PaintWarn.on(cell)
			}
		} else if out {
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
