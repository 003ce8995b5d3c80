package csvfile

import (
	"errors"
	"runtime"
	"sync"
)

// block is one window's worth of complete records on their way through
// Scan: read and split by one goroutine, checked by another, handed out
// in file order by the caller's. Its cells are slices of text, a window
// buffer that is written again only once the block has been handed out.
type block struct {
	buf    []byte // the window the cells point into; back to the pool after
	text   string
	rows   []row // first indexes spans
	spans  []span
	owned  []string
	notes  []cellNoteAt
	blanks []blankAt
	err    error // the text stopped here (after the rows above)
	eof    bool
	// filled by a checker
	msgs [][]Message
	ids  []dupWork
	has  []bool
	done chan struct{}
}

// reset makes b the block of w's window, its tables emptied.
func (b *block) reset(w *window) {
	b.buf, b.text = w.buf, w.str()
	b.rows, b.spans, b.owned, b.notes, b.blanks = b.rows[:0], b.spans[:0], b.owned[:0], b.notes[:0], b.blanks[:0]
	b.err, b.eof = nil, false
	b.done = make(chan struct{})
}

// grow returns s with length n, reusing its array when it is large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// blankAt is a blank line or empty row before row `at` of its block.
type blankAt struct {
	at int
	m  Message
}

// view makes row k of b the rowView r.
func (b *block) view(k int, r *rowView) {
	rw := b.rows[k]
	r.line, r.cells, r.notes = int(rw.line), r.cells[:0], r.notes[:0]
	for _, sp := range b.spans[rw.first : rw.first+rw.n] {
		if sp.hi == ownedSpan {
			r.cells = append(r.cells, b.owned[sp.lo])
		} else {
			r.cells = append(r.cells, b.text[sp.lo:sp.hi])
		}
	}
	for _, n := range b.notes {
		if n.row == k {
			r.notes = append(r.notes, n.cellNote)
		}
	}
}

// scanPipeMin is the size of file from which Scan reads, checks and finds
// duplicates on goroutines of their own. A smaller file is read on one: on
// a busy machine, every hand-over between goroutines can wait for a CPU,
// and for a small file those waits cost more than the work they share.
var scanPipeMin int64 = 4 << 20

// rows reads the records after the head, from pos (on line) of w's
// window, and hands them out. For a large file (or one of unknown size),
// reading and splitting the text, checking the rows and finding
// duplicates each run on goroutines of their own (checking on as many as
// there are CPUs, up to four), so that the time is the slowest of them
// rather than their sum; the caller's goroutine hands the results out in
// file order.
func (s *scan) rows(w *window, pos, line int) error {
	if !s.pipe {
		c := newChecker(&s.layout)
		var buf []byte
		var err error
		spare := &block{}
		s.split(w, pos, line, func(b *block) bool {
			s.checkBlock(c, b, &buf)
			err = s.handOutBlock(b)
			return err == nil
		}, func() *block { return spare })
		if err == errScanDone {
			err = nil
		}
		return err
	}
	// Larger windows mean fewer hand-overs; but each of the blocks in
	// flight holds one, which is most of what a file under 64 MiB costs.
	w.block = 4 * scanBlock
	if s.size >= 0 && s.size < 64<<20 {
		w.block = scanBlock
	}
	workers := min(max(runtime.GOMAXPROCS(0), 1), 4)
	// Blocks in flight (in ordered, and the ones being split and handed
	// out) are most of Scan's memory after the duplicate index.
	work := make(chan *block, workers)
	ordered := make(chan *block, workers+2)
	quit := make(chan struct{})
	pool := make(chan *block, workers+4)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(ordered)
		defer close(work)
		s.split(w, pos, line, func(b *block) bool {
			select {
			case ordered <- b:
			case <-quit:
				return false
			}
			select {
			case work <- b:
			case <-quit:
				close(b.done)
				return false
			}
			return true
		}, func() *block {
			select {
			case b := <-pool:
				return b
			default: // sized once for a window, not grown by doubling
				return &block{buf: make([]byte, 0, w.block+2*scanBlock), spans: make([]span, 0, w.block/8)}
			}
		})
	})
	for range workers {
		wg.Go(func() {
			c := newChecker(&s.layout)
			var buf []byte
			for b := range work {
				s.checkBlock(c, b, &buf)
				close(b.done)
			}
		})
	}
	var err error
	for b := range ordered {
		<-b.done
		if err = s.handOutBlock(b); err != nil {
			break
		}
		select { // its tables and window serve again
		case pool <- b:
		default:
		}
	}
	close(quit)
	for range ordered { // let the reader stop
	}
	wg.Wait()
	if err == errScanDone {
		err = nil
	}
	return err
}

