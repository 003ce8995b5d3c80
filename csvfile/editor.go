package csvfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Editor changes cells of a File one at a time, keeps its Validation
// current without a full pass, undoes, and saves the file back.
type Editor struct {
	f     *File
	v     *Validation
	undo  []edit
	seq   uint64 // id of the latest edit ever made
	clean uint64 // id of the edit the file on disk matches (0: none)
	// disk holds, for a Source's file, what each cell touched since the
	// last save holds on disk; a cell not in it is as on disk.
	disk map[[2]int]string
}

// edit is one change, with what undoing it needs. Edits made by one bulk
// operation share a step, and Undo reverts a whole step.
type edit struct {
	id       uint64
	step     uint64
	deleted  bool     // the edit deleted row (col and old unused)
	oldState rowState // the row's state before it was deleted
	row, col int
	old      string
	oldFirst uint32 // the row's cell run before the edit (it moves when a short row grows)
	oldN     uint32
	note     string // what the reader had noticed about the old cell
	hadNote  bool
}

// NewEditor edits f, keeping v (a Validation of f) current.
func NewEditor(f *File, v *Validation) *Editor { return &Editor{f: f, v: v} }

// Set replaces the cell of row i for the field key and revalidates that row
// and the rows whose same-email status changes.
func (e *Editor) Set(i int, key, value string) error {
	f := e.f
	if i < 0 || i >= len(f.rows) {
		return fmt.Errorf("set %s: no row %d (the file has %d)", key, i, len(f.rows))
	}
	fi, ok := f.field(key)
	if !ok {
		return fmt.Errorf("set %s: %s has no such field", key, targetName(f.schema))
	}
	col := f.fieldCol[fi]
	if col < 0 {
		return fmt.Errorf("set %s: the file has no %s column", key, quote(f.schema.Fields[fi].Header))
	}
	if len(value) > MaxCell {
		return fmt.Errorf("set %s on line %d: the value is longer than 1 MiB", key, f.Line(i))
	}
	e.setCell(i, col, value, e.seq+1)
	return nil
}

// setCell changes one cell as part of step (a new id when it is the next
// one) and revalidates; false when the cell already held value.
func (e *Editor) setCell(i, col int, value string, step uint64) bool {
	f := e.f
	if f.cell(i, col) == value {
		return false
	}
	r := f.rows[i]
	ed := edit{row: i, col: col, old: f.cell(i, col), oldFirst: r.first, oldN: r.n, step: step}
	ed.note, ed.hadNote = f.notes[[2]int{i, col}]
	e.seq++
	ed.id = e.seq
	e.touch(i, col)
	e.change(i, func() {
		f.setCell(i, col, value)
		delete(f.notes, [2]int{i, col})
	})
	e.undo = append(e.undo, ed)
	return true
}

// ApplyFix applies a suggestion from a message of row i.
func (e *Editor) ApplyFix(i int, fix Fix) error {
	for _, fd := range e.f.schema.Fields {
		if fd.Header == fix.Column || fd.Key == fix.Column {
			return e.Set(i, fd.Key, fix.Value)
		}
	}
	return fmt.Errorf("apply fix %s: %s has no column %s", quote(fix.Label), targetName(e.f.schema), quote(fix.Column))
}

// Undo reverts the latest edit, or every edit of the latest bulk
// operation; false when there is none.
func (e *Editor) Undo() bool {
	if len(e.undo) == 0 {
		return false
	}
	step := e.undo[len(e.undo)-1].step
	k := len(e.undo)
	for k > 0 && e.undo[k-1].step == step {
		k--
	}
	eds := slices.Clone(e.undo[k:]) // one row each: a step edits a row once
	e.undo = e.undo[:k]
	rows := make([]int, len(eds))
	for j, ed := range eds {
		rows[j] = ed.row
	}
	e.changeMany(rows, func(j int) { e.revert(eds[j]) })
	return true
}

// revert puts back what edit ed changed (its row is revalidated by the
// caller).
func (e *Editor) revert(ed edit) {
	f := e.f
	if ed.deleted {
		f.setState(ed.row, ed.oldState)
		return
	}
	e.touch(ed.row, ed.col)
	r := &f.rows[ed.row]
	if r.n != ed.oldN { // the edit grew a short row: go back to its old cells
		r.first, r.n = ed.oldFirst, ed.oldN
	} else {
		f.setCell(ed.row, ed.col, ed.old)
	}
	if ed.hadNote {
		if f.notes == nil {
			f.notes = map[[2]int]string{}
		}
		f.notes[[2]int{ed.row, ed.col}] = ed.note
	}
}

// Dirty reports whether the rows differ from the file on disk.
func (e *Editor) Dirty() bool {
	top := uint64(0)
	if len(e.undo) > 0 {
		top = e.undo[len(e.undo)-1].id
	}
	return top != e.clean
}

