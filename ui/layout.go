package ui

// Layout is how many terminal lines each band of a screen gets. Every screen
// draws header, body, an optional detail pane, a status line and a help line,
// top to bottom; the bands always add up to the terminal height (or less
// when the terminal is too small to hold even the fixed bands).
type Layout struct {
	Width  int
	Header int // title and connection badge
	Body   int // the screen's own content (a table, a form, a list)
	Detail int // the pane under the body (row messages, field changes); 0 when not wanted
	Status int // the status message line
	Help   int // key bindings
}

// Minimum sizes below which a band is dropped rather than drawn cramped.
const (
	detailMax  = 7 // border line + up to 6 messages
	detailMin  = 3 // border line + 2 messages
	bodyMinDet = 5 // a detail pane never squeezes the body under this
)

// ComputeLayout divides a width×height terminal. wantDetail asks for a
// detail pane; it gets up to detailMax lines while the body keeps at least
// bodyMinDet, shrinks towards detailMin on short terminals, and vanishes
// when even that does not fit. Negative sizes are treated as zero.
func ComputeLayout(width, height int, wantDetail bool) Layout {
	return ComputeLayoutHelp(width, height, wantDetail, 1)
}

// ComputeLayoutHelp is ComputeLayout with a help band of helpLines (the
// full help, toggled with ?); a help too tall to leave the body its room
// takes the body's lines instead (the header and status stay).
func ComputeLayoutHelp(width, height int, wantDetail bool, helpLines int) Layout {
	return ComputeLayoutBands(width, height, wantDetail, helpLines, 1)
}

// ComputeLayoutBands is ComputeLayoutHelp with a status of statusLines (a
// long message wraps rather than being cut); the status gets them while
// the body keeps bodyMinDet lines, else one.
func ComputeLayoutBands(width, height int, wantDetail bool, helpLines, statusLines int) Layout {
	width, height = max(width, 0), max(height, 0)
	l := Layout{Width: width}
	// Fixed bands in order of importance: help, header, status.
	take := func(n int) int {
		if height >= n {
			height -= n
			return n
		}
		return 0
	}
	switch {
	case helpLines > 1 && height-helpLines-2 >= bodyMinDet:
		l.Help = take(helpLines)
	case helpLines > 1 && height >= 4:
		// Too tall to share the screen with the body: the operator asked
		// for the keys (?), so they take the body's place until ? again.
		l.Help = take(min(helpLines, height-2))
	default:
		l.Help = take(1)
	}
	l.Header = take(1)
	if statusLines > 1 && height-statusLines >= bodyMinDet+detailMin {
		l.Status = take(statusLines)
	} else {
		l.Status = take(1)
	}
	if wantDetail {
		room := height - bodyMinDet
		switch {
		case room >= detailMax:
			l.Detail = detailMax
		case room >= detailMin:
			l.Detail = room
		}
		height -= l.Detail
	}
	l.Body = height
	return l
}
