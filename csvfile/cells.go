package csvfile

import "fmt"

// What a read File answers: its rows and cells by field, its header and
// how it was stored.

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
	return fmt.Sprintf("%s: %d rows, %s, %s-delimited", f.path, len(f.rows), f.encoding, DelimiterName(f.delim))
}
