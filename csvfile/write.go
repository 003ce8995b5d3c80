package csvfile

import (
	"bufio"
	"io"
	"strconv"
)

// EscapeFormula makes a cell safe to open in a spreadsheet: a value that
// starts with = + - @ (or a tab or carriage return) would run as a formula,
// so it gets a leading apostrophe, which spreadsheets show as text. Plain
// numbers such as -5 or +1.5 are left alone; they cannot run anything.
// Use it on every cell of an exported CSV (report, plan export).
func EscapeFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if s[0] == '-' || s[0] == '+' {
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				return s
			}
		}
		return "'" + s
	}
	return s
}

// WriteTemplate writes an empty file for the schema: the header row, in
// the schema's column order.
func WriteTemplate(w io.Writer, s *Schema) error {
	headers := make([]string, len(s.Fields))
	for i := range s.Fields {
		headers[i] = s.Fields[i].Header
	}
	bw := bufio.NewWriter(w)
	writeRecord(bw, headers, ',', "\n")
	return bw.Flush()
}
