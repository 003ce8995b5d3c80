package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"usersync/csvfile"
	"usersync/csvfile/textsafe"
)

// shownPerRule is how many messages of one kind validate lists for people;
// --all lists them all, --json gives every one to scripts.
const shownPerRule = 20

// messageGroups gathers messages for people as they come: grouped by
// severity and rule, the first few of each by line, and counts. It keeps a
// bounded number of messages however many it is given (unless told to keep
// all), so printing a file of a million warnings costs a few lines.
type messageGroups struct {
	keep   int // per group; 0 keeps all
	groups map[groupKey]*msgGroup
	cols   [2]map[string]*colCount // per severity: the "where" of the title
	seq    int
}

type groupKey struct {
	sev  csvfile.Severity
	rule string
}

type msgGroup struct {
	key     groupKey
	n       int
	minLine int
	first   []seqMessage // by line, then as they came
}

type seqMessage struct {
	m   csvfile.Message
	seq int
}

type colCount struct {
	n, minLine int
}

func newMessageGroups(keep int) *messageGroups {
	return &messageGroups{keep: keep, groups: map[groupKey]*msgGroup{},
		cols: [2]map[string]*colCount{{}, {}}}
}

// add takes one message; it keeps a copy, since a scan's strings are its
// buffer's.
func (g *messageGroups) add(m csvfile.Message) {
	k := groupKey{m.Severity, m.Rule}
	gr := g.groups[k]
	if gr == nil {
		gr = &msgGroup{key: k, minLine: m.Line}
		g.groups[k] = gr
	}
	gr.n++
	gr.minLine = min(gr.minLine, m.Line)
	col := columnWord(m)
	cc := g.cols[sevIndex(m.Severity)][col]
	if cc == nil {
		cc = &colCount{minLine: m.Line}
		g.cols[sevIndex(m.Severity)][strings.Clone(col)] = cc
	}
	cc.n++
	cc.minLine = min(cc.minLine, m.Line)

	g.seq++
	sm := seqMessage{m, g.seq}
	less := func(a, b seqMessage) bool { return a.m.Line < b.m.Line || a.m.Line == b.m.Line && a.seq < b.seq }
	if g.keep > 0 && len(gr.first) == g.keep && !less(sm, gr.first[len(gr.first)-1]) {
		return // not among the first: counted only
	}
	sm.m = cloneMessage(m)
	at := sort.Search(len(gr.first), func(i int) bool { return less(sm, gr.first[i]) })
	gr.first = slices.Insert(gr.first, at, sm)
	if g.keep > 0 && len(gr.first) > g.keep {
		gr.first = gr.first[:g.keep]
	}
}

func sevIndex(s csvfile.Severity) int {
	if s == csvfile.Error {
		return 0
	}
	return 1
}

// columnWord is where a message is, for the counts in a title: its column,
// "file" for the file as a whole, "header" for unknown columns, else "row".
func columnWord(m csvfile.Message) string {
	switch {
	case m.Column != "":
		return m.Column
	case m.Line == 0:
		return "file"
	case m.Rule == csvfile.RuleUnknownColumns:
		return "header"
	}
	return "row"
}

func cloneMessage(m csvfile.Message) csvfile.Message {
	m.Text, m.Column, m.Rule, m.Where = strings.Clone(m.Text), strings.Clone(m.Column), strings.Clone(m.Rule), strings.Clone(m.Where)
	if m.Fix != nil {
		f := *m.Fix
		f.Column, f.Value, f.Label = strings.Clone(f.Column), strings.Clone(f.Value), strings.Clone(f.Label)
		m.Fix = &f
	}
	return m
}

// sorted returns the groups of one severity by their first line.
func (g *messageGroups) sorted(sev csvfile.Severity) []*msgGroup {
	var out []*msgGroup
	for _, gr := range g.groups {
		if gr.key.sev == sev {
			out = append(out, gr)
		}
	}
	slices.SortFunc(out, func(a, b *msgGroup) int {
		if a.minLine != b.minLine {
			return a.minLine - b.minLine
		}
		return strings.Compare(a.key.rule, b.key.rule)
	})
	return out
}

