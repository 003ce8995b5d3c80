package csvfile

import (
	"io"
	"io/fs"
)

// Source is a format whose own reader hands its rows over (FromSource)
// and which names its places in its own terms and takes edited cells
// back: a workbook. csvfile keeps the rows, validates and edits them as
// for a CSV; messages and saves go through the Source.
type Source interface {
	// Place names the cell of file column col (0-based; -1: the row as a
	// whole) on the row read from line, as the format's users know it:
	// "Users!C15", "Users row 15".
	Place(line, col int) string
	// Kind says what the file is, for people: "Excel workbook, sheet Users".
	Kind() string
	// Write writes the whole file to w as it is on disk but for the edited
	// cells. It fails, before anything is written, when an edit cannot be
	// made as asked.
	Write(w io.Writer, edits []CellEdit) error
}

// CellEdit is one cell that differs from the file on disk.
type CellEdit struct {
	Line  int // the row's line (as FromSource was given it)
	Col   int // file column, 0-based
	Value string
}

// Records are the rows another reader read, for FromSource.
type Records struct {
	Header     []string
	HeaderLine int // the line the header is on; 0 when the format has none
	Rows       [][]string
	Lines      []int // the line of each row, which messages name
	Warnings   []Message
	// Notes are what the reader noticed about single cells, by row index
	// and file column; each is a warning on its cell until the cell is
	// edited.
	Notes   map[[2]int]string
	Mapping map[string]string // as Options.Mapping
	// Disk is the file as read, so Save can refuse to overwrite a newer one.
	Disk fs.FileInfo
}

// FromSource builds a File from rows read by src's reader. Headers are
// matched against the schema as a CSV's are; messages name their places
// through src (Message.Where), and Editor.Save writes edits back through
// it, keeping the untouched original as FILE.bak. Every failure is a
// *FileError.
func FromSource(path string, schema *Schema, src Source, r Records) (*File, error) {
	f, err := fromRecords(path, schema, src, r)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// where names line and column in the source's terms, "" for a CSV.
func (f *File) where(line int, column string) string {
	if f.src == nil || line <= 0 {
		return ""
	}
	w := f.src.Place(line, f.columnOf(column))
	if column != "" {
		w += " (" + column + ")"
	}
	return w
}

// columnOf finds the file column a message's Column names: a field's
// header, or the file's own header of an unknown column; -1 for none.
func (f *File) columnOf(column string) int {
	if column == "" {
		return -1
	}
	for fi := range f.schema.Fields {
		if f.schema.Fields[fi].Header == column && fi < len(f.fieldCol) {
			return f.fieldCol[fi]
		}
	}
	for c, h := range f.header {
		if h == column {
			return c
		}
	}
	return -1
}

// placed fills in Where on messages of a Source's rows.
func (f *File) placed(ms []Message) []Message {
	if f.src == nil {
		return ms
	}
	for i := range ms {
		if ms[i].Where == "" {
			ms[i].Where = f.where(ms[i].Line, ms[i].Column)
		}
	}
	return ms
}

// Kind says what a file from a Source is ("Excel workbook, sheet Users");
// "" for a file csvfile read itself.
func (f *File) Kind() string {
	if f.src == nil {
		return ""
	}
	return f.src.Kind()
}
