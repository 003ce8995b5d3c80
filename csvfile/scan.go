package csvfile

import (
	"errors"
	"io"
	"math"
	"strings"
	"unsafe"
)

// ScanHandler receives what Scan finds, as it finds it. The strings in what
// it is handed (cells, values, message texts and fixes) may point into
// Scan's buffer, which the next row overwrites: they are valid during the
// call only; keep a copy (strings.Clone) of what must outlive it. An error
// a handler returns stops the scan and comes back from it.
type ScanHandler struct {
	// Message gets every message: the file's own and each row's, a row's
	// before the row itself, but for the duplicate rule's ("this email is
	// also on line N"), which come later, found on another goroutine, and
	// the encoding warning, known at the end. m.Line says which row a
	// message is about. Calls are never concurrent.
	Message func(m Message) error
	// Row gets each row once it has been checked.
	Row func(r *ScanRow) error
}

// ScanRow is the row Scan is at, as a File's row reads: Value, List and
// Has answer as File's do.
type ScanRow struct {
	Index int // 0-based, as File's rows count
	Line  int // the file line it starts on
	// Errors reports whether its messages so far hold an error. The
	// duplicate rule's come later (ScanHandler.Message, with its line).
	Errors bool
	s      *scan
}

// Has reports whether the file has a column for the field key.
func (r *ScanRow) Has(key string) bool {
	fi, ok := r.s.field(key)
	return ok && r.s.fieldCol[fi] >= 0
}

// Value is File.Value for this row.
func (r *ScanRow) Value(key string) string {
	fi, ok := r.s.field(key)
	if !ok || r.s.fieldCol[fi] < 0 {
		return ""
	}
	return r.s.value(fi, r.s.rv.cell(r.s.fieldCol[fi]))
}

// List is File.List for this row.
func (r *ScanRow) List(key string) []string {
	fi, ok := r.s.field(key)
	if !ok || r.s.fieldCol[fi] < 0 {
		return nil
	}
	return r.s.list(fi, r.s.rv.cell(r.s.fieldCol[fi]))
}

// Summary is what Scan found in the whole file.
type Summary struct {
	Path      string
	Encoding  string // as File.Encoding
	Delimiter rune   // as File.Delimiter
	Kind      string // as File.Kind: "" but for a workbook
	Header    []string
	Rows      int
	// Errors and Warnings count messages (Warnings the file's own too);
	// RowsWithErrors counts rows with at least one error.
	Errors, Warnings, RowsWithErrors int
}

// Scan reads and validates the file at path ("-": standard input,
// Options.Stdin) row by row as it is read, with the same rules as Open and
// Validate (a row gets the same messages either way), keeping only what
// rules across rows need: for duplicates, the first line of each
// identity. Memory grows with the number of distinct emails, not with the
// file. OpenInput says what it refuses. Every failure of the file is a
// *FileError, and one can come after messages and rows were handed out
// (a NUL byte half-way, a quote never closed); a handler's error comes
// back as it is.
func Scan(path string, schema *Schema, opts Options, h ScanHandler) (Summary, error) {
	src, err := OpenInput(path, opts.Stdin)
	if err != nil {
		return Summary{Path: path}, err
	}
	defer src.Close()
	return ScanInput(src, schema, opts, h)
}

// ScanInput is Scan of an opened input (another reader may have looked at
// its Head first), as ReadInput is Open's.
func ScanInput(src *Input, schema *Schema, opts Options, h ScanHandler) (Summary, error) {
	if err := src.CheckText(); err != nil {
		return Summary{Path: src.Name()}, err
	}
	size := src.Size()
	if size == 0 {
		size = -1 // not known
	}
	sum, err := scanReader(src, src.Name(), schema, opts, h, size)
	// A file still being written reads as whatever part of it had
	// arrived: say so rather than report that half row (as ReadInput).
	if src.Changed() {
		return sum, &FileError{Path: src.Name(), Msg: "the file changed while it was being read; " +
			"wait until the program writing it has finished, then open it again"}
	}
	return sum, err
}

// ScanReader is Scan of what r holds; name is used in messages.
func ScanReader(r io.Reader, name string, schema *Schema, opts Options, h ScanHandler) (Summary, error) {
	return scanReader(r, name, schema, opts, h, -1)
}

// scanReader is ScanReader of a text of size bytes (-1: not known).
func scanReader(r io.Reader, name string, schema *Schema, opts Options, h ScanHandler, size int64) (Summary, error) {
	if schema == nil {
		schema = &Schema{}
	}
	s := &scan{h: h, sum: Summary{Path: name}, size: size, pipe: size < 0 || size >= scanPipeMin}
	err := s.text(r, schema, opts)
	if ferr := s.finishDups(err == nil); err == nil {
		err = ferr
	}
	var fe *FileError
	if errors.As(err, &fe) && fe.Path == "" {
		fe.Path = name
	}
	return s.sum, err
}

