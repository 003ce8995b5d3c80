package csvfile

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Find looks for q in every cell (unknown columns included), ignoring
// case, starting after the cell (row, col) in reading order (row -1 starts
// before the first row) and wrapping around to that cell itself; back
// searches backwards.
// rows, when not nil, are the rows searched (ascending), as a filtered
// table shows them. It returns the row and file column of the first cell
// found.
func (f *File) Find(q string, rows []int, row, col int, back bool) (int, int, bool) {
	n := len(f.rows)
	if rows != nil {
		n = len(rows)
	}
	if q == "" || n == 0 {
		return 0, 0, false
	}
	at := func(k int) int { // the file row at position k
		if rows != nil {
			return rows[k]
		}
		return k
	}
	needle := strings.ToLower(q)
	ascii := isASCII(needle)
	width := func(i int) int { return max(int(f.rows[i].n), len(f.header)) }
	match := func(i, c int) bool {
		s := f.cell(i, c)
		if ascii {
			return containsFoldASCII(s, needle)
		}
		return strings.Contains(strings.ToLower(s), needle)
	}
	// The position of the starting row; a row the search does not cover
	// starts between its neighbours.
	pos, inside := -1, false
	switch {
	case row < 0 || row >= len(f.rows):
		if back {
			pos = n
		}
		col = 0
	case rows == nil:
		pos, inside = row, true
	default:
		pos, inside = sort.SearchInts(rows, row), false
		if pos < n && rows[pos] == row {
			inside = true
		} else if !back {
			pos-- // the search goes on from the next row
		}
	}
	// The rest of the starting row, then every other row, then the start
	// of the starting row.
	if inside {
		if back {
			for c := col - 1; c >= 0; c-- {
				if match(row, c) {
					return row, c, true
				}
			}
		} else {
			for c := col + 1; c < width(row); c++ {
				if match(row, c) {
					return row, c, true
				}
			}
		}
	}
	for k := 1; k <= n; k++ {
		p := pos + k
		if back {
			p = pos - k
		}
		p = ((p % n) + n) % n
		i := at(p)
		w := width(i)
		from, to := 0, w
		if inside && p == pos { // wrapped back to the start: the cells before it, itself last
			if back {
				from = col
			} else {
				to = col + 1
			}
		}
		if back {
			for c := to - 1; c >= from; c-- {
				if match(i, c) {
					return i, c, true
				}
			}
		} else {
			for c := from; c < to; c++ {
				if match(i, c) {
					return i, c, true
				}
			}
		}
	}
	return 0, 0, false
}

// RowAtLine returns the row that holds file line n (the last row starting
// at or before it), or -1 when n is before the first row.
func (f *File) RowAtLine(n int) int {
	return sort.Search(len(f.rows), func(i int) bool { return int(f.rows[i].line) > n }) - 1
}

// ContainsFold reports whether s holds q, ignoring case, as Find matches
// cells (without allocating when q is ASCII).
func ContainsFold(s, q string) bool {
	needle := strings.ToLower(q)
	if isASCII(needle) {
		return containsFoldASCII(s, needle)
	}
	return strings.Contains(strings.ToLower(s), needle)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// containsFoldASCII reports whether s holds needle (lower-case ASCII),
// ignoring the case of ASCII letters in s, without allocating. Bytes of s
// that are not ASCII never match an ASCII needle byte, so multibyte text
// needs no special case.
func containsFoldASCII(s, needle string) bool {
	m := len(needle)
	if m == 0 {
		return true
	}
	first := needle[0]
	upper := first
	if first >= 'a' && first <= 'z' {
		upper = first - ('a' - 'A')
	}
	for i := 0; i+m <= len(s); i++ {
		if c := s[i]; c != first && c != upper {
			continue
		}
		k := 1
		for ; k < m; k++ {
			c := s[i+k]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[k] {
				break
			}
		}
		if k == m {
			return true
		}
	}
	return false
}
