package csvfile

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Find looks for q in every cell (unknown columns included), ignoring
// case, starting after the cell (row, col) in reading order (row -1 starts
// before the first row) and wrapping around; back searches backwards.
// shown, when not nil, limits the search to the rows it accepts. It
// returns the row and file column of the first cell found.
func (f *File) Find(q string, row, col int, back bool, shown func(int) bool) (int, int, bool) {
	n := len(f.rows)
	if q == "" || n == 0 {
		return 0, 0, false
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
	if row < 0 || row >= n {
		row, col = -1, 0
		if back {
			row = n
		}
	}
	// The rest of the starting row, then every other row, then the start
	// of the starting row.
	if row >= 0 && row < n && (shown == nil || shown(row)) {
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
		i := row + k
		if back {
			i = row - k
		}
		i = ((i % n) + n) % n
		if shown != nil && !shown(i) {
			continue
		}
		w := width(i)
		if i == row { // wrapped back to the start: only the cells before it
			if back {
				for c := w - 1; c > col; c-- {
					if match(i, c) {
						return i, c, true
					}
				}
			} else {
				for c := 0; c < col; c++ {
					if match(i, c) {
						return i, c, true
					}
				}
			}
			continue
		}
		if back {
			for c := w - 1; c >= 0; c-- {
				if match(i, c) {
					return i, c, true
				}
			}
		} else {
			for c := 0; c < w; c++ {
				if match(i, c) {
					return i, c, true
				}
			}
		}
	}
	return 0, 0, false
}

// Count returns how many rows (shown ones, when shown is not nil) have a
// cell that holds q, ignoring case.
func (f *File) Count(q string, shown func(int) bool) int {
	if q == "" {
		return 0
	}
	needle := strings.ToLower(q)
	ascii := isASCII(needle)
	n := 0
	for i := range f.rows {
		if shown != nil && !shown(i) {
			continue
		}
		for c := 0; c < int(f.rows[i].n); c++ {
			s := f.cell(i, c)
			if (ascii && containsFoldASCII(s, needle)) || (!ascii && strings.Contains(strings.ToLower(s), needle)) {
				n++
				break
			}
		}
	}
	return n
}

// RowAtLine returns the row that holds file line n (the last row starting
// at or before it), or -1 when n is before the first row.
func (f *File) RowAtLine(n int) int {
	return sort.Search(len(f.rows), func(i int) bool { return int(f.rows[i].line) > n }) - 1
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
