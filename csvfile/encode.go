package csvfile

import (
	"fmt"
	"strconv"
)

// EncodingError says a file cannot be saved in its own encoding: a cell
// holds a character the encoding has no byte for (a Windows-1252 file
// edited to hold "Nguyễn"). SaveAs with a Unicode encoding saves it.
type EncodingError struct {
	Path     string
	Encoding string
	Line     int
	Column   string
	Char     rune
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("save %s: line %d, %s holds %s, which %s cannot store; save it as UTF-8 instead",
		e.Path, e.Line, e.Column, strconv.QuoteRune(e.Char), e.Encoding)
}

// unencodable finds the first cell a Windows-1252 file cannot store.
func (f *File) unencodable() *EncodingError {
	if f.encoding != EncWindows1252 {
		return nil
	}
	bad := func(s string) (rune, bool) {
		for _, r := range s {
			if r < 0x80 {
				continue
			}
			if _, ok := encode1252(r); !ok {
				return r, true
			}
		}
		return 0, false
	}
	for c, h := range f.header {
		if r, ok := bad(h); ok {
			return &EncodingError{Path: f.path, Encoding: f.encoding, Line: f.hdrLine, Column: "the header of column " + strconv.Itoa(c+1), Char: r}
		}
	}
	for i := range f.rows {
		if f.state(i) == rowDeleted {
			continue
		}
		for c := 0; c < int(f.rows[i].n); c++ {
			if r, ok := bad(f.cell(i, c)); ok {
				col := "column " + strconv.Itoa(c+1)
				if c < len(f.header) && f.header[c] != "" {
					col = f.header[c]
				}
				return &EncodingError{Path: f.path, Encoding: f.encoding, Line: f.Line(i), Column: col, Char: r}
			}
		}
	}
	return nil
}

// SaveAs saves the file in another encoding (EncUTF8 or EncUTF8BOM), as
// when an EncodingError says its own cannot hold what it now says.
func (e *Editor) SaveAs(encoding string) (string, error) {
	if encoding != EncUTF8 && encoding != EncUTF8BOM {
		return "", fmt.Errorf("save %s as %s: only UTF-8 (with or without a BOM) is offered", e.f.path, encoding)
	}
	return e.save(encoding)
}