// change runs mutate on row i and revalidates what it affects: the row,
// and every row whose same-email message changes.
func (e *Editor) change(i int, mutate func()) {
	v := e.v
	if v.ids == nil {
		mutate()
		v.recheck(i, nil)
		return
	}
	oldKey := v.ids.key(i)
	before := v.ids.rowsLike(i)
	mutate()
	if v.ids.key(i) == oldKey {
		v.recheck(i, nil)
		return
	}
	v.ids.moveTo(i)
	after := v.ids.rowsLike(i)
	left := make([]int32, 0, len(before))
	for _, j := range before {
		if int(j) != i {
			left = append(left, j)
		}
	}
	// Every row of both groups gets its message again: the lines it names
	// (or how many it names) changed. Each group is looked up once.
	for _, j := range left {
		v.recheck(int(j), left)
	}
	for _, j := range after {
		v.recheck(int(j), after)
	}
	if len(after) == 0 {
		v.recheck(i, []int32{})
	}
}

// setCell stores value as the cell of row i in file column col, growing a
// short row as needed. A cell's span is never written in place: the row
// moves to spans of its own at the end, so a Snapshot, which shares the
// spans up to its length, keeps the cells it was taken with.
func (f *File) setCell(i, col int, value string) {
	r := &f.rows[i]
	first := uint32(len(f.spans))
	f.spans = append(f.spans, f.spans[r.first:r.first+r.n]...)
	for k := int(r.n); k <= col; k++ {
		f.spans = append(f.spans, span{})
	}
	r.first, r.n = first, max(r.n, uint32(col+1))
	f.owned = append(f.owned, value)
	f.spans[int(r.first)+col] = span{uint32(len(f.owned) - 1), ownedSpan}
}

// pad grows row i to n cells, the new ones empty.
func (f *File) pad(i, n int) {
	r := &f.rows[i]
	first := uint32(len(f.spans))
	f.spans = append(f.spans, f.spans[r.first:r.first+r.n]...)
	for k := int(r.n); k < n; k++ {
		f.spans = append(f.spans, span{})
	}
	r.first, r.n = first, uint32(n)
}

// keepOriginal makes bak the untouched original, once: a hard link when
// the file system allows, a synced copy otherwise.
func keepOriginal(path, bak string) error {
	if _, err := os.Lstat(bak); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("keep backup %s: %w", bak, err)
	}
	if os.Link(path, bak) == nil {
		return nil
	}
	in, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("keep backup %s: %w", bak, err)
	}
	defer in.Close()
	out, err := os.OpenFile(bak, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keep backup %s: %w", bak, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("keep backup %s: %w", bak, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("keep backup %s: %w", bak, err)
	}
	return out.Close()
}

// write writes the file as CSV in its own dialect and encoding and returns
// the line each row now starts on and the header's line.
func (f *File) write(w io.Writer) (lines []uint32, hdrLine int, err error) {
	var tw *transform.Writer
	switch f.encoding {
	case EncUTF8BOM:
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return nil, 0, err
		}
	case EncWindows1252: // Save checked that every character has its byte
		tw = transform.NewWriter(w, encoder1252{})
		w = tw
	case EncUTF16LE, EncUTF16BE:
		order := unicode.LittleEndian
		if f.encoding == EncUTF16BE {
			order = unicode.BigEndian
		}
		tw = transform.NewWriter(w, unicode.UTF16(order, unicode.UseBOM).NewEncoder())
		w = tw
	}
	nl := f.eol
	if nl == "" {
		nl = "\n"
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	line := 1
	if f.sepLine {
		bw.WriteString("sep=" + string(f.delim) + nl)
		line++
	}
	hdrLine = line
	writeRecord(bw, f.header, f.delim, nl)
	line += 1 + newlines(f.header)
	lines = make([]uint32, len(f.rows))
	cells := make([]string, 0, len(f.header))
	for i := range f.rows {
		if f.state(i) == rowDeleted {
			continue
		}
		cells = cells[:0]
		for c := 0; c < max(int(f.rows[i].n), len(f.header)); c++ {
			cells = append(cells, f.cell(i, c))
		}
		writeRecord(bw, cells, f.delim, nl)
		lines[i] = uint32(line)
		line += 1 + newlines(cells)
	}
	if err := bw.Flush(); err != nil {
		return nil, 0, err
	}
	if tw != nil {
		if err := tw.Close(); err != nil {
			return nil, 0, err
		}
	}
	return lines, hdrLine, nil
}

// writeRecord writes one record. A cell is quoted when it holds the
// delimiter, a quote or a line break, or starts with white space (which a
// reader could take for padding before a quote); inside quotes every byte
// is kept as it is, so reading the file back gives the same cells.
func writeRecord(w *bufio.Writer, cells []string, delim rune, nl string) {
	for c, cell := range cells {
		if c > 0 {
			w.WriteRune(delim)
		}
		if !strings.ContainsAny(cell, string(delim)+"\"\r\n") && (cell == "" || (cell[0] != ' ' && cell[0] != '\t')) {
			w.WriteString(cell)
			continue
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(cell, `"`, `""`))
		w.WriteByte('"')
	}
	w.WriteString(nl)
}

func newlines(cells []string) int {
	n := 0
	for _, c := range cells {
		n += strings.Count(c, "\n")
	}
	return n
}
