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
	"runtime"
	"strconv"
	"strings"
	"unsafe"
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

func read(r io.Reader, size int64, name string, schema *Schema, opts Options) (*File, error) {
	if size > maxFileSize {
		return nil, &FileError{Path: name, Msg: "the file is larger than 4 GiB"}
	}
	// Read straight into one buffer of the known size; it becomes the
	// text every cell is a slice of, and is never written again.
	var buf []byte
	if src, ok := r.(*Input); ok && src.info != nil && size >= parallelMin {
		// A large file is read in parts on several goroutines: copying
		// from the page cache and faulting in the buffer both go faster.
		var err error
		if buf, err = readParts(src.fh, size); err != nil {
			return nil, ioError(name, "cannot read the file", err)
		}
		src.off = len(src.head) // read again with the rest
		src.n = size
		r = src // the rest, if it grew meanwhile
	} else {
		buf = make([]byte, 0, max(size+1, 512))
	}
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if errors.Is(err, errTooLarge) {
			return nil, &FileError{Path: name, Msg: "the file is larger than 4 GiB"}
		}
		if err != nil {
			return nil, ioError(name, "cannot read the file", err)
		}
		if len(buf) > maxFileSize {
			return nil, &FileError{Path: name, Msg: "the file is larger than 4 GiB"}
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
	f, ferr := parse(unsafe.String(unsafe.SliceData(buf), len(buf)), schema, opts)
	if ferr != nil {
		ferr.Path = name
		return nil, ferr
	}
	f.path = name
	return f, nil
}

// readParts reads the first size bytes of fh in parallel parts and leaves
// its offset after them.
func readParts(fh *os.File, size int64) ([]byte, error) {
	buf := make([]byte, size, size+1)
	parts := int64(min(runtime.GOMAXPROCS(0), 8))
	errs := make([]error, parts)
	run(int(parts), func(k int) {
		lo, hi := size*int64(k)/parts, size*int64(k+1)/parts
		_, errs[k] = fh.ReadAt(buf[lo:hi], lo)
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if _, err := fh.Seek(size, io.SeekStart); err != nil {
		return nil, err
	}
	return buf, nil
}

// parse builds a File from the raw bytes of a file.
func parse(raw string, schema *Schema, opts Options) (*File, *FileError) {
	if schema == nil {
		schema = &Schema{}
	}
	if raw == "" {
		return nil, &FileError{Msg: "the file is empty"}
	}
	dec, ferr := decode(raw)
	if ferr != nil {
		return nil, ferr
	}
	if dec.text == "" { // a byte order mark alone: Excel's CSV of an empty sheet
		return nil, &FileError{Msg: "the file is empty"}
	}
	f := &File{encoding: dec.encoding}
	f.schema = schema
	if dec.warning != "" {
		f.warnings = append(f.warnings, Message{Severity: Warning, Text: dec.warning, Rule: RuleEncoding})
		f.encWarned = true
	}
	text := dec.text
	if crLineEnds(text) {
		text = crToLF(text)
		f.eol = "\r"
	}
	if isBlank(text) {
		return nil, &FileError{Msg: textOnlyBlank}
	}
	f.text = text
	p := &parser{s: text, line: 1}
	h, ferr := readHead(p, schema, opts)
	if ferr != nil {
		return nil, ferr
	}
	f.layout, f.sepLine = h.layout, h.sepLine
	if h.crlf {
		f.eol = "\r\n"
	}
	f.warnings = append(f.warnings, h.warnings...)

	blanks, ferr := readRows(f, text, p.pos, p.line, p.delim, opts.workers)
	if ferr != nil {
		return nil, ferr
	}
	// Blank lines after the last row hide nothing; empty rows of
	// delimiters (",,,") there are still worth a word.
	last := 0
	if len(f.rows) > 0 {
		last = int(f.rows[len(f.rows)-1].line)
	}
	for _, m := range blanks {
		if m.Line < last || m.Text != textBlankLine {
			f.warnings = append(f.warnings, m)
		}
	}
	if len(f.rows) == 0 {
		return nil, &FileError{Line: f.hdrLine, Msg: "the file has a header but no rows"}
	}
	return f, nil
}

// head is what comes before a file's rows.
type head struct {
	layout
	sepLine  bool // Excel's "sep=;" line came first
	crlf     bool // the header line ended with CR LF
	warnings []Message
}

// readHead reads what comes before the rows from the start of p's text:
// Excel's "sep=;" line, the delimiter (given or sniffed), blank lines and
// the header, which it maps onto the schema. It leaves p at the first
// row. The whole header must be in p's text: Scan makes sure of it.
func readHead(p *parser, schema *Schema, opts Options) (*head, *FileError) {
	text := p.s
	h := &head{}
	h.schema = schema
	// Excel's "sep=;" first line names the delimiter.
	if len(text) >= 5 && strings.EqualFold(text[:4], "sep=") &&
		(len(text) == 5 || text[5] == '\n' || (text[5] == '\r' && (len(text) == 6 || text[6] == '\n'))) {
		if opts.Delimiter == 0 {
			opts.Delimiter = rune(text[4])
		}
		p.pos = strings.IndexByte(text, '\n') + 1
		if p.pos == 0 {
			p.pos = len(text)
		}
		p.line = 2
		h.sepLine = true
	}
	switch d := opts.Delimiter; {
	case d == 0:
		p.delim = sniffDelimiter(text[headerStart(text, p.pos):])
	case d >= 0x80 || d == '"' || d == '\r' || d == '\n' || d == ' ':
		return nil, &FileError{Msg: "the delimiter must be one ASCII character other than a quote, a space or a line break; got " + strconv.QuoteRune(d)}
	default:
		p.delim = byte(d)
	}
	h.delim = rune(p.delim)

	// The header is the first record with anything in it.
	var before []Message // blank lines before the header
	for {
		first, line, ok, ferr := p.next()
		if ferr != nil {
			return nil, ferr
		}
		if !ok {
			return nil, &FileError{Msg: textOnlyBlank}
		}
		if p.blank(first) {
			before = append(before, p.blankMessage(first, line))
			p.spans = p.spans[:first]
			continue
		}
		for _, sp := range p.spans[first:] {
			h.header = append(h.header, strings.TrimSpace(p.cell(sp)))
		}
		h.hdrLine = line
		h.crlf = p.pos >= 2 && text[p.pos-1] == '\n' && text[p.pos-2] == '\r'
		p.spans, p.owned = p.spans[:0], p.owned[:0]
		break
	}
	h.warnings = before

	cols, warns, ferr := MatchHeaders(schema, h.header, opts.Mapping)
	if ferr != nil {
		if t := strings.TrimLeft(text, " \t\r\n\uFEFF"); len(ferr.Missing) > 0 && t != "" && (t[0] == '[' || t[0] == '{') {
			// "the header has "["" helps nobody: say what the file is.
			return nil, &FileError{Line: h.hdrLine, Msg: "this is JSON, not a CSV file; " + targetName(schema) +
				" reads CSV: in the spreadsheet, save as CSV UTF-8"}
		}
		ferr.Line = h.hdrLine
		return nil, ferr
	}
	for i := range warns {
		if warns[i].Rule == RuleUnknownColumns {
			warns[i].Line = h.hdrLine
		}
	}
	h.warnings = append(h.warnings, warns...)
	h.colField = cols
	h.indexFields()
	return h, nil
}

const (
	textBlankLine   = "blank line ignored"
	textEmptyRow    = "empty row ignored"
	textOnlyBlank   = "the file has only blank lines"
	textNeverClosed = "a quoted cell starts here and is never closed"
)

func (p *parser) cell(sp span) string {
	if sp.hi == ownedSpan {
		return p.owned[sp.lo]
	}
	return p.s[sp.lo:sp.hi]
}

// blank reports whether the record starting at first has nothing in it.
func (p *parser) blank(first int) bool {
	for _, sp := range p.spans[first:] {
		if !isBlank(p.cell(sp)) {
			return false
		}
	}
	return true
}

func (p *parser) blankMessage(first, line int) Message {
	if len(p.spans)-first == 1 {
		return Message{Severity: Warning, Line: line, Text: textBlankLine, Rule: RuleBlankLine}
	}
	return Message{Severity: Warning, Line: line, Text: textEmptyRow, Rule: RuleEmptyRow}
}

// crLineEnds reports whether lines end with a lone CR (classic Mac, and
// Excel for Mac's "CSV (Macintosh)"), judged by the first line end outside
// quotes: such a file can still hold line feeds inside quoted cells, since
// Excel stores a line typed with Alt+Enter as one.
func crLineEnds(s string) bool {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case '\n':
			if !inQuote {
				return false
			}
		case '\r':
			if !inQuote {
				return i+1 == len(s) || s[i+1] != '\n'
			}
		}
	}
	return false
}

// crToLF turns every lone CR into a line feed, the line end the parser
// reads.
func crToLF(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			b[i] = '\n'
		}
	}
	return string(b)
}