// byColumn counts messages per column: "Email 2, Products 1, file 1", the
// most first (ties by the first line they are on).
func (g *messageGroups) byColumn(sev csvfile.Severity) string {
	counts := g.cols[sevIndex(sev)]
	order := make([]string, 0, len(counts))
	for col := range counts {
		order = append(order, col)
	}
	slices.SortFunc(order, func(a, b string) int {
		ca, cb := counts[a], counts[b]
		switch {
		case ca.n != cb.n:
			return cb.n - ca.n
		case ca.minLine != cb.minLine:
			return ca.minLine - cb.minLine
		}
		return strings.Compare(a, b)
	})
	const most = 8 // a hundred columns' counts help nobody
	parts := make([]string, 0, min(len(order), most+1))
	for i, col := range order {
		if i == most {
			parts = append(parts, fmt.Sprintf("%d more", len(order)-most))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", col, counts[col].n))
	}
	return strings.Join(parts, ", ")
}

// ruleTitle names a group for people.
func ruleTitle(rule string) string {
	if rule == "" {
		return "other"
	}
	return rule
}

// printValidation lists the messages as FILE:LINE: column: message, errors
// first then warnings, each kind under a title with its count, the first
// shownPerRule of each kind with their fixes on the line below, then how
// many more there are and how to see them, and a summary last.
func printValidation(w io.Writer, sum csvfile.Summary, g *messageGroups, target string) {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	path := textsafe.Show(sum.Path) // a file's name is untrusted text too
	fmt.Fprintf(bw, "%s: %d rows for %s (%s)\n", path, sum.Rows, target, textsafe.Show(summaryKind(sum)))
	section := func(sev csvfile.Severity, title string) {
		groups := g.sorted(sev)
		if len(groups) == 0 {
			return
		}
		fmt.Fprintf(bw, "\n%s; %s):\n", title, textsafe.Show(g.byColumn(sev)))
		for _, gr := range groups {
			fmt.Fprintf(bw, "  %s (%s):\n", textsafe.Show(ruleTitle(gr.key.rule)), csvfile.Thousands(gr.n))
			for _, sm := range gr.first {
				m := sm.m
				where := sum.Path
				switch {
				case m.Where != "": // the file names its own places: Users!C15 (Email)
					where += ": " + m.Where
				case m.Line > 0:
					where += fmt.Sprintf(":%d", m.Line)
				}
				if m.Column != "" && m.Where == "" {
					where += ": " + m.Column
				}
				fmt.Fprintf(bw, "%s: %s\n", textsafe.Show(where), textsafe.Show(m.Text))
				if m.Fix != nil {
					fmt.Fprintf(bw, "    fix: %s\n", textsafe.Show(m.Fix.Label))
				}
			}
			if more := gr.n - len(gr.first); more > 0 {
				fmt.Fprintf(bw, "  … and %s more like this; see them all with --all, or --json for scripts\n", csvfile.Thousands(more))
			}
		}
	}
	section(csvfile.Error, fmt.Sprintf("Errors (%d in %s", sum.Errors, countNoun(sum.RowsWithErrors, "row")))
	section(csvfile.Warning, fmt.Sprintf("Warnings (%d", sum.Warnings))
	fmt.Fprintf(bw, "\n%s: %s valid, %s with errors; %s, %s\n", path,
		countNoun(sum.Rows-sum.RowsWithErrors, "row"), countNoun(sum.RowsWithErrors, "row"),
		countNoun(sum.Errors, "error"), countNoun(sum.Warnings, "warning"))
}

// summaryKind says how the file was read: its encoding and delimiter, or
// JSON for rows that did not come from delimited text.
func summaryKind(sum csvfile.Summary) string {
	if sum.Kind != "" {
		return sum.Kind
	}
	if sum.Delimiter == 0 {
		return "JSON"
	}
	return sum.Encoding + ", " + csvfile.DelimiterName(sum.Delimiter) + "-delimited"
}

// jsonMessages writes validate's --json document as the scan goes: the
// messages as they are found, one a line, and the counts once known (after
// the messages: JSON does not order an object's keys). Nothing is held in
// memory but the line being written.
type jsonMessages struct {
	w   *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
	n   int
	err error
}

func newJSONMessages(w io.Writer, path, target string) *jsonMessages {
	j := &jsonMessages{w: bufio.NewWriterSize(w, 64<<10)}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	j.w.WriteString("{\n  \"file\": ")
	j.value(path)
	j.w.WriteString(",\n  \"target\": ")
	j.value(target)
	j.w.WriteString(",\n  \"messages\": [")
	return j
}

// value writes v as JSON, without the encoder's newline.
func (j *jsonMessages) value(v any) {
	j.buf.Reset()
	if err := j.enc.Encode(v); err != nil && j.err == nil {
		j.err = err
	}
	j.w.Write(bytes.TrimSuffix(j.buf.Bytes(), []byte("\n")))
}

func (j *jsonMessages) add(m csvfile.Message) error {
	if j.n > 0 {
		j.w.WriteByte(',')
	}
	j.n++
	j.w.WriteString("\n    ")
	j.value(m)
	return j.err
}

// finish writes the counts (or the error that stopped the file being
// read) and ends the document.
func (j *jsonMessages) finish(sum csvfile.Summary, fe *csvfile.FileError) error {
	if j.n > 0 {
		j.w.WriteString("\n  ")
	}
	j.w.WriteString("],\n")
	field := func(name string, v any, last bool) {
		j.w.WriteString("  \"" + name + "\": ")
		j.value(v)
		if !last {
			j.w.WriteString(",")
		}
		j.w.WriteString("\n")
	}
	if fe != nil {
		field("rows", 0, false)
		field("error", validateFileError{Line: fe.Line, Column: fe.Column, Where: fe.Where, Message: fe.Msg, Missing: fe.Missing, Headers: fe.Headers}, true)
	} else {
		if sum.Encoding != "" {
			field("encoding", sum.Encoding, false)
		}
		if sum.Delimiter != 0 {
			field("delimiter", string(sum.Delimiter), false)
		}
		field("rows", sum.Rows, false)
		field("valid_rows", sum.Rows-sum.RowsWithErrors, false)
		field("rows_with_errors", sum.RowsWithErrors, false)
		field("errors", sum.Errors, false)
		field("warnings", sum.Warnings, true)
	}
	j.w.WriteString("}\n")
	if err := j.w.Flush(); err != nil && j.err == nil {
		j.err = err
	}
	return j.err
}

func countNoun(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
