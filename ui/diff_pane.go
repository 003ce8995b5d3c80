package ui

import (
	"strings"

	"usersync/sync"
)

// The dry run's detail pane for one row: every field a create sets (or an
// update changes) and every reason a skip has, wrapped. The pane has a few
// lines; what does not fit is never cut silently: its last lines say how
// many fields (or reasons) are not shown and how to see them. With the
// cursor on a field of an expanded row, the pane shows that field whole.

// paneBlock is one field or reason of the pane, wrapped to its width.
type paneBlock struct {
	name   string // the field's header ("" for a reason)
	lines  []string
	reason bool
}

// rowDetail is the pane's lines under the row's heading, in room lines at
// most.
func (d diffScreen) rowDetail(st Styles, k DiffKeys, it diffItem, w, room int) []string {
	r := &d.plan.Rows[it.row]
	var blocks []paneBlock
	for _, c := range d.changesOf(int(it.row)) {
		blocks = append(blocks, paneBlock{name: d.header(c), lines: joinWrap([]piece{{"   " + padRight(d.header(c), 22), st.Label},
			{d.changeText(Styles{}, c, r.Action == sync.Create), st.Text}}, piece{" ", st.Text}, strings.Repeat(" ", 26), w-1)})
	}
	for _, reason := range r.Reasons {
		blocks = append(blocks, paneBlock{lines: wrapStyled(st.Bad, "   "+show(reason), w-1, "   "), reason: true})
	}
	focus := -1
	if it.kind == itemChange {
		focus = int(it.change)
	}
	return paneWindow(blocks, room, focus, func(v paneView) []string {
		return wrapStyled(st.Warn, " "+d.paneNote(k, int(it.row), v), w-1, "   ")
	})
}

// paneView is which blocks a pane shows: from first to last (exclusive),
// the last of them cut to its first lines when cut.
type paneView struct {
	first, last int
	cut         bool
	above       []paneBlock // the blocks before first
	below       []paneBlock // the blocks from last on (with the cut one)
}

// paneWindow lays blocks into room lines: all of them when they fit;
// otherwise those around focus (a block index; -1 for the first ones)
// and, below them, the note that says what is left out. note is asked
// again when its lines change what fits.
func paneWindow(blocks []paneBlock, room, focus int, note func(paneView) []string) []string {
	total := 0
	for _, b := range blocks {
		total += len(b.lines)
	}
	if total <= room || room <= 0 {
		return joinBlocks(blocks)
	}
	noteLines := 1
	for try := 0; ; try++ {
		v := window(blocks, max(room-noteLines, 1), focus)
		n := note(v)
		if len(n) <= noteLines || try == 2 {
			out := joinBlocks(blocks[v.first:v.last])
			if v.cut {
				out = append(out, blocks[v.last].lines[:max(room-noteLines, 1)-len(out)]...)
			}
			return append(out, n...)
		}
		noteLines = len(n)
	}
}

// window picks the blocks that fit avail lines: from the first, or, when
// focus lies beyond them, ending at focus and reaching back as far as
// they fit. A block taller than avail alone is shown cut.
func window(blocks []paneBlock, avail, focus int) paneView {
	first := 0
	if focus >= 0 {
		used := 0
		for k := 0; k <= focus; k++ {
			used += len(blocks[k].lines)
		}
		for used > avail && first < focus {
			used -= len(blocks[first].lines)
			first++
		}
	}
	used, last := 0, first
	for last < len(blocks) && used+len(blocks[last].lines) <= avail {
		used += len(blocks[last].lines)
		last++
	}
	v := paneView{first: first, last: last, above: blocks[:first], below: blocks[last:]}
	v.cut = last == first && last < len(blocks)
	return v
}

func joinBlocks(blocks []paneBlock) []string {
	var out []string
	for _, b := range blocks {
		out = append(out, b.lines...)
	}
	return out
}

// paneNote says what the pane leaves out of row i and how to see it: an
// expandable row's fields are listed by its expansion, and each shown
// here with the cursor on it; reasons are written in full by the plan's
// export.
func (d diffScreen) paneNote(k DiffKeys, i int, v paneView) string {
	var say []string
	below := v.below
	if v.cut {
		// Taller than the pane: only the plan's export holds it whole.
		what := "this reason"
		if !below[0].reason {
			what = below[0].name
		}
		say = append(say, "… "+what+" goes on: "+k.Export.Help().Key+" exports the plan with all of it")
		below = below[1:]
	}
	fields, reasons := 0, 0
	for _, b := range append(append([]paneBlock(nil), v.above...), below...) {
		if b.reason {
			reasons++
		} else {
			fields++
		}
	}
	if fields > 0 {
		more := plural(fields, "more field", "more fields")
		up, down := k.Up.Help().Key, k.Down.Help().Key
		switch {
		case !d.open[i]:
			say = append(say, "… "+more+": "+k.Expand.Help().Key+" expands the row, "+down+" shows each here")
		case len(v.above) > 0 && len(below) > 0:
			say = append(say, "… "+more+" above and below: "+up+" and "+down+" show each here")
		case len(v.above) > 0:
			say = append(say, "… "+more+" above: "+up+" shows each here")
		default:
			say = append(say, "… "+more+" below: "+down+" shows each here")
		}
	}
	if reasons > 0 {
		say = append(say, "… "+plural(reasons, "more reason", "more reasons")+": "+k.Export.Help().Key+" exports the plan with all of them")
	}
	return strings.Join(say, "; ")
}
