package csvfile

import (
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"

	"usersync/csvfile/textsafe"
)

// quote puts a value in double quotes for a message, cut short when long so
// one huge cell cannot flood a screen, with every character that could
// steer a terminal or hide shown escaped (textsafe.Show): messages end up
// on screens, in JSON and in reports.
func quote(s string) string {
	const max = 60
	if len(s) > max {
		cut := max - 3
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return `"` + textsafe.Show(s) + `"` // \n and \t escaped too: a message stays on one line
}

// joinQuoted writes "a", "b" and "c".
func joinQuoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return joinAnd(q)
}

// joinInts writes 3, 5 and 9; runs of three or more (ascending) as
// ranges, 3, 5 and 9 to 300, so that the hundreds of empty columns a
// spreadsheet can export do not flood a message.
// joinSome joins the first max of s as joinAnd does and counts the rest:
// "a, b, c and 99,997 more". A list of a hundred thousand column names
// is no use to anyone.
func joinSome(s []string, max int) string {
	if len(s) <= max {
		return joinAnd(s)
	}
	return strings.Join(s[:max], ", ") + " and " + Thousands(len(s)-max) + " more"
}

// Thousands writes n with commas between groups of three digits.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}

func joinInts(ns []int) string {
	var s []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j-i >= 2 {
			s = append(s, strconv.Itoa(ns[i])+" to "+strconv.Itoa(ns[j]))
			i = j + 1
			continue
		}
		s = append(s, strconv.Itoa(ns[i]))
		i++
	}
	return joinSome(s, 10)
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// item is one value of a comma-separated cell: trimmed text and where the
// untrimmed value sits in the cell, so a fix can replace just that value.
type item struct {
	text   string
	lo, hi int
}

// items yields the non-empty values of a comma-separated cell without
// allocating.
func items(cell string) iter.Seq[item] {
	return func(yield func(item) bool) {
		lo := 0
		for lo <= len(cell) {
			hi := strings.IndexByte(cell[lo:], ',')
			if hi < 0 {
				hi = len(cell)
			} else {
				hi += lo
			}
			if t := strings.TrimSpace(cell[lo:hi]); t != "" {
				if !yield(item{text: t, lo: lo, hi: hi}) {
					return
				}
			}
			lo = hi + 1
		}
	}
}

// replaceItem returns cell with one value replaced, keeping the spacing
// around it, or removed with its comma when with is "".
func replaceItem(cell string, it item, with string) string {
	if with == "" {
		lo, hi := it.lo, it.hi
		if hi < len(cell) {
			hi++ // drop the comma after it
		} else if lo > 0 {
			lo-- // or the one before it
		}
		return strings.TrimSpace(cell[:lo] + cell[hi:])
	}
	seg := cell[it.lo:it.hi]
	at := strings.Index(seg, it.text)
	return cell[:it.lo] + seg[:at] + with + seg[at+len(it.text):] + cell[it.hi:]
}

// lowerASCII reports whether s has no upper-case or non-ASCII letters, in
// which case it is its own lower-case form and needs no copy.
func lowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c >= 'A' && c <= 'Z') || c >= 0x80 {
			return false
		}
	}
	return true
}

func toLower(s string) string {
	if lowerASCII(s) {
		return s
	}
	return strings.ToLower(s)
}

// editDistance is the optimal-string-alignment distance (a swap of two
// neighbours counts as one edit) between two short strings, capped at max+1.
func editDistance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], max+1)
}
