package csvfile

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sort"
	"usersync/csvfile/atomicfile"
)

// Saving is done in three steps so that a UI can write on another goroutine
// without sharing the rows it goes on drawing: PrepareSave (on the editor's
// goroutine) takes a snapshot of what to write; PendingSave.Write (on any
// goroutine) writes it and computes the File's state after the save (lines
// renumbered, deleted rows gone, revalidated) on that private copy; Commit
// (on the editor's goroutine again) makes that state the File's. Save does
// all three at once.

// Save writes the rows back to the file they were read from: atomically
// (a synced temporary file renamed over it), in the original column order
// with unknown columns kept, in the original delimiter, line ends and
// encoding. A Windows-1252 file stays Windows-1252; when a cell holds a
// character it cannot store, Save refuses with an *EncodingError (SaveAs
// UTF-8 then saves it). Deleted rows are not written. The first save keeps
// the untouched original as FILE.bak; later saves leave that backup alone.
// It refuses to overwrite a file that changed on disk since it was read.
// Line numbers are renumbered to the saved file (blank lines are not
// written) and the rows revalidated.
//
// A File built by FromRecords (a JSON template file) is never overwritten
// with CSV: the rows are written as CSV to PATH.csv beside it (refused if
// that exists), the File becomes that CSV for later saves, and bakPath
// names the original, which is left as it was.
func (e *Editor) Save() (bakPath string, err error) {
	return e.save("")
}

func (e *Editor) save(encoding string) (string, error) {
	s, err := e.PrepareSave(encoding)
	if err != nil {
		return "", err
	}
	r, err := s.Write()
	if err != nil {
		return "", err
	}
	return r.Backup, e.Commit(r)
}

type saveKind uint8

const (
	saveCSV    saveKind = iota // over the file read
	saveSource                 // through the File's Source (a workbook)
	saveBeside                 // a FromRecords file: as CSV beside it
)

// PendingSave is a save prepared by Editor.PrepareSave. It holds its own
// copy of the rows: Write may run on any goroutine while the File is read
// (not edited) on another.
type PendingSave struct {
	kind  saveKind
	f     *File      // the snapshot written, then brought up to date
	seq   uint64     // the editor's latest edit when prepared
	clean uint64     // the edit the file on disk matches once written
	edits []CellEdit // saveSource: the cells that differ from the disk
}

// SaveResult is a written save, for Editor.Commit.
type SaveResult struct {
	// Backup is the untouched original's path (FILE.bak; for a file saved
	// as CSV beside it, the original itself), "" when none exists.
	Backup string
	p      *PendingSave
	v      *Validation // the snapshot revalidated; nil when lines stay
	disk   fs.FileInfo
}

// PrepareSave takes what a save writes. encoding is "" for the file's
// own, or EncUTF8 / EncUTF8BOM (see SaveAs). The Editor must not change
// the File until the save is committed or given up.
func (e *Editor) PrepareSave(encoding string) (*PendingSave, error) {
	f := e.f
	if encoding != "" && encoding != EncUTF8 && encoding != EncUTF8BOM {
		return nil, fmt.Errorf("save %s as %s: only UTF-8 (with or without a BOM) is offered", f.path, encoding)
	}
	s := &PendingSave{kind: saveCSV, f: f.snapshot(), seq: e.seq}
	if len(e.undo) > 0 {
		s.clean = e.undo[len(e.undo)-1].id
	}
	switch {
	case f.fromRecords:
		s.kind = saveBeside
	case f.src != nil:
		s.kind = saveSource
		for k, was := range e.disk {
			if v := f.cell(k[0], k[1]); v != was {
				s.edits = append(s.edits, CellEdit{Line: f.Line(k[0]), Col: k[1], Value: v})
			}
		}
		sort.Slice(s.edits, func(a, b int) bool {
			if s.edits[a].Line != s.edits[b].Line {
				return s.edits[a].Line < s.edits[b].Line
			}
			return s.edits[a].Col < s.edits[b].Col
		})
	}
	if encoding != "" {
		s.f.encoding = encoding
	}
	return s, nil
}

// Write writes the snapshot to disk and computes the File's state after
// it. It touches nothing the Editor holds.
func (s *PendingSave) Write() (*SaveResult, error) {
	switch s.kind {
	case saveBeside:
		return s.writeBeside()
	case saveSource:
		return s.writeSource()
	}
	f := s.f
	now, err := f.unchangedOnDisk()
	if err != nil {
		return nil, err
	}
	if ee := f.unencodable(); ee != nil {
		return nil, ee
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
		return nil, fmt.Errorf("save: %w", err)
	}
	disk, err := os.Stat(f.path)
	if err != nil {
		return nil, fmt.Errorf("save %s: %w", f.path, err)
	}
	f.disk = disk
	return &SaveResult{Backup: bak, p: s, v: f.saved(lines, hdrLine), disk: disk}, nil
}

// unchangedOnDisk answers the file's state on disk now, and refuses a save
// over a file that was not read from disk, or that was written to or
// replaced by another file since it was read.
func (f *File) unchangedOnDisk() (os.FileInfo, error) {
	if f.disk == nil {
		return nil, fmt.Errorf("save %s: it was not read from a file on disk", f.path)
	}
	now, err := os.Stat(f.path)
	if err != nil {
		return nil, fmt.Errorf("save %s: %w", f.path, err)
	}
	if changed(f.disk, now) {
		return nil, fmt.Errorf("save %s: the file changed on disk since it was read; not overwriting it", f.path)
	}
	return now, nil
}