// scan is one streaming validation.
type scan struct {
	layout
	h    ScanHandler
	sum  Summary
	chk  *checker
	rv   rowView
	cur  ScanRow
	dups *dupIndex
	// rows' identities on their way to dups, which runs on its own
	// goroutine, and what it found
	dupBatch []dupWork
	dupIn    chan []dupWork
	dupOut   chan []dupFound
	dupFree  chan []dupWork // batches the index is done with
	tr       *textReader    // nil for records
	pipe     bool           // read, check and find duplicates on goroutines of their own
	size     int64          // of the text, in bytes; -1 when not known
	// blank lines not yet reported: only those before a row are (as
	// parse keeps them), so they wait for the next row.
	blanks []lineRun
}

type lineRun struct{ line, n int }

// start is called once the header is known: it reports the file's own
// messages and gets the rules ready.
func (s *scan) start(warnings []Message) error {
	s.sum.Header = append([]string(nil), s.header...)
	s.sum.Delimiter = s.delim
	s.chk = newChecker(&s.layout)
	s.cur.s = s
	if id := s.schema.Identity(); id != nil {
		if fi, ok := s.field(id.Key); ok && s.fieldCol[fi] >= 0 {
			s.dups = newDupIndex(fi, &s.schema.Fields[fi])
			s.startDups()
		}
	}
	for _, m := range warnings {
		if err := s.message(m); err != nil {
			return err
		}
	}
	return nil
}

func (s *scan) message(m Message) error {
	if m.Severity == Error {
		s.sum.Errors++
	} else {
		s.sum.Warnings++
	}
	if s.h.Message != nil {
		return s.h.Message(m)
	}
	return nil
}

// blank notes a blank line or an empty row at line.
func (s *scan) blank(m Message) error {
	if m.Rule != RuleBlankLine {
		return s.message(m) // empty rows are always worth a word
	}
	if k := len(s.blanks) - 1; k >= 0 && s.blanks[k].line+s.blanks[k].n == m.Line {
		s.blanks[k].n++
	} else {
		s.blanks = append(s.blanks, lineRun{m.Line, 1})
	}
	return nil
}

// row checks the row in s.rv and hands it on.
func (s *scan) row() error {
	ms := s.chk.row(&s.rv)
	var id dupWork
	has := false
	if s.dups != nil {
		if val := s.chk.vals[s.dups.field]; val != "" {
			id.h1, id.h2 = s.dups.hash(val, &s.dups.buf)
			has = true
		}
	}
	return s.emit(ms, has, id)
}

// badOf reports whether messages hold an error.
func badOf(ms []Message) bool {
	for _, m := range ms {
		if m.Severity == Error {
			return true
		}
	}
	return false
}

// emit hands on the checked row in s.rv, its messages ms and, when has,
// its identity's hashes. Rows are emitted in file order.
func (s *scan) emit(ms []Message, has bool, id dupWork) error {
	for _, b := range s.blanks {
		for k := range b.n {
			if err := s.message(Message{Severity: Warning, Line: b.line + k, Text: textBlankLine, Rule: RuleBlankLine}); err != nil {
				return err
			}
		}
	}
	s.blanks = s.blanks[:0]
	if s.sum.Rows >= math.MaxInt32 {
		return &FileError{Line: s.rv.line, Msg: "the file has too many rows"}
	}
	index := s.sum.Rows
	s.sum.Rows++
	bad := badOf(ms)
	if has {
		id.line, id.bad = uint32(s.rv.line), bad
		s.dupBatch = append(s.dupBatch, id)
		if len(s.dupBatch) == cap(s.dupBatch) {
			if err := s.sendDups(); err != nil {
				return err
			}
		}
	}
	if bad {
		s.sum.RowsWithErrors++
	}
	for _, m := range ms {
		if err := s.message(m); err != nil {
			return err
		}
	}
	if s.h.Row != nil {
		s.cur.Index, s.cur.Line, s.cur.Errors = index, s.rv.line, bad
		return s.h.Row(&s.cur)
	}
	return nil
}

// startDups starts the duplicate index on its goroutine.
func (s *scan) startDups() {
	s.dupBatch = make([]dupWork, 0, 512)
	if s.pipe {
		s.dupIn, s.dupOut, s.dupFree = make(chan []dupWork, 4), make(chan []dupFound, 4), make(chan []dupWork, 8)
		go s.dups.run(s.dupIn, s.dupOut, s.dupFree)
	}
}

// sendDups hands the batch to the index, reporting what it found
// meanwhile.
func (s *scan) sendDups() error {
	batch := s.dupBatch
	if s.dupIn == nil { // on this goroutine
		s.dupBatch = batch[:0]
		return s.reportDups(s.dups.take(batch))
	}
	select {
	case s.dupBatch = <-s.dupFree:
	default:
		s.dupBatch = make([]dupWork, 0, cap(batch))
	}
	for {
		select {
		case s.dupIn <- batch:
			return nil
		case found := <-s.dupOut:
			if err := s.reportDups(found); err != nil {
				return err
			}
		}
	}
}

