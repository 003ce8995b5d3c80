// Package csvfile reads the user files support staff export (CSV in the
// encodings and dialects spreadsheets write), maps their headers onto a
// target's schema, validates every row, lets the UI fix cells with undo, and
// writes the file back safely. It knows nothing of any target: the schema
// (from the target adapter) says what is required and allowed.
package csvfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
)

// Options adjust how a file is read.
type Options struct {
	// Delimiter separates cells; 0 sniffs comma, semicolon or tab from the
	// header line.
	Delimiter rune
	// Mapping overrides header matching: file header → field Header or Key
	// (both matched loosely). An empty value means "not a field": the column
	// is kept but not imported.
	Mapping map[string]string
	// Sheet names the sheet of a workbook to read; "" reads the first one
	// with data. CSV files have no sheets and ignore it.
	Sheet string
	// AskSheet, with no Sheet, refuses a workbook that has several sheets
	// with data: the *FileError lists them in Sheets, for a UI to ask.
	AskSheet bool

	// Stdin is read for the path "-" (nil: os.Stdin).
	Stdin io.Reader

	workers int // goroutines reading rows; 0 decides by size (tests set it)
}

// FileError is a failure of the file as a whole: it cannot be read, is not
// text, or its header does not fit the schema. Line and Column (1-based)
// point at the spot when there is one.
type FileError struct {
	Path   string
	Line   int
	Column int
	Msg    string
	// Missing and Headers are set when required columns are missing, so a
	// UI can offer a column mapping instead of just the message.
	Missing []string
	Headers []string
	// Where names the spot in the format's own terms (a workbook's
	// "Users!A1"); it replaces Line and Column in the message.
	Where string
	// Sheets lists a workbook's sheets with data when it was opened with
	// AskSheet and has several: open it again with one as Options.Sheet.
	Sheets []string
	Err    error // the underlying I/O error, if any
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Where != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Where)
	} else if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }

// maxFileSize keeps every offset within a uint32 span.
const maxFileSize = math.MaxUint32 - 1

// File is a read file: its header mapped onto a schema and its rows, which
// the Editor may change. Row indexes are 0-based; lines are the file's.
// A File is not safe for concurrent use while it is being edited.
type File struct {
	layout    // the header and how it maps onto the schema
	path      string
	encoding  string
	eol       string // what ends a line: "\n" (also for ""), "\r\n" or "\r"; Save keeps it
	sepLine   bool   // the file started with Excel's "sep=;" line; Save keeps it
	encWarned bool   // warnings[0] is about the encoding

	text     string // the decoded file; unedited cells are slices of it
	rows     []row
	spans    []span
	owned    []string
	notes    map[[2]int]string  // (row, column) → what the reader noticed
	states   map[int32]rowState // rows excluded or deleted (rowstate.go); nil when none
	nState   [3]int             // rows per state but rowIn (whose count is unused)
	warnings []Message
	disk     fs.FileInfo // the file as read, so Save can refuse to clobber a newer one
	// fromRecords: the rows came from another format (FromRecords), so
	// Save writes a CSV beside the file instead of over it.
	fromRecords bool
	// src: the rows came from a format that names its own places and
	// takes edits back (FromSource); Save writes through it.
	src Source
}

// Open reads the file at path ("-": standard input, Options.Stdin);
// OpenInput says what it refuses. Every failure is a *FileError.
func Open(path string, schema *Schema, opts Options) (*File, error) {
	src, err := OpenInput(path, opts.Stdin)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	return ReadInput(src, schema, opts)
}

// ReadInput reads a CSV from an opened input (another reader may have
// looked at its Head first). Every failure is a *FileError.
func ReadInput(src *Input, schema *Schema, opts Options) (*File, error) {
	if err := src.CheckText(); err != nil {
		return nil, err
	}
	f, err := read(src, src.Size(), src.Name(), schema, opts)
	// A file still being written (an export not finished, a sync client
	// at work) reads as whatever part of it had arrived, often ending in
	// half a row: say so rather than report that half row.
	if src.Changed() {
		return nil, &FileError{Path: src.Name(), Msg: "the file changed while it was being read; " +
			"wait until the program writing it has finished, then open it again"}
	}
	if err != nil {
		return nil, err
	}
	if src.info != nil {
		f.disk = src.info
	}
	return f, nil
}

// changed reports whether a file's stat says it is not the one read.
func changed(was, now fs.FileInfo) bool {
	return now.Size() != was.Size() || !now.ModTime().Equal(was.ModTime()) || !os.SameFile(was, now)
}

