package csvfile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// normHeader folds a header for loose matching: letters and digits only,
// lower case. "E-mail", "e_mail" and "EMAIL " all become "email".
func normHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// MatchHeader returns the field a file header means (its Header, Key or an
// alias, matched ignoring case, spaces, dashes and underscores), or nil.
func MatchHeader(s *Schema, header string) *Field {
	if s == nil {
		return nil
	}
	n := normHeader(header)
	if n == "" {
		return nil
	}
	for i := range s.Fields {
		if fieldMatches(&s.Fields[i], n) {
			return &s.Fields[i]
		}
	}
	return nil
}

func fieldMatches(f *Field, norm string) bool {
	if normHeader(f.Header) == norm || normHeader(f.Key) == norm {
		return true
	}
	for _, a := range f.Aliases {
		if normHeader(a) == norm {
			return true
		}
	}
	return false
}

// MatchHeaders maps a file's headers onto the schema: for each file column
// the index of its field in s.Fields, or -1 for a column that is not a
// field (kept, not imported). mapping (file header → field Header or Key,
// "" for none) overrides the loose matching. The warnings name unknown and
// unnamed columns and unused mappings; the error (a *FileError without a
// path or line) names missing required columns or columns that clash.
func MatchHeaders(s *Schema, headers []string, mapping map[string]string) ([]int, []Message, *FileError) {
	if s == nil {
		s = &Schema{}
	}
	type target struct {
		field int // -1: explicitly not a field
		from  string
		used  bool
	}
	// A mapping names a header as the file spells it, or loosely: the
	// loose match stands back where the exact one found a column, so that
	// "E-mail=" picks the one column of "Email" and "E-mail" the operator
	// meant.
	var targets []*target
	exact := map[string]*target{}
	loose := map[string]*target{}
	for _, from := range sortedKeys(mapping) {
		to := strings.TrimSpace(mapping[from])
		t := &target{field: -1, from: from}
		if to != "" {
			t.field = fieldIndex(s, to)
			if t.field < 0 {
				return nil, nil, &FileError{Msg: fmt.Sprintf("mapping %s: %s has no column %s (its columns: %s)",
					quote(from+"="+to), targetName(s), quote(to), fieldHeaders(s))}
			}
		}
		targets = append(targets, t)
		exact[strings.TrimSpace(from)] = t
		if n := normHeader(from); n != "" && loose[n] == nil {
			loose[n] = t
		}
	}
	exactHit := map[*target]bool{}
	for _, h := range headers {
		if t := exact[strings.TrimSpace(h)]; t != nil {
			exactHit[t] = true
		}
	}
	mappedTo := func(h, n string) *target {
		if t := exact[strings.TrimSpace(h)]; t != nil {
			return t
		}
		if t := loose[n]; t != nil && n != "" && !exactHit[t] {
			return t
		}
		return nil
	}

	cols := make([]int, len(headers))
	claimed := make(map[int]int, len(s.Fields)) // field → first column
	named := make(map[string]int, len(headers)) // normalized header → first column
	var warns []Message
	var unnamed []int
	var unknown []string
	for c, h := range headers {
		n := normHeader(h)
		cols[c] = -1
		t := mappedTo(h, n)
		if t != nil {
			t.used = true
			cols[c] = t.field
		} else if f := MatchHeader(s, h); f != nil {
			cols[c] = fieldIndex(s, f.Key)
		}
		if fi := cols[c]; fi >= 0 {
			if prev, dup := claimed[fi]; dup {
				return nil, nil, &FileError{Column: c + 1, Msg: fmt.Sprintf(
					"columns %d (%s) and %d (%s) both mean %s; map one of them to something else",
					prev+1, quote(headers[prev]), c+1, quote(h), quote(s.Fields[fi].Header))}
			}
			claimed[fi] = c
			continue
		}
		if prev, dup := named[n]; dup && n != "" {
			return nil, nil, &FileError{Column: c + 1, Msg: fmt.Sprintf(
				"columns %d (%s) and %d (%s) have the same header", prev+1, quote(headers[prev]), c+1, quote(h))}
		}
		named[n] = c
		switch {
		case strings.TrimSpace(h) == "":
			unnamed = append(unnamed, c+1)
		case t != nil: // the operator said so; no need to warn
		default:
			unknown = append(unknown, h)
		}
	}
	// One message for all the unknown columns, and one for the unnamed: a
	// file with a hundred thousand of them gets two lines, not 100,000.
	switch {
	case len(unknown) == 1:
		warns = append(warns, Message{Severity: Warning, Column: unknown[0], Rule: RuleUnknownColumns,
			Text: quote(unknown[0]) + " is not a " + targetName(s) + " column; it is kept but not imported"})
	case len(unknown) > 1:
		q := make([]string, min(len(unknown), 6))
		for i := range q {
			q[i] = quote(unknown[i])
		}
		if len(unknown) > len(q) {
			q = append(q, unknown[len(q):]...) // counted, not quoted
		}
		warns = append(warns, Message{Severity: Warning, Rule: RuleUnknownColumns,
			Text: joinSome(q, 5) + " are not " + targetName(s) + " columns; they are kept but not imported"})
	}
	if len(unnamed) > 0 {
		text := "column " + strconv.Itoa(unnamed[0]) + " has no header; its cells are kept but not imported"
		if len(unnamed) > 1 {
			text = "columns " + joinInts(unnamed) + " have no header; their cells are kept but not imported"
		}
		warns = append(warns, Message{Severity: Warning, Text: text, Rule: RuleUnnamedColumns})
	}

	var missing []string
	for i := range s.Fields {
		if _, ok := claimed[i]; !ok && s.Fields[i].Required {
			missing = append(missing, s.Fields[i].Header)
		}
	}
	if len(missing) > 0 {
		what := "missing required column " + quote(missing[0])
		if len(missing) > 1 {
			what = "missing required columns " + joinQuoted(missing)
		}
		found := "the header has " + joinSome(quoteAll(nonEmpty(headers)), 12)
		if len(nonEmpty(headers)) == 0 {
			found = "the header has no names"
		}
		if hs := nonEmpty(headers); len(hs) == 1 {
			for _, d := range []rune{',', ';', '\t', '|'} {
				if strings.ContainsRune(hs[0], d) {
					found += " (one column holding " + DelimiterName(d) + "s: is the delimiter right?)"
					break
				}
			}
		}
		return nil, nil, &FileError{Msg: what + "; " + found,
			Missing: missing, Headers: append([]string(nil), headers...)}
	}

	for _, t := range targets {
		if !t.used {
			warns = append(warns, Message{Severity: Warning, Rule: RuleUnusedMapping,
				Text: "mapping " + quote(t.from+"="+mapping[t.from]) + " was not used: the file has no column " + quote(t.from)})
		}
	}
	return cols, warns, nil
}

// fieldIndex finds a field by Key, Header or alias.
func fieldIndex(s *Schema, name string) int {
	for i := range s.Fields {
		if s.Fields[i].Key == name || s.Fields[i].Header == name {
			return i
		}
	}
	n := normHeader(name)
	for i := range s.Fields {
		if n != "" && fieldMatches(&s.Fields[i], n) {
			return i
		}
	}
	return -1
}

func targetName(s *Schema) string {
	if s.Target == "" {
		return "known"
	}
	return s.Target
}

func fieldHeaders(s *Schema) string {
	hs := make([]string, len(s.Fields))
	for i := range s.Fields {
		hs[i] = s.Fields[i].Header
	}
	return strings.Join(hs, ", ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func quoteAll(ss []string) []string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return q
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