// headerStart skips blank lines so sniffing looks at the header itself.
func headerStart(s string, pos int) int {
	for pos < len(s) {
		end := strings.IndexByte(s[pos:], '\n')
		if end < 0 {
			return pos
		}
		if !isBlank(strings.Trim(s[pos:pos+end], ",;\t")) {
			return pos
		}
		pos += end + 1
	}
	return pos
}

// cell returns the cell of row i in file column c as stored (not trimmed).
func (f *File) cell(i, c int) string {
	r := f.rows[i]
	if c < 0 || c >= int(r.n) {
		return ""
	}
	sp := f.spans[int(r.first)+c]
	if sp.hi == ownedSpan {
		return f.owned[sp.lo]
	}
	return f.text[sp.lo:sp.hi]
}

// Len returns the number of rows (blank lines and the header not counted).
func (f *File) Len() int { return len(f.rows) }

// Line returns the file line where row i starts (quoted cells may span
// several lines).
func (f *File) Line(i int) int {
	if i < 0 || i >= len(f.rows) {
		return 0
	}
	return int(f.rows[i].line)
}

// Has reports whether the file has a column for the field key.
func (f *File) Has(key string) bool {
	fi, ok := f.field(key)
	return ok && f.fieldCol[fi] >= 0
}

// Value returns the trimmed cell of row i for the field key, "" when the
// column is absent. A value that matches one of the field's choices in
// another letter case comes back in the choice's own spelling.
func (f *File) Value(i int, key string) string {
	fi, ok := f.field(key)
	if !ok || i < 0 || i >= len(f.rows) {
		return ""
	}
	return f.value(fi, f.cell(i, f.fieldCol[fi]))
}