// Read reads a file from r; name is used in messages. Every failure is a
// *FileError.
func Read(r io.Reader, name string, schema *Schema, opts Options) (*File, error) {
	return read(r, 0, name, schema, opts)
}

// FromRecords builds a File from records a caller parsed out of another
// format (the ccai JSON template): the header, one record per row and the
// file line each row starts on, which messages name. warnings are the
// caller's own messages about the file. The header is matched against the
// schema as a CSV's is; a record shorter than the header is padded with
// empty cells. Every failure is a *FileError. Save never writes CSV over
// such a file: it writes PATH.csv beside it (see Editor.Save).
func FromRecords(path string, schema *Schema, header []string, records [][]string, lines []int, warnings []Message) (*File, error) {
	f, err := fromRecords(path, schema, nil, Records{Header: header, Rows: records, Lines: lines, Warnings: warnings})
	if err != nil {
		return nil, err
	}
	f.fromRecords = true
	return f, nil
}

func fromRecords(path string, schema *Schema, src Source, r Records) (*File, *FileError) {
	if schema == nil {
		schema = &Schema{}
	}
	header, records, lines := r.Header, r.Rows, r.Lines
	switch {
	case len(header) == 0:
		return nil, &FileError{Path: path, Msg: "the file has no columns"}
	case len(records) == 0 && r.HeaderLine == 0:
		return nil, &FileError{Path: path, Msg: "the file has no rows"}
	case len(records) == 0:
		fe := &FileError{Path: path, Line: r.HeaderLine, Msg: "the file has a header but no rows"}
		if src != nil {
			fe.Where = src.Place(r.HeaderLine, -1)
		}
		return nil, fe
	case len(lines) != len(records):
		return nil, &FileError{Path: path, Msg: fmt.Sprintf("%d rows but %d line numbers", len(records), len(lines))}
	case len(records) > math.MaxUint32/(len(header)+1):
		return nil, &FileError{Path: path, Msg: "the file has too many rows"}
	}
	f := &File{path: path, encoding: EncUTF8, src: src, disk: r.Disk}
	f.schema, f.hdrLine = schema, r.HeaderLine
	if src != nil {
		f.encoding = "" // not text: the Source says what it is
	}
	for _, h := range header {
		f.header = append(f.header, strings.TrimSpace(h))
	}
	cols, warns, ferr := MatchHeaders(schema, f.header, r.Mapping)
	if ferr != nil {
		ferr.Path, ferr.Line = path, r.HeaderLine
		if src != nil && r.HeaderLine > 0 {
			ferr.Where = src.Place(r.HeaderLine, -1)
		}
		return nil, ferr
	}
	for i := range warns {
		if warns[i].Column != "" {
			warns[i].Line = r.HeaderLine
		}
	}
	f.colField = cols
	f.indexFields()
	f.warnings = append(append(f.warnings, r.Warnings...), warns...)
	for i := range f.warnings {
		if m := &f.warnings[i]; m.Where == "" {
			m.Where = f.where(m.Line, m.Column)
		}
	}

	n := len(header)
	f.rows = make([]row, len(records))
	f.spans = make([]span, 0, len(records)*n)
	f.owned = make([]string, 0, len(records)*n)
	for i, rec := range records {
		line := lines[i]
		if line < 0 || line > math.MaxUint32 {
			return nil, &FileError{Path: path, Msg: fmt.Sprintf("row %d: line %d is out of range", i+1, line)}
		}
		if len(rec) > n {
			return nil, &FileError{Path: path, Line: line,
				Msg: fmt.Sprintf("the row has %d cells but the header has %d", len(rec), n)}
		}
		f.rows[i] = row{first: uint32(len(f.spans)), n: uint32(n), line: uint32(line)}
		for c := range n {
			cell := ""
			if c < len(rec) {
				cell = rec[c]
			}
			if len(cell) > MaxCell {
				return nil, &FileError{Path: path, Line: line, Where: f.where(line, f.header[c]),
					Msg: quote(f.header[c]) + " is longer than 1 MiB; this does not look like a user file"}
			}
			f.spans = append(f.spans, span{uint32(len(f.owned)), ownedSpan})
			f.owned = append(f.owned, cell)
		}
	}
	for k, note := range r.Notes {
		if k[0] < 0 || k[0] >= len(f.rows) || k[1] < 0 || k[1] >= n {
			continue
		}
		if f.notes == nil {
			f.notes = map[[2]int]string{}
		}
		f.notes[k] = note
	}
	return f, nil
}

func ioError(path, what string, err error) *FileError {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	return &FileError{Path: path, Msg: what + ": " + msg, Err: err}
}
