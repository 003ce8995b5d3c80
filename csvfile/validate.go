package csvfile

import (
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Validation holds the messages of every row of one File. The Editor keeps
// it current edit by edit; nothing here is safe for concurrent use.
type Validation struct {
	f       *File
	msgs    map[int][]Message // only rows that have messages, and take part in the import
	outMsgs map[int][]Message // the messages of excluded and deleted rows: shown, not counted
	nErr    int
	nWarn   int
	nBadRow int
	ids     *identities // nil when the file has no identity column
	chk     *checker    // for rows checked one at a time (edits)
}

// checker checks rows with the rules of one layout. A full pass runs one
// per CPU on its own share of the rows; each has its own current row for
// the RowChecks' getter and its own cache of advice about wrong values.
type checker struct {
	l      *layout
	vals   []string // the current row's trimmed values, by field
	get    func(key string) string
	advice map[string]advice // field index + value → explanation, computed once
	rv     rowView           // the row being checked, for File rows
}

// rowView is one row as the rules see it: the line it starts on, its cells
// as stored (not trimmed; as many as the row has, which may differ from
// the header) and what the reader noticed about them. It is the one input
// of the row rules, whether the row is held in a File or read as it comes.
type rowView struct {
	line  int
	cells []string
	notes []cellNote
}

// cell returns cell c, "" past the row's end.
func (r *rowView) cell(c int) string {
	if c < 0 || c >= len(r.cells) {
		return ""
	}
	return r.cells[c]
}

// note returns what the reader noticed about cell c.
func (r *rowView) note(c int) (string, bool) {
	for _, n := range r.notes {
		if n.col == c {
			return n.text, true
		}
	}
	return "", false
}

func newChecker(l *layout) *checker {
	c := &checker{l: l, vals: make([]string, len(l.schema.Fields)), advice: map[string]advice{}}
	// The RowChecks' getter reads the values the field pass trimmed (and
	// spelled as their choice); it answers as File.Value does.
	c.get = func(key string) string {
		if fi, ok := c.l.field(key); ok {
			return c.vals[fi]
		}
		return ""
	}
	return c
}

// Validate checks every row of f against its schema. Large files are
// checked on every CPU; the schema's RowChecks must be safe to call
// concurrently (on different rows).
func Validate(f *File) *Validation {
	v := &Validation{f: f, chk: newChecker(&f.layout)}
	if id := f.schema.Identity(); id != nil {
		if fi, ok := f.field(id.Key); ok && f.fieldCol[fi] >= 0 {
			v.ids = newIdentities(v, fi)
		}
	}
	v.all()
	return v
}

// all validates from scratch.
func (v *Validation) all() {
	f := v.f
	n := len(f.rows)
	workers := 1
	if n >= 1<<15 {
		workers = min(runtime.GOMAXPROCS(0), 8)
	}
	type share struct {
		rows []int
		msgs [][]Message
		ids  []idEntry
	}
	shares := make([]share, workers)
	// One array for every row's identity hash, each share writing its own
	// region; the regions are closed up afterwards, in place.
	var entries []idEntry
	if v.ids != nil {
		entries = make([]idEntry, n)
	}
	var wg sync.WaitGroup
	for w := range shares {
		wg.Go(func() {
			sh := &shares[w]
			c := v.chk
			if w > 0 {
				c = newChecker(&f.layout)
			}
			lo, hi := n*w/workers, n*(w+1)/workers
			if v.ids != nil {
				sh.ids = entries[lo:lo:hi]
			}
			for i := lo; i < hi; i++ {
				if ms := c.fileRow(f, i); ms != nil {
					sh.rows = append(sh.rows, i)
					sh.msgs = append(sh.msgs, ms)
				}
				if v.ids != nil && !f.out(i) {
					if h, ok := v.ids.hashValue(c.vals[v.ids.field]); ok {
						sh.ids = append(sh.ids, idEntry{h, int32(i)})
					}
				}
			}
		})
	}
	wg.Wait()
	v.msgs, v.outMsgs = map[int][]Message{}, nil
	v.nErr, v.nWarn, v.nBadRow = 0, 0, 0
	for _, sh := range shares {
		for k, i := range sh.rows {
			v.msgs[i] = sh.msgs[k]
		}
	}
	v.setApart()
	if v.ids != nil {
		k := 0
		for _, sh := range shares {
			k += copy(entries[k:], sh.ids)
		}
		for _, g := range v.ids.build(entries[:k]) {
			for _, i := range g {
				v.msgs[int(i)] = append(v.msgs[int(i)], v.dupMessage(int(i), g))
			}
		}
	}
	for _, ms := range v.msgs {
		v.count(ms, 1)
	}
}

// check returns the messages of row i, same-email one included.
func (v *Validation) check(i int) []Message {
	var g []int32
	if v.ids != nil {
		g = v.ids.rowsLike(i)
	}
	return v.checkIn(i, g)
}

// checkIn is check with the rows that share row i's identity already
// known (an edit finds them once for the whole group).
func (v *Validation) checkIn(i int, g []int32) []Message {
	ms := v.chk.fileRow(v.f, i)
	if len(g) > 1 {
		ms = append(ms, v.dupMessage(i, g))
	}
	return ms
}

// fileRow returns the messages of row i of f, but for the same-email one
// (which needs every row).
func (c *checker) fileRow(f *File, i int) []Message {
	r := &c.rv
	n := int(f.rows[i].n)
	r.line, r.cells, r.notes = int(f.rows[i].line), r.cells[:0], r.notes[:0]
	for k := range n {
		r.cells = append(r.cells, f.cell(i, k))
	}
	if f.notes != nil {
		for k := range n {
			if note, ok := f.notes[[2]int{i, k}]; ok {
				r.notes = append(r.notes, cellNote{col: k, text: note})
			}
		}
	}
	return f.placed(c.row(r))
}

// dupMessage is row i's message when rows g (ascending, i among them)
// share its identity.
func (v *Validation) dupMessage(i int, g []int32) Message {
	other := g[0]
	if int(other) == i {
		other = g[1]
	}
	// A workbook's rows are numbered as Excel shows them: rows, not lines.
	unit := "line"
	if v.f.src != nil {
		unit = "row"
	}
	m := dupMessage(&v.f.schema.Fields[v.ids.field], v.f.Line(i), v.f.Line(int(other)), unit)
	m.Where = v.f.where(m.Line, m.Column)
	return m
}

// dupMessage says that the row on line holds the identity that the row on
// other line holds too. The first row of a group names the second, every
// later row the first: what a reader going through the file once knows
// when it meets each row (Scan), and all a person needs to find them.
func dupMessage(fd *Field, line, other int, unit string) Message {
	what := "this email"
	if !fd.Email {
		what = "this " + strings.ToLower(fd.Header)
	}
	return Message{Severity: Error, Line: line, Column: fd.Header, Rule: RuleDuplicate,
		Text: what + " is also on " + unit + " " + strconv.Itoa(other)}
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

// recheck validates row i again after an edit; g, when not nil, is the
// rows sharing its identity (found once for a whole group).
func (v *Validation) recheck(i int, g []int32) {
	v.count(v.msgs[i], -1)
	delete(v.outMsgs, i)
	var ms []Message
	if g == nil {
		ms = v.check(i)
	} else {
		ms = v.checkIn(i, g)
	}
	switch {
	case ms != nil && v.f.out(i):
		delete(v.msgs, i)
		v.keepApart(i, ms)
	case ms != nil:
		v.msgs[i] = ms
		v.count(ms, 1)
	default:
		delete(v.msgs, i)
	}
}

// setApart moves the messages of the rows out of the import where they
// are read but not counted (before the counting of a full pass).
func (v *Validation) setApart() {
	for i := range v.f.states {
		if ms, ok := v.msgs[int(i)]; ok {
			delete(v.msgs, int(i))
			v.keepApart(int(i), ms)
		}
	}
}

func (v *Validation) keepApart(i int, ms []Message) {
	if v.outMsgs == nil {
		v.outMsgs = map[int][]Message{}
	}
	v.outMsgs[i] = ms
}

// File returns the file this validation is of.
func (v *Validation) File() *File { return v.f }

// Row returns the messages of row i (nil when it has none), also of a row
// excluded or deleted. The slice is the validation's own: do not change it.
func (v *Validation) Row(i int) []Message {
	if ms, ok := v.msgs[i]; ok {
		return ms
	}
	return v.outMsgs[i]
}

// OK reports whether row i has no error (warnings do not block a row).
func (v *Validation) OK(i int) bool {
	for _, m := range v.Row(i) {
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

// Problems returns the indexes of the rows with any message, ascending,
// but for rows excluded or deleted.
func (v *Validation) Problems() []int {
	out := make([]int, 0, len(v.msgs))
	for i := range v.msgs {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// Messages returns every message in file order: the file's own warnings
// (those about the whole file first) and each row's (but for rows
// excluded or deleted).
func (v *Validation) Messages() []Message {
	out := make([]Message, 0, len(v.f.warnings)+v.nErr+v.nWarn)
	out = append(out, v.f.warnings...)
	for _, i := range v.Problems() {
		out = append(out, v.msgs[i]...)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Line < out[b].Line })
	return out
}
