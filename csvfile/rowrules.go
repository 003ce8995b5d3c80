package csvfile

import (
	"strconv"
	"strings"

	"usersync/csvfile/textsafe"
)

// The row rules: every check one row gets on its own, for a File's rows
// and rows read as they come (Scan) alike.

// row returns the messages of one row, but for the same-email one (which
// needs the other rows). Every row rule is here: a File's rows and rows
// read as they come (Scan) go through it alike.
func (c *checker) row(r *rowView) []Message {
	l := c.l
	s := l.schema
	var ms []Message
	line := r.line
	if n, want := len(r.cells), len(l.header); n != want {
		ms = append(ms, raggedMessage(l, r, want))
	}
	for fi := range s.Fields {
		col := l.fieldCol[fi]
		c.vals[fi] = ""
		if col < 0 {
			continue
		}
		fd := &s.Fields[fi]
		raw := r.cell(col)
		if len(r.notes) > 0 {
			if note, ok := r.note(col); ok {
				ms = append(ms, Message{Severity: Warning, Line: line, Column: fd.Header, Text: note, Rule: RuleAfterQuote})
			}
		}
		val := raw
		if n := len(raw); n > 0 && (raw[0] <= ' ' || raw[0] >= 0x80 || raw[n-1] <= ' ' || raw[n-1] >= 0x80) {
			val = strings.TrimSpace(raw) // the call only when an edge could be space
		}
		c.vals[fi] = val
		if val == "" {
			if fd.Required {
				ms = append(ms, Message{Severity: Error, Line: line, Column: fd.Header, Text: "required, but the cell is empty", Rule: RuleRequired})
			}
			continue
		}
		if len(val) != len(raw) {
			ms = append(ms, Message{Severity: Warning, Line: line, Column: fd.Header,
				Text: "spaces before or after the value are ignored", Rule: RuleSpaces,
				Fix: &Fix{Column: fd.Header, Value: val, Label: "remove the spaces"}})
		}
		if !fd.Email && l.choices[fi] == nil && !textsafe.Safe(val) { // Safe first: a million calls
			if m, bad := checkChars(fd, val, line); bad {
				ms = append(ms, m)
			}
		}
		if fd.Email {
			if problem, fix := checkEmail(val); problem != "" {
				m := Message{Severity: Error, Line: line, Column: fd.Header, Text: problem, Rule: RuleEmail}
				if fix != "" {
					m.Fix = &Fix{Column: fd.Header, Value: fix, Label: "use " + quote(fix)}
				}
				ms = append(ms, m)
			}
		}
		if x := l.choices[fi]; x != nil {
			if k, ok := x.whole(val); ok {
				c.vals[fi] = x.field.Choices[k].Value // what File.Value answers
				continue
			}
			ms = c.checkChoices(ms, fi, x, raw, line)
		} else if val[0] >= '0' && val[0] <= '9' && shortenedNumber(val) {
			ms = append(ms, Message{Severity: Warning, Line: line, Column: fd.Header, Rule: RuleShortened,
				Text: quote(val) + " looks like a long number a spreadsheet shortened, and its other digits are lost; " +
					"format the column as text in the spreadsheet and export again"})
		}
	}
	// Unknown columns are kept, so what the reader noticed there counts too.
	for _, n := range r.notes {
		if n.col < len(l.colField) && l.colField[n.col] < 0 {
			ms = append(ms, Message{Severity: Warning, Line: line, Column: l.header[n.col], Text: n.text, Rule: RuleAfterQuote})
		}
	}
	if l.repeatsHeader(r) { // not a user: one message instead of one per cell
		return []Message{{Severity: Error, Line: line, Rule: RuleRepeatedHeader,
			Text: "this row repeats the header (were two files joined?); delete the row"}}
	}
	if len(s.RowChecks) > 0 {
		for _, rc := range s.RowChecks {
			for _, m := range rc(c.get) {
				m.Line = line
				if m.Rule == "" {
					m.Rule = RuleTarget
				}
				ms = append(ms, m)
			}
		}
	}
	return ms
}

