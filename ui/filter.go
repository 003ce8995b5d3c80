package ui

import "slices"

// rowFilter narrows the preview to one kind of row; f steps through them.
type rowFilter int

const (
	filterAll rowFilter = iota
	filterErrors
	filterWarnings
	filterEdited
	filterOut
)

func (f rowFilter) String() string {
	return [...]string{"every row", "rows with errors", "rows with warnings only", "edited rows", "excluded or deleted rows"}[f]
}

// rows are the file rows the filter lets through, ascending.
func (f rowFilter) rows(p *previewScreen) []int {
	var out []int
	switch f {
	case filterErrors, filterWarnings:
		for _, i := range p.problems {
			if p.v.OK(i) == (f == filterWarnings) {
				out = append(out, i)
			}
		}
	case filterEdited:
		for _, i := range p.ed.EditedRows() {
			if !p.ed.IsExcluded(i) && !p.ed.IsDeleted(i) {
				out = append(out, i)
			}
		}
	case filterOut:
		out = p.leftOut()
	}
	if out == nil {
		out = []int{}
	}
	return out
}

// setFilter shows the rows f lets through (every row for filterAll),
// keeping the cursor on the same row or the next one shown.
func (p *previewScreen) setFilter(f rowFilter) {
	cur := p.current()
	p.filter = f
	if f == filterAll {
		p.visible = nil
		p.cursor = max(cur, 0)
	} else {
		p.visible = f.rows(p)
		p.cursor = 0
		if pos, _ := slices.BinarySearch(p.visible, max(cur, 0)); pos < len(p.visible) {
			p.cursor = pos
		}
	}
	p.offset = 0
	p.scrollIntoView()
}

// nextFilter steps to the next filter that has rows, so f never lands on
// an empty table (but for every row, which always comes back).
func (p *previewScreen) nextFilter() {
	for f := p.filter + 1; ; f++ {
		if f > filterOut {
			f = filterAll
		}
		if f == filterAll || len(f.rows(p)) > 0 {
			p.setFilter(f)
			return
		}
	}
}

// filterLabel is the summary line's word for the filter on.
func (p *previewScreen) filterLabel() string {
	return "showing " + p.filter.String() + " (" + count(len(p.visible)) + ")"
}