// List returns the comma-separated values of row i for the field key,
// trimmed, without empty items; choices come back in their own spelling.
func (f *File) List(i int, key string) []string {
	fi, ok := f.field(key)
	if !ok || i < 0 || i >= len(f.rows) {
		return nil
	}
	return f.list(fi, f.cell(i, f.fieldCol[fi]))
}

// Raw returns the cell of row i for the field key exactly as stored, for an
// editor to start from.
func (f *File) Raw(i int, key string) string {
	fi, ok := f.field(key)
	if !ok || i < 0 || i >= len(f.rows) {
		return ""
	}
	return f.cell(i, f.fieldCol[fi])
}

// Cells returns every cell of row i in file order, unknown columns
// included, as stored.
func (f *File) Cells(i int) []string {
	if i < 0 || i >= len(f.rows) {
		return nil
	}
	out := make([]string, f.rows[i].n)
	for c := range out {
		out[c] = f.cell(i, c)
	}
	return out
}

// Header returns the file's own headers in file order.
func (f *File) Header() []string { return append([]string(nil), f.header...) }

// Column returns the file's header for the field key, "" when absent.
func (f *File) Column(key string) string {
	fi, ok := f.field(key)
	if !ok || f.fieldCol[fi] < 0 {
		return ""
	}
	return f.header[f.fieldCol[fi]]
}

// Schema returns the schema the file was read with.
func (f *File) Schema() *Schema { return f.schema }

// Warnings returns the messages about the file as a whole: its encoding,
// unknown columns, blank lines. Row messages come from Validate.
func (f *File) Warnings() []Message { return append([]Message(nil), f.warnings...) }

// Path returns the path or name the file was read from.
func (f *File) Path() string { return f.path }

// Encoding returns how the file was stored: "UTF-8", "UTF-8 with BOM",
// "UTF-16LE", "UTF-16BE" or "Windows-1252".
func (f *File) Encoding() string { return f.encoding }

// Delimiter returns the cell delimiter, sniffed or given; 0 for rows that
// did not come from delimited text (FromRecords).
func (f *File) Delimiter() rune { return f.delim }

// String describes the file for logs: name, rows, encoding, delimiter.
func (f *File) String() string {
	if f.src != nil {
		return fmt.Sprintf("%s: %d rows, %s", f.path, len(f.rows), f.src.Kind())
	}
	if f.delim == 0 {
		return fmt.Sprintf("%s: %d rows, %s", f.path, len(f.rows), f.encoding)
	}
	return fmt.Sprintf("%s: %d rows, %s, %s-delimited", f.path, len(f.rows), f.encoding, delimiterName(f.delim))
}