// shortenedNumber reports whether s is written the way spreadsheets show a
// number too long for its column (1.23457E+11): an ID of twelve digits
// saved like that has lost seven of them.
func shortenedNumber(s string) bool {
	i := 0
	digits := func() int {
		from := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - from
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i+1 >= len(s) || (s[i] != 'E' && s[i] != 'e') || s[i+1] != '+' {
		return false
	}
	i += 2
	return digits() > 0 && i == len(s)
}

// repeatsHeader reports whether the row holds the header again, as when
// two exports are joined into one file (the second one's byte order mark
// and all).
func (l *layout) repeatsHeader(r *rowView) bool {
	if len(r.cells) < len(l.header) || len(l.header) < 2 {
		return false
	}
	for c, h := range l.header {
		cell := r.cells[c]
		if c == 0 {
			cell = strings.TrimPrefix(cell, "\uFEFF")
		}
		if len(cell) < len(h) || strings.TrimSpace(cell) != h {
			return false
		}
	}
	return true
}

// maxItemMessages bounds the messages about one cell's wrong values: past
// it, one more message counts the rest. Each message's fix is a copy of
// the cell, so without the bound a cell of a hundred thousand wrong items
// would cost a hundred thousand copies of itself.
const maxItemMessages = 5

// checkChoices checks each comma-separated value of a cell whose whole
// value is not a choice. (A scalar field whose whole value is a choice is
// fine even with a comma in it: department names can hold one. How many
// values a scalar may hold is the target's rule, a RowCheck.) Its cost is
// linear in the cell: a few explained values, then a count.
func (c *checker) checkChoices(ms []Message, fi int, x *choiceIndex, raw string, line int) []Message {
	fd := x.field
	if x.allKnown(raw) {
		return ms
	}
	shown, more := 0, 0
	for it := range items(raw) {
		if _, ok := x.lookup(it.text); ok {
			continue
		}
		if shown == maxItemMessages {
			more++
			continue
		}
		shown++
		key := strconv.Itoa(fi) + "\x00" + it.text
		a, ok := c.advice[key]
		if !ok {
			a = x.explain(it.text)
			c.advice[key] = a
		}
		m := Message{Severity: Error, Line: line, Column: fd.Header, Text: a.text, Rule: RuleChoice}
		if a.use != "" {
			fixed := strings.TrimSpace(replaceItem(raw, it, a.use))
			m.Fix = &Fix{Column: fd.Header, Value: fixed, Label: "use " + quote(a.use)}
		}
		ms = append(ms, m)
	}
	if more > 0 {
		ms = append(ms, Message{Severity: Error, Line: line, Column: fd.Header,
			Text: "and " + strconv.Itoa(more) + " more values are not " + x.kind() + "s", Rule: RuleChoice})
	}
	return ms
}

func raggedMessage(l *layout, r *rowView, want int) Message {
	n := len(r.cells)
	m := Message{Line: r.line, Rule: RuleRagged}
	if n < want {
		m.Severity = Warning
		m.Text = "the row has " + strconv.Itoa(n) + " cells but the header has " + strconv.Itoa(want) +
			"; the missing cells are read as empty"
		return m
	}
	for c := want; c < n; c++ {
		if !isBlank(r.cells[c]) {
			m.Severity = Error
			m.Text = "the row has " + strconv.Itoa(n) + " cells but the header has " + strconv.Itoa(want) +
				"; a value may hold an unquoted " + DelimiterName(l.delim)
			if c := loneCR(r); c >= 0 {
				// Two rows run together: a line ended with a CR alone,
				// which this file's other lines do not.
				m.Text = "the row has " + strconv.Itoa(n) + " cells but the header has " + strconv.Itoa(want) +
					"; column " + strconv.Itoa(c+1) + " holds a carriage return (CR) alone, a line end of another kind " +
					"than this file's: two rows ran together; put a line break there"
			}
			return m
		}
	}
	m.Severity = Warning
	m.Text = "the row has " + strconv.Itoa(n) + " cells but the header has " + strconv.Itoa(want) +
		"; the extra cells are empty and ignored"
	return m
}

// loneCR returns the first column of the row whose cell holds a CR that
// no line feed follows, or -1.
func loneCR(r *rowView) int {
	for c, cell := range r.cells {
		for k := strings.IndexByte(cell, '\r'); k >= 0; {
			if k+1 == len(cell) || cell[k+1] != '\n' {
				return c
			}
			next := strings.IndexByte(cell[k+1:], '\r')
			if next < 0 {
				break
			}
			k += 1 + next
		}
	}
	return -1
}
