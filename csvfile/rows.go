package csvfile

import (
	"runtime"
	"strings"
	"sync"
)

// parallelMin is the body size from which rows are read on several CPUs.
const parallelMin = 4 << 20

// chunk is one share of the file's body, read by one goroutine. Its lines
// are relative to its first line until the shares are joined.
type chunk struct {
	from, to int // the share of the text it was given; to falls on a line start
	end      int // where it stopped: to when the split fell between records
	breaks   int // line breaks it went past
	spanAt   int // where its cells start in File.spans
	p        *parser
	rows     []row // first relative to spanAt, line relative to from
	notes    []cellNoteAt
	blanks   []Message // blank lines and empty rows, line relative to from
	err      *FileError
}

type cellNoteAt struct {
	row int // within the chunk
	cellNote
}

// readRows reads the records from pos (on line) to the end of the text
// into f. Large bodies are split at line starts into one share per CPU,
// each read on its own goroutine straight into its region of one cell
// table. A split can fall inside a quoted cell that spans lines; the share
// before it then reads past the split, and what follows is read again from
// where it stopped. Everything read lands in place: peak memory stays the
// text plus the tables.
func readRows(f *File, text string, pos, line int, delim byte, workers int) (blanks []Message, ferr *FileError) {
	ncols := len(f.header)
	if workers <= 0 {
		workers = 1
		if len(text)-pos >= parallelMin {
			workers = min(runtime.GOMAXPROCS(0), 8)
		}
	}
	chunks := make([]*chunk, 0, workers)
	for k := range workers {
		from := pos + (len(text)-pos)*k/workers
		to := pos + (len(text)-pos)*(k+1)/workers
		if k > 0 {
			from = chunks[k-1].to
			to = max(to, from)
		}
		if k < workers-1 { // end each share at a line start
			if nl := strings.IndexByte(text[to:], '\n'); nl >= 0 {
				to += nl + 1
			} else {
				to = len(text)
			}
		} else {
			to = len(text)
		}
		if from >= to && k > 0 {
			break
		}
		chunks = append(chunks, &chunk{from: from, to: to})
	}

	// Size each share's region from its line count (in parallel), then the
	// tables once: growing them would double the peak memory.
	counts := make([]int, len(chunks))
	run(len(chunks), func(k int) { counts[k] = strings.Count(text[chunks[k].from:chunks[k].to], "\n") + 1 })
	totalRows, totalSpans := 0, 0
	for k, c := range chunks {
		c.spanAt = totalSpans
		totalRows += counts[k]
		// A cell takes at least its delimiter or line end, which bounds
		// the guess for a very wide header over short lines.
		totalSpans += min(counts[k]*ncols+ncols, c.to-c.from+1)
	}
	spans := make([]span, totalSpans)
	f.rows = make([]row, 0, totalRows)
	run(len(chunks), func(k int) {
		c := chunks[k]
		end := totalSpans
		if k+1 < len(chunks) {
			end = chunks[k+1].spanAt
		}
		c.read(text, delim, spans[c.spanAt:c.spanAt:end], counts[k])
	})

	for k := 0; k < len(chunks); k++ {
		c := chunks[k]
		if c.err != nil {
			c.err.Line += line
			return nil, c.err
		}
		if k+1 < len(chunks) && c.end != chunks[k+1].from {
			// A record ran over the split: read the rest again from where
			// this share stopped, as one share, into a fresh region.
			rest := &chunk{from: c.end, to: len(text), spanAt: len(spans)}
			n := strings.Count(text[c.end:], "\n") + 1
			rest.read(text, delim, make([]span, 0, min(n*ncols+ncols, len(text)-c.end+1)), n)
			chunks = append(chunks[:k+1], rest)
		}
		if err := f.join(c, &spans, line); err != nil {
			return nil, err
		}
		for _, m := range c.blanks {
			m.Line += line
			blanks = append(blanks, m)
		}
		line += c.breaks
	}
	f.spans = spans
	return blanks, nil
}

// read reads the records of c's share; spans is its region of the table.
func (c *chunk) read(text string, delim byte, spans []span, lines int) {
	p := &parser{s: text, pos: c.from, delim: delim, spans: spans}
	c.p = p
	c.rows = make([]row, 0, lines)
	for p.pos < c.to {
		first, line, ok, ferr := p.next()
		if ferr != nil {
			c.err = ferr
			break
		}
		if !ok {
			break
		}
		if m, ok := p.keep(first, line, &c.rows, &c.notes); !ok {
			c.blanks = append(c.blanks, m)
		}
	}
	c.end, c.breaks = p.pos, p.line
}

// join appends c's rows to f, moving them to absolute cell indexes and
// lines. A share whose cells outgrew its region (ragged rows) or whose
// region is fresh gets its cells copied to the end of the table.
func (f *File) join(c *chunk, spans *[]span, line int) *FileError {
	at := c.spanAt
	region := (*spans)[at:]
	if len(c.p.spans) > 0 && (len(region) == 0 || &c.p.spans[0] != &region[0]) {
		at = len(*spans)
		*spans = append(*spans, c.p.spans...)
	}
	base := uint32(len(f.owned))
	if len(c.p.owned) > 0 {
		f.owned = append(f.owned, c.p.owned...)
		if base > 0 {
			for k := range c.p.spans {
				if sp := &(*spans)[at+k]; sp.hi == ownedSpan {
					sp.lo += base
				}
			}
		}
	}
	for _, n := range c.notes {
		if f.notes == nil {
			f.notes = map[[2]int]string{}
		}
		f.notes[[2]int{len(f.rows) + n.row, n.col}] = n.text
	}
	for _, r := range c.rows {
		r.first += uint32(at)
		r.line += uint32(line)
		f.rows = append(f.rows, r)
	}
	return nil
}

// run calls fn(0..n-1), each on its own goroutine when n > 1.
func run(n int, fn func(k int)) {
	if n == 1 {
		fn(0)
		return
	}
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() { fn(k) })
	}
	wg.Wait()
}
