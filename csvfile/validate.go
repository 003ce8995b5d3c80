package csvfile

import (
	"sort"
	"strconv"
	"strings"
)

// Validation holds the messages of every row of one File. The Editor keeps
// it current edit by edit; nothing here is safe for concurrent use.
type Validation struct {
	f       *File
	msgs    map[int][]Message // only rows that have messages
	nErr    int
	nWarn   int
	nBadRow int

	ids *identities // nil when the file has no identity column

	advice map[string]advice // field index + value → explanation, computed once

	// RowChecks see the row through get, which reads row cur; one closure
	// for the whole pass instead of one per row.
	cur int
	get func(key string) string
}

// Validate checks every row of f against its schema.
func Validate(f *File) *Validation {
	v := &Validation{f: f}
	if id := f.schema.Identity(); id != nil {
		if fi := f.byKey[id.Key]; f.fieldCol[fi] >= 0 {
			v.ids = newIdentities(v, fi)
		}
	}
	v.get = func(key string) string { return v.f.Value(v.cur, key) }
	v.all()
	return v
}

// all validates from scratch.
func (v *Validation) all() {
	f := v.f
	v.msgs = map[int][]Message{}
	v.advice = map[string]advice{}
	v.nErr, v.nWarn, v.nBadRow = 0, 0, 0
	for i := range f.rows {
		if ms := v.check(i, false); ms != nil {
			v.msgs[i] = ms
		}
	}
	if v.ids != nil {
		for _, g := range v.ids.build() {
			for _, i := range g {
				v.msgs[int(i)] = append(v.msgs[int(i)], v.dupMessage(int(i), g))
			}
		}
	}
	for _, ms := range v.msgs {
		v.count(ms, 1)
	}
}

// check returns the messages of row i; withDup adds the same-email one
// (the full pass adds those once it has seen every row).
func (v *Validation) check(i int, withDup bool) []Message {
	f := v.f
	s := f.schema
	var ms []Message
	line := int(f.rows[i].line)
	if n, want := int(f.rows[i].n), len(f.header); n != want {
		ms = append(ms, v.raggedMessage(i, n, want))
	}
	for fi := range s.Fields {
		c := f.fieldCol[fi]
		if c < 0 {
			continue
		}
		fd := &s.Fields[fi]
		raw := f.cell(i, c)
		if f.notes != nil {
			if note, ok := f.notes[[2]int{i, c}]; ok {
				ms = append(ms, Message{Severity: Warning, Line: line, Column: fd.Header, Text: note})
			}
		}
		val := strings.TrimSpace(raw)
		if val == "" {
			if fd.Required {
				ms = append(ms, Message{Severity: Error, Line: line, Column: fd.Header, Text: "required, but the cell is empty"})
			}
			continue
		}
		if len(val) != len(raw) {
			ms = append(ms, Message{Severity: Warning, Line: line, Column: fd.Header,
				Text: "spaces before or after the value are ignored",
				Fix:  &Fix{Column: fd.Header, Value: val, Label: "remove the spaces"}})
		}
		if fd.Email {
			if problem, fix := checkEmail(val); problem != "" {
				m := Message{Severity: Error, Line: line, Column: fd.Header, Text: problem}
				if fix != "" {
					m.Fix = &Fix{Column: fd.Header, Value: fix, Label: "use " + quote(fix)}
				}
				ms = append(ms, m)
			}
		}
		if x := f.choices[fi]; x != nil {
			ms = v.checkChoices(ms, fi, x, raw, val, line)
		}
	}
	if f.notes != nil { // unknown columns are kept, so what the reader noticed there counts too
		for c, fi := range f.colField {
			if note, ok := f.notes[[2]int{i, c}]; ok && fi < 0 {
				ms = append(ms, Message{Severity: Warning, Line: line, Column: f.header[c], Text: note})
			}
		}
	}
	if len(s.RowChecks) > 0 {
		v.cur = i
		for _, rc := range s.RowChecks {
			for _, m := range rc(v.get) {
				m.Line = line
				ms = append(ms, m)
			}
		}
	}
	if withDup && v.ids != nil {
		if g := v.ids.rowsLike(i); len(g) > 1 {
			ms = append(ms, v.dupMessage(i, g))
		}
	}
	return ms
}

