package csvfile

import (
	"io"
	"strconv"
	"strings"
)

// ScanRecords validates rows that a caller parsed out of another format
// (the ccai JSON template, a workbook) as they come, as FromRecords and
// Validate would: header is the file's header; next returns each record
// and the line it starts on, and io.EOF after the last; warnings are the
// caller's own messages about the file.
func ScanRecords(name string, schema *Schema, header []string, next func() ([]string, int, error),
	warnings []Message, h ScanHandler) (Summary, error) {
	if schema == nil {
		schema = &Schema{}
	}
	s := &scan{h: h, sum: Summary{Path: name, Encoding: EncUTF8}}
	err := s.records(name, schema, header, next, warnings)
	if ferr := s.finishDups(err == nil); err == nil {
		err = ferr
	}
	return s.sum, err
}

func (s *scan) records(name string, schema *Schema, header []string, next func() ([]string, int, error), warnings []Message) error {
	if len(header) == 0 {
		return &FileError{Path: name, Msg: "the file has no columns"}
	}
	for _, hd := range header {
		s.header = append(s.header, strings.TrimSpace(hd))
	}
	s.schema = schema
	cols, warns, ferr := MatchHeaders(schema, s.header, nil)
	if ferr != nil {
		ferr.Path = name
		return ferr
	}
	s.colField = cols
	s.indexFields()
	if err := s.start(append(append([]Message(nil), warnings...), warns...)); err != nil {
		return err
	}
	n := len(header)
	for {
		rec, line, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(rec) > n {
			return &FileError{Path: name, Line: line,
				Msg: "the row has " + strconv.Itoa(len(rec)) + " cells but the header has " + strconv.Itoa(n)}
		}
		s.rv.line, s.rv.cells, s.rv.notes = line, s.rv.cells[:0], nil
		for c := range n {
			cell := ""
			if c < len(rec) {
				cell = rec[c]
			}
			if len(cell) > MaxCell {
				return &FileError{Path: name, Line: line,
					Msg: quote(s.header[c]) + " is longer than 1 MiB; this does not look like a user file"}
			}
			s.rv.cells = append(s.rv.cells, cell)
		}
		if err := s.row(); err != nil {
			return err
		}
	}
	if s.sum.Rows == 0 {
		return &FileError{Path: name, Msg: "the file has no rows"}
	}
	return nil
}

// ScanFile hands out a File read by another reader (a workbook's) as Scan
// hands out what it reads: every message (the file's, then each row's
// before the row) and every row, after validating it in memory. It lets
// the commands that scan treat every format alike.
func ScanFile(f *File, h ScanHandler) (Summary, error) {
	v := Validate(f)
	s := &scan{h: h, layout: f.layout}
	s.cur.s = s
	sum := Summary{Path: f.Path(), Encoding: f.Encoding(), Delimiter: f.Delimiter(), Kind: f.Kind(),
		Header: f.Header(), Rows: f.Len(), Errors: v.Errors(), Warnings: v.Warnings(), RowsWithErrors: v.RowsWithErrors()}
	if h.Message != nil {
		for _, m := range f.Warnings() {
			if err := h.Message(m); err != nil {
				return sum, err
			}
		}
	}
	for i := range f.Len() {
		ms := v.Row(i)
		if h.Message != nil {
			for _, m := range ms {
				if err := h.Message(m); err != nil {
					return sum, err
				}
			}
		}
		if h.Row != nil {
			s.rv.line, s.rv.cells = f.Line(i), f.Cells(i)
			s.cur.Index, s.cur.Line, s.cur.Errors = i, f.Line(i), !v.OK(i)
			if err := h.Row(&s.cur); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}