// writeSource writes the cells that differ from the file on disk back
// through the File's Source, atomically, keeping the untouched original
// as FILE.bak once. Lines stay as they are: cells change in place.
func (s *PendingSave) writeSource() (*SaveResult, error) {
	f := s.f
	now, err := f.unchangedOnDisk()
	if err != nil {
		return nil, err
	}
	bak := f.path + ".bak"
	disk := f.disk
	if len(s.edits) > 0 {
		err = atomicfile.Write(f.path, now.Mode().Perm(), func(w *bufio.Writer) error {
			return f.src.Write(w, s.edits)
		}, atomicfile.BeforeRename(func() error { return keepOriginal(f.path, bak) }))
		if err != nil {
			return nil, fmt.Errorf("save: %w", err)
		}
		if disk, err = os.Stat(f.path); err != nil {
			return nil, fmt.Errorf("save %s: %w", f.path, err)
		}
	} else if _, err := os.Lstat(bak); err != nil {
		bak = "" // nothing written, and no backup of an earlier save
	}
	return &SaveResult{Backup: bak, p: s, disk: disk}, nil
}

// writeBeside writes a File read from another format as a new CSV beside
// it, UTF-8 with a BOM (so spreadsheets keep accented names); once
// committed the File is that CSV.
func (s *PendingSave) writeBeside() (*SaveResult, error) {
	f := s.f
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
		return nil, err
	}
	perm := os.FileMode(0o600)
	if st, err := os.Stat(f.path); err == nil {
		perm = st.Mode().Perm()
	}
	f.delim, f.eol, f.encoding = ',', "\n", EncUTF8BOM
	var lines []uint32
	var hdrLine int
	err := atomicfile.Write(dest, perm, func(w *bufio.Writer) error {
		var werr error
		lines, hdrLine, werr = f.write(w)
		return werr
	}, atomicfile.BeforeRename(taken))
	var disk os.FileInfo
	if err == nil {
		disk, err = os.Stat(dest)
	}
	if err != nil {
		return nil, fmt.Errorf("save %s as CSV: %w", f.path, err)
	}
	original := f.path
	f.path, f.disk, f.fromRecords = dest, disk, false
	return &SaveResult{Backup: original, p: s, v: f.saved(lines, hdrLine), disk: disk}, nil
}

// Commit makes a written save the File's state: edits up to the save are
// clean, and (unless the save went through a Source) lines are the saved
// file's and the rows revalidated. It refuses a save prepared before the
// latest edit: that edit is not in what was written.
func (e *Editor) Commit(r *SaveResult) error {
	s := r.p
	if s.seq != e.seq {
		if s.kind == saveCSV {
			e.f.disk = r.disk // what is on disk now is ours: saving again may overwrite it
		}
		return fmt.Errorf("save %s: the rows were edited while the save was written; save again", e.f.path)
	}
	e.clean = s.clean
	if s.kind == saveSource {
		e.f.disk, e.disk = r.disk, nil
		return nil
	}
	if e.f.nState[rowDeleted] > 0 {
		e.undo, e.clean = nil, 0 // the deleted rows are gone: their edits' row numbers with them
	}
	// The snapshot is private to the save: its state becomes the File's,
	// and the Validation's pointers back are turned to the File.
	*e.f = *s.f
	*e.v = *r.v
	e.v.f = e.f
	if e.v.chk != nil {
		e.v.chk.l = &e.f.layout
	}
	if e.v.ids != nil {
		e.v.ids.v = e.v
	}
	return nil
}

// saved brings the snapshot in line with what was just written from it
// (no blank lines, no oddly quoted cells, deleted rows gone, the lines of
// the saved file) and revalidates it.
func (f *File) saved(lines []uint32, hdrLine int) *Validation {
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
		lines = f.dropDeleted(lines)
	}
	for i := range f.rows {
		f.rows[i].line = lines[i]
		if int(f.rows[i].n) < len(f.header) {
			f.pad(i, len(f.header)) // write filled short rows with empty cells
		}
	}
	return Validate(f)
}

// dropDeleted removes the deleted rows, which the save did not write, and
// renumbers the states of the rows after them; it returns the saved lines
// of the rows kept.
func (f *File) dropDeleted(lines []uint32) []uint32 {
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
	return lines
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

// Snapshot returns the rows and their messages as they are now, for a job
// on another goroutine (a plan) to read while the operator goes on
// editing and saving: no later edit, undo or save changes what it holds.
// It is for reading: make no Editor of it. It costs a copy of the row
// index and of the message index, not of the cells (an edit never writes
// a cell's span in place).
func (e *Editor) Snapshot() (*File, *Validation) {
	f := e.f.snapshot()
	v := &Validation{f: f, msgs: maps.Clone(e.v.msgs), outMsgs: maps.Clone(e.v.outMsgs),
		nErr: e.v.nErr, nWarn: e.v.nWarn, nBadRow: e.v.nBadRow}
	return f, v
}

// snapshot copies what edits and saves change in place; the cells' text
// and spans are shared up to their length (they are only appended to).
func (f *File) snapshot() *File {
	c := *f
	c.rows = slices.Clone(f.rows)
	c.spans = f.spans[:len(f.spans):len(f.spans)]
	c.owned = f.owned[:len(f.owned):len(f.owned)]
	c.header = slices.Clone(f.header)
	c.states = maps.Clone(f.states)
	c.notes = maps.Clone(f.notes)
	c.warnings = slices.Clone(f.warnings)
	return &c
}
