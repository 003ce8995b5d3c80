package csvfile

import "strings"

// layout is a file's header and how it maps onto a schema: everything the
// row rules need besides the row itself. A File holds one, and so does a
// Scan, so both check a row with the same code.
type layout struct {
	schema   *Schema
	delim    rune     // 0 for rows that did not come from delimited text
	header   []string // the file's headers, trimmed, in file order
	hdrLine  int
	colField []int // file column → index in schema.Fields, or -1
	fieldCol []int // schema field → file column, or -1
	byKey    map[string]int
	choices  []*choiceIndex // per schema field, nil without Choices
}

// indexFields builds the field ↔ column tables and the choice indexes.
func (l *layout) indexFields() {
	s := l.schema
	l.fieldCol = make([]int, len(s.Fields))
	for i := range l.fieldCol {
		l.fieldCol[i] = -1
	}
	for c, fi := range l.colField {
		if fi >= 0 {
			l.fieldCol[fi] = c
		}
	}
	l.byKey = make(map[string]int, len(s.Fields))
	l.choices = make([]*choiceIndex, len(s.Fields))
	for i := range s.Fields {
		l.byKey[s.Fields[i].Key] = i
		if s.Fields[i].Choices != nil {
			l.choices[i] = newChoiceIndex(&s.Fields[i])
		}
	}
}

// field finds a field by key. A scan of a few keys (different lengths
// mostly) is quicker than hashing, and RowChecks call it on every row.
func (l *layout) field(key string) (int, bool) {
	if fs := l.schema.Fields; len(fs) <= 16 {
		for i := range fs {
			if fs[i].Key == key {
				return i, true
			}
		}
		return 0, false
	}
	fi, ok := l.byKey[key]
	return fi, ok
}

// value is a field's cell as File.Value answers it: trimmed, and a choice
// in another letter case in the choice's own spelling.
func (l *layout) value(fi int, cell string) string {
	v := strings.TrimSpace(cell)
	if x := l.choices[fi]; x != nil {
		if c, ok := x.whole(v); ok {
			return x.field.Choices[c].Value
		}
	}
	return v
}

// list is a list field's cell as File.List answers it: the items, trimmed,
// without empty ones, choices in their own spelling.
func (l *layout) list(fi int, cell string) []string {
	var out []string
	x := l.choices[fi]
	for it := range items(cell) {
		v := it.text
		if x != nil {
			if c, ok := x.lookup(v); ok {
				v = x.field.Choices[c].Value
			}
		}
		out = append(out, v)
	}
	return out
}