// errScanDone is handOutBlock's word for the end of the text.
var errScanDone = errors.New("end of the text")

// handOutBlock emits a checked block's rows and blank lines in order. At
// the last block it returns its failure, or errScanDone.
func (s *scan) handOutBlock(b *block) error {
	next := 0
	for k := range b.rows {
		for ; next < len(b.blanks) && b.blanks[next].at == k; next++ {
			if err := s.blank(b.blanks[next].m); err != nil {
				return err
			}
		}
		if s.h.Row != nil {
			b.view(k, &s.rv) // for Value and List
		} else {
			s.rv.line = int(b.rows[k].line)
		}
		if err := s.emit(b.msgs[k], b.has[k], b.ids[k]); err != nil {
			return err
		}
	}
	for ; next < len(b.blanks); next++ {
		if err := s.blank(b.blanks[next].m); err != nil {
			return err
		}
	}
	switch {
	case b.err != nil:
		return b.err
	case b.eof:
		if err := s.end(); err != nil {
			return err
		}
		return errScanDone
	}
	return nil
}

// checkBlock checks the rows of a block with c; buf is c's scratch space.
func (s *scan) checkBlock(c *checker, b *block, buf *[]byte) {
	n := len(b.rows)
	b.msgs, b.ids, b.has = grow(b.msgs, n), grow(b.ids, n), grow(b.has, n)
	for k := range n {
		b.view(k, &c.rv)
		b.msgs[k], b.has[k] = c.row(&c.rv), false
		if s.dups != nil {
			if val := c.vals[s.dups.field]; val != "" {
				b.ids[k].h1, b.ids[k].h2 = s.dups.hash(val, buf)
				b.has[k] = true
			}
		}
	}
}

// split reads the text a window at a time and gives out its complete
// records, a block a window, until out says to stop; a record cut by the
// window's end starts the next window, in the block next gives. It stops
// at the end of the text or at a failure, both given in the last block.
func (s *scan) split(w *window, pos, line int, out func(*block) bool, next func() *block) {
	b := next()
	for {
		b.reset(w)
		p := &parser{s: b.text, pos: pos, line: line, delim: byte(s.delim), spans: b.spans, owned: b.owned}
		for {
			recPos, recLine, before := p.pos, p.line, len(p.spans)
			first, line0, ok, ferr := p.next()
			complete := ok && (p.pos < len(p.s) || p.s[p.pos-1] == '\n' || w.eof)
			switch {
			case ferr != nil && !w.eof && ferr.Msg == textNeverClosed:
				complete = false // a quote not closed yet may close further on
			case ferr != nil:
				b.err = ferr
			case !ok && w.eof:
				b.eof = true
			}
			if b.err != nil || b.eof {
				break
			}
			if !complete {
				p.spans = p.spans[:before]
				pos, line = recPos, recLine
				break
			}
			if m, ok := p.keep(first, line0, &b.rows, &b.notes); !ok {
				b.blanks = append(b.blanks, blankAt{len(b.rows), m})
			}
		}
		b.spans, b.owned = p.spans, p.owned
		if b.err == nil && !b.eof && len(b.rows) == 0 && len(b.blanks) == 0 {
			// Not one whole record in the window: a longer one.
			w.grow()
			if err := w.fill(); err != nil {
				b.err = err
			} else {
				continue
			}
		}
		if !out(b) || b.err != nil || b.eof {
			return
		}
		// The next window starts with the record this one cut, in the
		// window of a block handed out (or a new one).
		rest := w.buf[pos:]
		b = next()
		w.buf = append(b.buf[:0], rest...) // may be the same array: copy moves
		w.want = 0
		pos = 0
		if err := w.fill(); err != nil {
			b.reset(w)
			b.err = err
			out(b)
			return
		}
	}
}