// checkChoices checks each comma-separated value of a cell. A scalar field
// whose whole value is a choice is fine even with a comma in it (department
// names can hold one); how many values a scalar may hold is the target's
// rule (a RowCheck).
func (v *Validation) checkChoices(ms []Message, fi int, x *choiceIndex, raw, val string, line int) []Message {
	fd := x.field
	if !fd.List {
		if _, ok := x.lookup(val); ok {
			return ms
		}
	}
	for it := range items(raw) {
		if _, ok := x.lookup(it.text); ok {
			continue
		}
		key := strconv.Itoa(fi) + "\x00" + it.text
		a, ok := v.advice[key]
		if !ok {
			a = x.explain(it.text)
			v.advice[key] = a
		}
		m := Message{Severity: Error, Line: line, Column: fd.Header, Text: a.text}
		if a.use != "" {
			fixed := strings.TrimSpace(replaceItem(raw, it, a.use))
			m.Fix = &Fix{Column: fd.Header, Value: fixed, Label: "use " + quote(a.use)}
		}
		ms = append(ms, m)
	}
	return ms
}

func (v *Validation) raggedMessage(i, n, want int) Message {
	m := Message{Line: v.f.Line(i)}
	if n < want {
		m.Severity = Warning
		m.Text = "the row has " + strconv.Itoa(n) + " cells but the header has " + strconv.Itoa(want) +
			"; the missing cells are read as empty"
		return m
	}
	for c := want; c < n; c++ {
		if !isBlank(v.f.cell(i, c)) {
			m.Severity = Error
			m.Text = "the row has " + strconv.Itoa(n) + " cells but the header has " + strconv.Itoa(want) +
				"; a value may hold an unquoted " + delimiterName(v.f.delim)
			return m
		}
	}
	m.Severity = Warning
	m.Text = "the row has " + strconv.Itoa(n) + " cells but the header has " + strconv.Itoa(want) +
		"; the extra cells are empty and ignored"
	return m
}

// dupMessage names the other lines that hold row i's identity.
func (v *Validation) dupMessage(i int, g []int32) Message {
	fd := &v.f.schema.Fields[v.ids.field]
	var lines []string
	for _, j := range g {
		if int(j) != i {
			if len(lines) == 5 {
				lines = append(lines, strconv.Itoa(len(g)-1-5)+" more")
				break
			}
			lines = append(lines, strconv.Itoa(v.f.Line(int(j))))
		}
	}
	what := "this email"
	if !fd.Email {
		what = "this " + strings.ToLower(fd.Header)
	}
	where := "line " + lines[0]
	if len(lines) > 1 {
		where = "lines " + joinAnd(lines)
	}
	return Message{Severity: Error, Line: v.f.Line(i), Column: fd.Header, Text: what + " is also on " + where}
}

func (v *Validation) count(ms []Message, sign int) {
	bad := false
	for _, m := range ms {
		if m.Severity == Error {
			v.nErr += sign
			bad = true
		} else {
			v.nWarn += sign
		}
	}
	if bad {
		v.nBadRow += sign
	}
}

// recheck validates row i again after an edit.
func (v *Validation) recheck(i int) {
	v.count(v.msgs[i], -1)
	if ms := v.check(i, true); ms != nil {
		v.msgs[i] = ms
		v.count(ms, 1)
	} else {
		delete(v.msgs, i)
	}
}

// File returns the file this validation is of.
func (v *Validation) File() *File { return v.f }

// Row returns the messages of row i (nil when it has none). The slice is
// the validation's own: do not change it.
func (v *Validation) Row(i int) []Message { return v.msgs[i] }

// OK reports whether row i has no error (warnings do not block a row).
func (v *Validation) OK(i int) bool {
	for _, m := range v.msgs[i] {
		if m.Severity == Error {
			return false
		}
	}
	return true
}

// Errors returns the number of error messages in rows.
func (v *Validation) Errors() int { return v.nErr }

// Warnings returns the number of warnings: the rows' and the file's own.
func (v *Validation) Warnings() int { return v.nWarn + len(v.f.warnings) }

// RowsWithErrors returns how many rows have at least one error.
func (v *Validation) RowsWithErrors() int { return v.nBadRow }

// Problems returns the indexes of the rows with any message, ascending.
func (v *Validation) Problems() []int {
	out := make([]int, 0, len(v.msgs))
	for i := range v.msgs {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// Messages returns every message in file order: the file's own warnings
// (those about the whole file first) and each row's.
func (v *Validation) Messages() []Message {
	out := make([]Message, 0, len(v.f.warnings)+v.nErr+v.nWarn)
	out = append(out, v.f.warnings...)
	for _, i := range v.Problems() {
		out = append(out, v.msgs[i]...)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Line < out[b].Line })
	return out
}
