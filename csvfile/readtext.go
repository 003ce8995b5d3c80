package csvfile

import (
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"
)

// Reading a file's text into a File: its size, line ends and head (Excel's
// sep= line, the delimiter, where the header starts), then its rows.

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

// keep adds the record next just read (its cells from first, on line) to
// rows, and its notes to notes; a blank one is dropped instead, and ok is
// false with the message it gets.
func (p *parser) keep(first, line int, rows *[]row, notes *[]cellNoteAt) (blank Message, ok bool) {
	if p.blank(first) {
		blank = p.blankMessage(first, line)
		p.spans = p.spans[:first]
		return blank, false
	}
	for _, n := range p.notes {
		*notes = append(*notes, cellNoteAt{len(*rows), n})
	}
	*rows = append(*rows, row{first: uint32(first), n: uint32(len(p.spans) - first), line: uint32(line)})
	return Message{}, true
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
