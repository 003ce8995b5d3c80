package csvfile

import (
	"fmt"
	"slices"
)

// rowState is a row's place in the import. An excluded row stays in the
// file but is left out of this import; a deleted row leaves the file when
// it is saved. Neither takes part in the rules across rows (a duplicate
// pair resolves when one of them goes), and their messages, still there to
// read, are not counted as the file's errors.
type rowState uint8

const (
	rowIn rowState = iota
	rowExcluded
	rowDeleted
)

// state returns row i's state.
func (f *File) state(i int) rowState {
	if f.states == nil {
		return rowIn
	}
	return f.states[int32(i)]
}

// out reports whether row i takes no part in the import.
func (f *File) out(i int) bool {
	return f.states != nil && f.states[int32(i)] != rowIn
}

func (f *File) setState(i int, s rowState) {
	f.nState[f.state(i)]--
	f.nState[s]++
	if s == rowIn {
		delete(f.states, int32(i))
		return
	}
	if f.states == nil {
		f.states = map[int32]rowState{}
	}
	f.states[int32(i)] = s
}

// rowsIn returns the rows in state s, ascending.
func (f *File) rowsIn(s rowState) []int {
	var out []int
	for i, st := range f.states {
		if st == s {
			out = append(out, int(i))
		}
	}
	slices.Sort(out)
	return out
}

// Exclude leaves rows out of this import (on) or takes them back in, and
// reruns the rules across rows for them. It is not an edit of the file:
// Undo and Dirty do not see it. Deleted rows stay deleted.
func (e *Editor) Exclude(rows []int, on bool) {
	to, from := rowIn, rowExcluded
	if on {
		to, from = rowExcluded, rowIn
	}
	var change []int
	seen := map[int]bool{}
	for _, i := range rows {
		if i >= 0 && i < e.f.Len() && e.f.state(i) == from && !seen[i] {
			seen[i] = true
			change = append(change, i)
		}
	}
	e.changeMany(change, func(k int) { e.f.setState(change[k], to) })
}

// IsExcluded reports whether row i is left out of this import.
func (e *Editor) IsExcluded(i int) bool { return e.f.state(i) == rowExcluded }

// Excluded returns how many rows are left out of this import.
func (e *Editor) Excluded() int { return e.count(rowExcluded) }

// Exclusions returns the rows left out of this import, ascending.
func (e *Editor) Exclusions() []int { return e.f.rowsIn(rowExcluded) }

// Delete marks row i to be left out of the file when it is saved (and out
// of the import until then); Undo brings it back.
func (e *Editor) Delete(i int) error {
	f := e.f
	if i < 0 || i >= f.Len() {
		return fmt.Errorf("delete: no row %d (the file has %d)", i, f.Len())
	}
	if f.src != nil { // a Source's save writes cells back and never removes a row
		return fmt.Errorf("delete line %d: a save writes cells back into the %s and never removes rows; exclude the row (space) to leave it out of this import, or delete it in the program that made the file",
			f.Line(i), f.src.Kind())
	}
	was := f.state(i)
	if was == rowDeleted {
		return nil
	}
	e.seq++
	e.change(i, func() { f.setState(i, rowDeleted) })
	e.undo = append(e.undo, edit{id: e.seq, step: e.seq, deleted: true, row: i, oldState: was})
	return nil
}

// IsDeleted reports whether row i leaves the file on save.
func (e *Editor) IsDeleted(i int) bool { return e.f.state(i) == rowDeleted }

// Deleted returns how many rows leave the file on save.
func (e *Editor) Deleted() int { return e.count(rowDeleted) }

// Deletions returns the rows that leave the file on save, ascending.
func (e *Editor) Deletions() []int { return e.f.rowsIn(rowDeleted) }

func (e *Editor) count(s rowState) int { return e.f.nState[s] }
