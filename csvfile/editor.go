package csvfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"usersync/csvfile/atomicfile"

	"golang.org/x/text/encoding/charmap"
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
// short row as needed.
func (f *File) setCell(i, col int, value string) {
	r := &f.rows[i]
	if col >= int(r.n) {
		first := uint32(len(f.spans))
		f.spans = append(f.spans, f.spans[r.first:r.first+r.n]...)
		for k := int(r.n); k <= col; k++ {
			f.spans = append(f.spans, span{})
		}
		r.first, r.n = first, uint32(col+1)
	}
	f.owned = append(f.owned, value)
	f.spans[int(r.first)+col] = span{uint32(len(f.owned) - 1), ownedSpan}
}

// Save writes the rows back to the file they were read from: atomically
// (a synced temporary file renamed over it), in the original column order
// with unknown columns kept, in the original delimiter, line ends and
// encoding. A Windows-1252 file stays Windows-1252; when a cell holds a
// character it cannot store, Save refuses with an *EncodingError (SaveAs
// UTF-8 then saves it). Deleted rows are not written. The first save keeps the untouched original as FILE.bak;
// later saves leave that backup alone. It refuses to overwrite a file that
// changed on disk since it was read. Line numbers are renumbered to the
// saved file (blank lines are not written) and the rows revalidated.
//
// A File built by FromRecords (a JSON template file) is never overwritten
// with CSV: the rows are written as CSV to PATH.csv beside it (refused if
// that exists), the File becomes that CSV for later saves, and bakPath
// names the original, which is left as it was.
func (e *Editor) Save() (bakPath string, err error) {
	f := e.f
	if f.fromRecords {
		return e.saveBeside()
	}
	if f.src != nil {
		return e.saveSource()
	}
	if f.disk == nil {
		return "", fmt.Errorf("save %s: it was not read from a file on disk", f.path)
	}
	now, err := os.Stat(f.path)
	if err != nil {
		return "", fmt.Errorf("save %s: %w", f.path, err)
	}
	if changed(f.disk, now) { // written to, or replaced by another file
		return "", fmt.Errorf("save %s: the file changed on disk since it was read; not overwriting it", f.path)
	}
	if ee := f.unencodable(); ee != nil {
		return "", ee
	}
	bak := f.path + ".bak"
	var lines []uint32
	var hdrLine int
	err = atomicfile.Write(f.path, now.Mode().Perm(), func(w *bufio.Writer) error {
		var werr error
		lines, hdrLine, werr = f.write(w)
		return werr
	}, atomicfile.BeforeRename(func() error { return keepOriginal(f.path, bak) }))
	if err != nil {
		return "", fmt.Errorf("save: %w", err)
	}
	if f.disk, err = os.Stat(f.path); err != nil {
		return "", fmt.Errorf("save %s: %w", f.path, err)
	}
	e.saved(lines, hdrLine)
	return bak, nil
}

// touch notes, before a Source's cell changes, what the cell holds on
// disk (the first change since a save is the one that knows).
func (e *Editor) touch(i, col int) {
	if e.f.src == nil {
		return
	}
	if e.disk == nil {
		e.disk = map[[2]int]string{}
	}
	k := [2]int{i, col}
	if _, ok := e.disk[k]; !ok {
		e.disk[k] = e.f.cell(i, col)
	}
}

// saveSource writes the cells that differ from the file on disk back
// through the File's Source, atomically, keeping the untouched original
// as FILE.bak once. Lines stay as they are: cells change in place.
func (e *Editor) saveSource() (bakPath string, err error) {
	f := e.f
	if f.disk == nil {
		return "", fmt.Errorf("save %s: it was not read from a file on disk", f.path)
	}
	now, err := os.Stat(f.path)
	if err != nil {
		return "", fmt.Errorf("save %s: %w", f.path, err)
	}
	if changed(f.disk, now) {
		return "", fmt.Errorf("save %s: the file changed on disk since it was read; not overwriting it", f.path)
	}
	var edits []CellEdit
	for k, was := range e.disk {
		if v := f.cell(k[0], k[1]); v != was {
			edits = append(edits, CellEdit{Line: f.Line(k[0]), Col: k[1], Value: v})
		}
	}
	sort.Slice(edits, func(a, b int) bool {
		if edits[a].Line != edits[b].Line {
			return edits[a].Line < edits[b].Line
		}
		return edits[a].Col < edits[b].Col
	})
	bak := f.path + ".bak"
	if len(edits) > 0 {
		err = atomicfile.Write(f.path, now.Mode().Perm(), func(w *bufio.Writer) error {
			return f.src.Write(w, edits)
		}, atomicfile.BeforeRename(func() error { return keepOriginal(f.path, bak) }))
		if err != nil {
			return "", fmt.Errorf("save: %w", err)
		}
		if f.disk, err = os.Stat(f.path); err != nil {
			return "", fmt.Errorf("save %s: %w", f.path, err)
		}
	} else if _, err := os.Lstat(bak); err != nil {
		bak = "" // nothing written, and no backup of an earlier save
	}
	e.disk = nil
	if len(e.undo) > 0 {
		e.clean = e.undo[len(e.undo)-1].id
	} else {
		e.clean = 0
	}
	return bak, nil
}