// finishDups waits for the index to finish what it was sent (or, after a
// failure, lets it stop) and reports it.
func (s *scan) finishDups(report bool) error {
	if s.dups == nil {
		return nil
	}
	if s.dupIn == nil { // on this goroutine
		if !report {
			return nil
		}
		if err := s.sendDups(); err != nil {
			return err
		}
		return s.reportDups(s.dups.merge())
	}
	if report && len(s.dupBatch) > 0 {
		if err := s.sendDups(); err != nil {
			report = false
		}
	}
	close(s.dupIn)
	s.dupIn = nil
	var err error
	for found := range s.dupOut {
		if report && err == nil {
			err = s.reportDups(found)
		}
	}
	return err
}

// reportDups gives the rows that share an identity with an earlier one
// their messages, and the first row its own when it has none yet.
func (s *scan) reportDups(found []dupFound) error {
	for _, f := range found {
		if !f.seen.reported { // the first row learns of it now
			s.sum.Errors++
			if !f.seen.firstBad {
				s.sum.RowsWithErrors++
			}
			if s.h.Message != nil {
				if err := s.h.Message(dupMessage(s.dups.fd, f.first, f.line, "line")); err != nil {
					return err
				}
			}
		}
		s.sum.Errors++
		if !f.bad {
			s.sum.RowsWithErrors++
		}
		if s.h.Message != nil {
			if err := s.h.Message(dupMessage(s.dups.fd, f.line, f.first, "line")); err != nil {
				return err
			}
		}
	}
	return nil
}

// text reads delimited text from r: the same decoding, head and records
// as parse, but a window at a time.
func (s *scan) text(r io.Reader, schema *Schema, opts Options) error {
	tr, ferr := newTextReader(r)
	if ferr != nil {
		return ferr
	}
	w := &window{tr: tr}
	// The head must be in the window whole: read until it parses with text
	// to spare (or the text ends).
	var h *head
	var p *parser
	for {
		if err := w.fill(); err != nil {
			return err
		}
		if w.eof && len(w.buf) == 0 {
			return &FileError{Msg: "the file is empty"}
		}
		if w.eof && isBlank(w.str()) {
			return &FileError{Msg: textOnlyBlank}
		}
		p = &parser{s: w.str(), line: 1}
		var ferr *FileError
		h, ferr = readHead(p, schema, opts)
		complete := w.eof || p.pos < len(p.s) || (p.pos > 0 && p.s[p.pos-1] == '\n')
		if ferr != nil && (w.eof || complete && ferr.Msg != textOnlyBlank && ferr.Msg != textNeverClosed) {
			return ferr
		}
		if ferr == nil && complete {
			break
		}
		w.grow()
	}
	s.tr = tr
	s.sum.Encoding, _ = tr.encoding() // final only at the end
	s.layout = h.layout
	for i, hd := range s.header { // the window is written again
		s.header[i] = strings.Clone(hd)
	}
	if err := s.start(h.warnings); err != nil {
		return err
	}

	return s.rows(w, p.pos, p.line)
}

// end finishes a scan at the end of the text.
func (s *scan) end() error {
	s.blanks = nil // blank lines after the last row hide nothing
	if s.sum.Rows == 0 {
		return &FileError{Line: s.hdrLine, Msg: "the file has a header but no rows"}
	}
	if s.tr != nil {
		// Whether the file is UTF-8 is known once all of it has been read.
		enc, warning := s.tr.encoding()
		s.sum.Encoding = enc
		if warning != "" {
			return s.message(Message{Severity: Warning, Text: warning, Rule: RuleEncoding})
		}
	}
	return nil
}

// window is the part of the text being parsed: whatever follows the last
// row handed out, and as much after it as has been read.
type window struct {
	tr    *textReader
	buf   []byte
	want  int // fill reads until it holds this much, or the text ends
	block int // how much a window holds, normally; scanBlock when 0
	eof   bool
}

// str is the window as a string, without a copy: the window is written
// again only after everything taken from it has been handed out.
func (w *window) str() string {
	return unsafe.String(unsafe.SliceData(w.buf), len(w.buf))
}

func (w *window) fill() error {
	if w.want == 0 {
		w.want = scanBlock
		if w.block > 0 {
			w.want = w.block
		}
	}
	for !w.eof && len(w.buf) < w.want {
		b, err := w.tr.next()
		if err == io.EOF {
			w.eof = true
			break
		}
		if err != nil {
			return err
		}
		if len(w.buf)+len(b) > maxFileSize {
			return &FileError{Msg: "a row is larger than 4 GiB"}
		}
		w.buf = append(w.buf, b...)
	}
	return nil
}

// grow asks for twice the text: a record longer than the window.
func (w *window) grow() { w.want = max(2*w.want, 2*len(w.buf)) }
