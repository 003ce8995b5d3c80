package csvfile

import (
	"fmt"
	"slices"
	"strings"
)

// Bulk edits: each changes many rows as one step (one Undo reverts it
// whole) and revalidates every row it touched, as Set does.

// column finds the file column of the field key, for an operation named op.
func (e *Editor) column(op, key string) (int, error) {
	fi, ok := e.f.field(key)
	if !ok {
		return 0, fmt.Errorf("%s %s: %s has no such field", op, key, targetName(e.f.schema))
	}
	col := e.f.fieldCol[fi]
	if col < 0 {
		return 0, fmt.Errorf("%s %s: the file has no %s column", op, key, quote(e.f.schema.Fields[fi].Header))
	}
	return col, nil
}

// Fill sets the cell of every row in rows for the field key to value and
// returns how many cells changed.
func (e *Editor) Fill(rows []int, key, value string) (int, error) {
	col, err := e.column("fill", key)
	if err != nil {
		return 0, err
	}
	if len(value) > MaxCell {
		return 0, fmt.Errorf("fill %s: the value is longer than 1 MiB", key)
	}
	var sets []cellSet
	for _, i := range rows {
		if i >= 0 && i < e.f.Len() {
			sets = append(sets, cellSet{i, col, value})
		}
	}
	return e.setCells(sets), nil
}

// Replace replaces every occurrence of find (exactly as typed) with with
// in the cells of rows for the field key and returns how many cells
// changed.
func (e *Editor) Replace(rows []int, key, find, with string) (int, error) {
	col, err := e.column("replace in", key)
	if err != nil {
		return 0, err
	}
	if find == "" {
		return 0, nil
	}
	var sets []cellSet
	for _, i := range rows {
		if i < 0 || i >= e.f.Len() {
			continue
		}
		old := e.f.cell(i, col)
		if !strings.Contains(old, find) {
			continue
		}
		nv := strings.ReplaceAll(old, find, with)
		if len(nv) > MaxCell {
			return 0, fmt.Errorf("replace in %s on line %d: the value would be longer than 1 MiB; nothing replaced", key, e.f.Line(i))
		}
		sets = append(sets, cellSet{i, col, nv})
	}
	return e.setCells(sets), nil
}

// SameProblem returns the rows (ascending) with a message like m: the
// same column, the same text and a fix with the same label. Each row's
// fix holds its own value (the rest of its cell).
func (v *Validation) SameProblem(m Message) []int {
	if m.Fix == nil {
		return nil
	}
	var out []int
	for i, ms := range v.msgs {
		if fixLike(ms, m) != nil {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

// fixLike returns the fix of the message in ms that is like m, or nil.
func fixLike(ms []Message, m Message) *Fix {
	for k := range ms {
		if o := &ms[k]; o.Fix != nil && o.Column == m.Column && o.Text == m.Text && o.Fix.Label == m.Fix.Label {
			return o.Fix
		}
	}
	return nil
}

// ApplyFixAll applies, in one step, the fix of every message like m (see
// SameProblem), and returns how many rows it changed.
func (e *Editor) ApplyFixAll(m Message) (int, error) {
	rows := e.v.SameProblem(m)
	if len(rows) == 0 {
		return 0, nil
	}
	var sets []cellSet
	for _, i := range rows {
		fix := fixLike(e.v.Row(i), m)
		col, err := e.fixColumn(*fix)
		if err != nil {
			return 0, err
		}
		sets = append(sets, cellSet{i, col, fix.Value})
	}
	return e.setCells(sets), nil
}

// cellSet is one cell a bulk edit sets.
type cellSet struct {
	row, col int
	value    string
}

// setCells sets each cell (one per row) as one step and revalidates them
// together; it returns how many cells changed.
func (e *Editor) setCells(sets []cellSet) int {
	f := e.f
	step := e.seq + 1
	var rows []int
	var todo []cellSet
	seen := map[int]bool{}
	for _, s := range sets {
		if f.cell(s.row, s.col) == s.value || seen[s.row] { // a row once a step
			continue
		}
		seen[s.row] = true
		r := f.rows[s.row]
		ed := edit{row: s.row, col: s.col, old: f.cell(s.row, s.col), oldFirst: r.first, oldN: r.n, step: step}
		ed.note, ed.hadNote = f.notes[[2]int{s.row, s.col}]
		e.seq++
		ed.id = e.seq
		e.undo = append(e.undo, ed)
		e.touch(s.row, s.col)
		rows = append(rows, s.row)
		todo = append(todo, s)
	}
	e.changeMany(rows, func(k int) {
		s := todo[k]
		f.setCell(s.row, s.col, s.value)
		delete(f.notes, [2]int{s.row, s.col})
	})
	return len(rows)
}

// fixColumn is the file column a fix writes to.
func (e *Editor) fixColumn(fix Fix) (int, error) {
	for _, fd := range e.f.schema.Fields {
		if fd.Header == fix.Column || fd.Key == fix.Column {
			return e.column("apply fix", fd.Key)
		}
	}
	return 0, fmt.Errorf("apply fix %s: %s has no column %s", quote(fix.Label), targetName(e.f.schema), quote(fix.Column))
}

// Edited reports whether a cell of row i was changed (and not undone).
func (e *Editor) Edited(i int) bool {
	for k := range e.undo {
		if ed := &e.undo[k]; ed.row == i && !ed.deleted {
			return true
		}
	}
	return false
}

// EditedRows returns the rows with changed cells, ascending.
func (e *Editor) EditedRows() []int {
	var out []int
	for k := range e.undo {
		if ed := &e.undo[k]; !ed.deleted {
			out = append(out, ed.row)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
