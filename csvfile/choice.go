package csvfile

import (
	"sort"
	"strings"
)

// choiceIndex answers "is this an allowed value?" for one field in a map
// lookup, and explains a wrong value (a label where the value belongs, a
// near miss) on the rare path.
type choiceIndex struct {
	field  *Field
	exact  map[string]int   // Value → choice
	folded map[string]int   // lower-case Value → choice
	labels map[string][]int // normalized Label → choices (several roles may share a name)
	values map[string][]int // normalized Value → choices ("course demand projections")
}

func newChoiceIndex(f *Field) *choiceIndex {
	x := &choiceIndex{field: f,
		exact:  make(map[string]int, len(f.Choices)),
		folded: make(map[string]int, len(f.Choices)),
		labels: map[string][]int{},
		values: map[string][]int{},
	}
	for i, c := range f.Choices {
		if _, dup := x.exact[c.Value]; !dup {
			x.exact[c.Value] = i
		}
		if _, dup := x.folded[toLower(c.Value)]; !dup {
			x.folded[toLower(c.Value)] = i
		}
		if n := normHeader(c.Label); n != "" {
			x.labels[n] = append(x.labels[n], i)
		}
		if n := normHeader(c.Value); n != "" {
			x.values[n] = append(x.values[n], i)
		}
	}
	return x
}

// lookup finds the choice v names, ignoring letter case.
func (x *choiceIndex) lookup(v string) (int, bool) {
	if cs := x.field.Choices; len(cs) <= 8 { // a scan beats hashing for a few
		for i := range cs {
			if cs[i].Value == v {
				return i, true
			}
		}
		for i := range cs {
			if strings.EqualFold(cs[i].Value, v) {
				return i, true
			}
		}
		return 0, false
	}
	if i, ok := x.exact[v]; ok {
		return i, true
	}
	i, ok := x.folded[toLower(v)]
	return i, ok
}

// whole finds the choice a whole (trimmed) cell names. A list's cell with
// a comma in it names several, never one.
func (x *choiceIndex) whole(v string) (int, bool) {
	if v == "" || (x.field.List && strings.IndexByte(v, ',') >= 0) {
		return 0, false
	}
	return x.lookup(v)
}

// allKnown reports whether every comma-separated value of cell is a
// choice: one pass and no allocation for the usual, clean cell.
func (x *choiceIndex) allKnown(cell string) bool {
	for lo := 0; lo <= len(cell); {
		hi := strings.IndexByte(cell[lo:], ',')
		if hi < 0 {
			hi = len(cell)
		} else {
			hi += lo
		}
		if v := strings.TrimSpace(cell[lo:hi]); v != "" {
			if _, ok := x.lookup(v); !ok {
				return false
			}
		}
		lo = hi + 1
	}
	return true
}

func (x *choiceIndex) kind() string {
	if x.field.Kind != "" {
		return x.field.Kind
	}
	return strings.ToLower(x.field.Header)
}

// advice is what to say about a value that is not a choice: the sentence
// and, when one choice is clearly meant, that choice's value.
type advice struct {
	text string
	use  string
}

// explain says why v is not allowed and what was probably meant.
func (x *choiceIndex) explain(v string) advice {
	kind := x.kind()
	if sep, vals := x.otherSeparator(v); vals != nil {
		use := strings.Join(vals, ", ")
		how := "separated by " + quote(sep)
		if sep == "\n" {
			how = "on separate lines"
		}
		return advice{quote(v) + " holds several " + kind + "s " + how + "; put commas between them: " + quote(use), use}
	}
	n := normHeader(v)
	if ids := x.labels[n]; len(ids) > 0 {
		if len(ids) == 1 {
			use := x.field.Choices[ids[0]].Value
			return advice{quote(v) + " is a name, not a " + kind + "; use " + quote(use), use}
		}
		return advice{text: quote(v) + " names more than one " + kind + " (" + x.valueList(ids) + "); use one of them"}
	}
	if ids := x.values[n]; len(ids) == 1 {
		use := x.field.Choices[ids[0]].Value
		return advice{quote(v) + " is not a " + kind + "; did you mean " + quote(use) + "?", use}
	}
	if use, ok := x.nearest(v); ok {
		return advice{quote(v) + " is not a " + kind + "; did you mean " + quote(use) + "?", use}
	}
	if len(x.field.Choices) <= 8 {
		all := make([]int, len(x.field.Choices))
		for i := range all {
			all[i] = i
		}
		return advice{text: quote(v) + " is not a " + kind + "; use one of: " + x.valueList(all)}
	}
	return advice{text: quote(v) + " is not a known " + kind}
}

// otherSeparator splits a list's value at what people put between values
// instead of a comma (";" from a European spreadsheet, "|", or a line
// typed with Alt+Enter) when every part is a choice, and returns the
// separator and the choices' values.
func (x *choiceIndex) otherSeparator(v string) (string, []string) {
	if !x.field.List {
		return "", nil
	}
	for _, sep := range []string{";", "|", "\n"} {
		if !strings.Contains(v, sep) {
			continue
		}
		var vals []string
		for part := range strings.SplitSeq(v, sep) {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			c, ok := x.lookup(part)
			if !ok {
				vals = nil
				break
			}
			vals = append(vals, x.field.Choices[c].Value)
		}
		if len(vals) > 1 {
			return sep, vals
		}
	}
	return "", nil
}

// nearest finds the one choice whose value or label is a few typing
// mistakes away from v. A tie means no clear guess.
func (x *choiceIndex) nearest(v string) (string, bool) {
	lv := strings.ToLower(v)
	limit := 3
	switch n := len([]rune(lv)); {
	case n <= 4:
		limit = 1
	case n <= 10:
		limit = 2
	}
	best, bestDist, tie := -1, limit+1, false
	for i, c := range x.field.Choices {
		d := editDistance(lv, strings.ToLower(c.Value), limit)
		if c.Label != "" {
			d = min(d, editDistance(lv, strings.ToLower(c.Label), limit))
		}
		switch {
		case d < bestDist:
			best, bestDist, tie = i, d, false
		case d == bestDist && d <= limit && x.field.Choices[best].Value != c.Value:
			tie = true
		}
	}
	if best < 0 || tie {
		return "", false
	}
	return x.field.Choices[best].Value, true
}

func (x *choiceIndex) valueList(ids []int) string {
	vs := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, i := range ids {
		if v := x.field.Choices[i].Value; !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	if len(ids) > 8 { // long lists read better sorted
		sort.Strings(vs)
	}
	return strings.Join(vs, ", ")
}