// saveBeside writes a File read from another format as a new CSV beside
// it, UTF-8 with a BOM (so spreadsheets keep accented names), and makes
// the File that CSV.
func (e *Editor) saveBeside() (original string, err error) {
	f := e.f
	dest := f.path + ".csv"
	taken := func() error {
		if _, err := os.Lstat(dest); err == nil {
			return fmt.Errorf("save %s: it is not a CSV file, so it is left as it is and the rows go to %s as CSV; "+
				"%s already exists: open it instead, or move it away", f.path, dest, dest)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("save %s as %s: %w", f.path, dest, err)
		}
		return nil
	}
	if err := taken(); err != nil {
		return "", err
	}
	perm := os.FileMode(0o600)
	if st, err := os.Stat(f.path); err == nil {
		perm = st.Mode().Perm()
	}
	delim, eol, enc := f.delim, f.eol, f.encoding
	f.delim, f.eol, f.encoding = ',', "\n", EncUTF8BOM
	var lines []uint32
	var hdrLine int
	err = atomicfile.Write(dest, perm, func(w *bufio.Writer) error {
		var werr error
		lines, hdrLine, werr = f.write(w)
		return werr
	}, atomicfile.BeforeRename(taken))
	var disk os.FileInfo
	if err == nil {
		disk, err = os.Stat(dest)
	}
	if err != nil {
		f.delim, f.eol, f.encoding = delim, eol, enc
		return "", fmt.Errorf("save %s as CSV: %w", f.path, err)
	}
	original = f.path
	f.path, f.disk, f.fromRecords = dest, disk, false
	e.saved(lines, hdrLine)
	return original, nil
}

// saved brings the File and its Validation in line with what was just
// written: edits up to now are clean, lines are the saved file's.
func (e *Editor) saved(lines []uint32, hdrLine int) {
	f := e.f
	if len(e.undo) > 0 {
		e.clean = e.undo[len(e.undo)-1].id
	} else {
		e.clean = 0
	}
	// The saved file has no blank lines and no oddly quoted cells left.
	var keep []Message
	for k, m := range f.warnings {
		switch {
		case k == 0 && f.encWarned && f.encoding != EncWindows1252: // written as proper Unicode now
		case m.Line == f.hdrLine && m.Rule == RuleUnknownColumns:
			m.Line = hdrLine
			keep = append(keep, m)
		case m.Line == 0:
			keep = append(keep, m)
		}
	}
	f.warnings, f.notes, f.hdrLine = keep, nil, hdrLine
	f.encWarned = f.encWarned && f.encoding == EncWindows1252
	if f.nState[rowDeleted] > 0 {
		lines = e.dropDeleted(lines)
	}
	for i := range f.rows {
		f.rows[i].line = lines[i]
		if int(f.rows[i].n) < len(f.header) {
			f.pad(i, len(f.header)) // write filled short rows with empty cells
		}
	}
	e.v.all()
}

// dropDeleted removes the deleted rows, which the save did not write,
// renumbers the states of the rows after them and forgets the edits (their
// row numbers are gone); it returns the saved lines of the rows kept.
func (e *Editor) dropDeleted(lines []uint32) []uint32 {
	f := e.f
	states := map[int32]rowState{}
	var nState [3]int
	k := 0
	for i := range f.rows {
		st := f.state(i)
		if st == rowDeleted {
			continue
		}
		if st != rowIn {
			states[int32(k)] = st
			nState[st]++
		}
		f.rows[k], lines[k] = f.rows[i], lines[i]
		k++
	}
	f.rows, lines = f.rows[:k], lines[:k]
	f.states, f.nState = states, nState
	e.undo, e.clean = nil, 0
	return lines
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
		tw = transform.NewWriter(w, charmap.Windows1252.NewEncoder())
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
