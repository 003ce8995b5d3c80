package csvfile

import "strings"

// MaxCell is the longest cell the reader accepts. No user field is anywhere
// near it; a longer one means the file is not a user file (or a quote was
// never closed), and holding it would only hide that.
const MaxCell = 1 << 20

// ownedSpan in span.hi marks a cell that is not a slice of the file's text
// (it had doubled quotes, or was edited); span.lo then indexes File.owned.
const ownedSpan = ^uint32(0)

// span locates one cell in the file's text. Rows are stored as runs of
// spans into the one decoded text, so a million-row file costs the text
// plus eight bytes a cell, and reading it allocates nothing per cell.
type span struct{ lo, hi uint32 }

// row is one record of the file.
type row struct {
	first uint32 // index of the row's first cell in File.spans
	n     uint32 // cells in the row; ragged rows differ from the header
	line  uint32 // file line the row starts on (1-based)
}

// cellNote is something the reader noticed about one cell while reading
// it (text after a closing quote), reported with the row's messages.
type cellNote struct {
	col  int
	text string
}

// parser splits decoded text into records. It is lenient where spreadsheet
// programs are (a bare quote inside a cell is kept, text after a closing
// quote is appended) and strict only where the data would be lost.
type parser struct {
	s     string
	pos   int
	line  int
	delim byte
	spans []span
	owned []string
	notes []cellNote // notes of the record just read
}

// next reads one record, appending its cells to p.spans. It returns the
// index of the first cell, the line the record starts on, and ok=false at
// the end of the text. Cells are found with strings.IndexByte (vectorized),
// and unquoted or simply quoted cells are slices of the text: nothing is
// copied or allocated per cell.
func (p *parser) next() (first, line int, ok bool, ferr *FileError) {
	if p.pos >= len(p.s) {
		return 0, 0, false, nil
	}
	p.notes = p.notes[:0]
	s, delim := p.s, p.delim
	spans := p.spans
	first, line = len(spans), p.line
	i := p.pos
	eol := lineEnd(s, i)
	for col := 0; ; col++ {
		quoted := false
		if i < eol {
			if c := s[i]; c == '"' || c == ' ' || c == '\t' {
				j := i
				for j < eol && (s[j] == ' ' || s[j] == '\t') && s[j] != delim {
					j++
				}
				if j < eol && s[j] == '"' {
					quoted, i = true, j
				}
			}
		}
		if !quoted {
			j := strings.IndexByte(s[i:eol], delim)
			end := i + j
			if j < 0 {
				end = eol
				if end > i && s[end-1] == '\r' {
					end--
				}
			}
			if end-i > MaxCell {
				p.spans = spans
				return 0, 0, false, tooLong(p.line, col)
			}
			spans = append(spans, span{uint32(i), uint32(end)})
			if j >= 0 {
				i += j + 1
				continue
			}
			i = eol
		} else {
			var ferr *FileError
			p.spans = spans
			i, eol, ferr = p.quotedCell(i, eol, col)
			spans = p.spans
			if ferr != nil {
				return 0, 0, false, ferr
			}
			if i < len(s) && s[i] == delim {
				i++
				continue
			}
		}
		// i is at the record's '\n' or the end of the text.
		p.spans = spans
		p.line++
		p.pos = min(i+1, len(s))
		return first, line, true, nil
	}
}

// lineEnd returns the index of the '\n' ending the line at i, or len(s).
func lineEnd(s string, i int) int {
	if e := strings.IndexByte(s[i:], '\n'); e >= 0 {
		return i + e
	}
	return len(s)
}

// quotedCell reads the quoted cell whose opening quote is at i (which may
// span lines) and returns where it ends (at a delimiter, '\n' or the end of
// the text) and the end of the line it ends on.
func (p *parser) quotedCell(i, eol, col int) (int, int, *FileError) {
	s, delim := p.s, p.delim
	cellLine := p.line
	k := i + 1
	from := k
	var buf []byte // set once the cell cannot be a slice of the text
	for {
		q := strings.IndexByte(s[k:], '"')
		if q < 0 {
			return 0, 0, &FileError{Line: cellLine, Column: col + 1,
				Msg: textNeverClosed}
		}
		if k+q > eol { // the cell goes on past this line
			p.line += strings.Count(s[k:k+q], "\n")
		}
		k += q
		if len(buf)+k-from > MaxCell {
			return 0, 0, tooLong(cellLine, col)
		}
		if k+1 < len(s) && s[k+1] == '"' { // "" is one quote
			buf = append(buf, s[from:k+1]...)
			k += 2
			from = k
			continue
		}
		break
	}
	closing := k
	if closing > eol {
		eol = lineEnd(s, closing)
	}
	e := closing + 1
	if e < eol && s[e] != delim {
		if d := strings.IndexByte(s[e:eol], delim); d >= 0 {
			e += d
		} else {
			e = eol
		}
	}
	if tail := strings.TrimSuffix(s[closing+1:e], "\r"); !isBlank(tail) {
		// "abc"def: spreadsheets read abcdef; so do we, and say so.
		buf = append(buf, s[from:closing]...)
		buf = append(buf, tail...)
		from = closing
		p.notes = append(p.notes, cellNote{col: col,
			text: "text after the closing quote; read as " + quote(string(buf))})
	}
	if buf != nil {
		buf = append(buf, s[from:closing]...)
		if len(buf) > MaxCell {
			return 0, 0, tooLong(cellLine, col)
		}
		p.spans = append(p.spans, span{uint32(len(p.owned)), ownedSpan})
		p.owned = append(p.owned, string(buf))
	} else {
		p.spans = append(p.spans, span{uint32(i + 1), uint32(closing)})
	}
	return e, eol, nil
}

func tooLong(line, col int) *FileError {
	return &FileError{Line: line, Column: col + 1,
		Msg: "a cell is longer than 1 MiB; this does not look like a user file"}
}

// isBlank reports whether s holds only white space, without allocating.
func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f':
		case c < 0x80:
			return false
		default:
			return strings.TrimSpace(s[i:]) == ""
		}
	}
	return true
}

// sniffDelimiter picks the delimiter of the header line: the one of comma,
// semicolon and tab that occurs most often outside quotes (comma on a tie
// or when there is none, as in a one-column file).
func sniffDelimiter(s string) byte {
	var comma, semi, tab int
	inQuote := false
	for i := 0; i < len(s) && i < 1<<16; i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				comma++
			}
		case ';':
			if !inQuote {
				semi++
			}
		case '\t':
			if !inQuote {
				tab++
			}
		case '\n':
			if !inQuote {
				i = len(s)
			}
		}
	}
	switch {
	case semi > comma && semi >= tab:
		return ';'
	case tab > comma && tab > semi:
		return '\t'
	}
	return ','
}

// DelimiterName names a delimiter in messages and summaries: a word for
// the usual four, any other quoted and escaped (a "sep=" line can name any
// ASCII byte).
func DelimiterName(d rune) string {
	switch d {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	case '|':
		return "pipe"
	}
	return quote(string(d))
}
