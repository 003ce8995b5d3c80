package csvfile

import (
	"hash/maphash"
	"strings"
	"unsafe"
)

// dupIndex is what Scan keeps to find rows that share an identity: for each
// distinct identity (lower-case for an email) the line of its first row,
// under a 64-bit hash, with 30 bits of a second, independent hash to tell
// apart the rare two that share the first. The identities themselves are
// not kept. Two different addresses are taken for one only when both
// randomly seeded hashes agree: about one file in 10^17 of a million
// distinct addresses (the in-memory Validation compares the strings).
//
// The index is a sorted array of those entries, 16 bytes each, in chunks,
// and the rows since it was last merged (the tail). When the tail holds a
// quarter of what the index does, it is sorted (by radix, on the hash) and
// merged in, in one sequential pass that finds the rows whose identity an
// earlier row has: every entry in the index is from a row before every row
// in the tail, so its line is the first. A map of a million hashes cost a
// cache miss an insert (a quarter of a second) and 35 MB; this costs a few
// sequential passes and 16 MB, plus the tail.
type dupIndex struct {
	field        int
	fd           *Field
	email        bool
	seed1, seed2 maphash.Seed
	buf          []byte

	index   [][]dupRec // sorted by key, each key once, in chunks of dupChunk
	n       int        // entries in index
	free    [][]dupRec // chunks to reuse
	tail    []dupRec   // rows not yet merged, in file order
	scratch []dupRec
	starts  []int32 // sortTail's buckets, kept from merge to merge
}

// dupRec is one identity: its hash (h, then check's top 30 bits) and the
// line of its first row, with the flags below.
type dupRec struct {
	h     uint64
	check uint32
	line  uint32
}

const dupChunk = 4096

const (
	dupReported = 1 << iota // the first row has had its message
	dupFirstBad             // the first row had an error of its own
	dupFlags    = dupReported | dupFirstBad
)

// dupSeen says what the index knew of an identity's first row.
type dupSeen struct {
	found, reported, firstBad bool
}

func newDupIndex(field int, fd *Field) *dupIndex {
	return &dupIndex{field: field, fd: fd, email: fd.Email, seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed()}
}

// dupWork is one row's identity for the index: its two hashes, its line
// and whether it has an error of its own.
type dupWork struct {
	h1, h2 uint64
	line   uint32
	bad    bool
}

// dupFound is a row whose identity an earlier row (on first) has.
type dupFound struct {
	first, line int
	bad         bool
	seen        dupSeen
}

// hash returns the identity val's (trimmed, not empty) two hashes; buf is
// the caller's scratch space (each checking goroutine has its own).
func (d *dupIndex) hash(val string, buf *[]byte) (uint64, uint64) {
	key := val
	if d.email && !lowerASCII(val) {
		key = lowerInto(buf, val)
	}
	return maphash.String(d.seed1, key), maphash.String(d.seed2, key)
}

// run adds the rows sent on in, in order, and sends those whose identity
// an earlier row has on out, which it closes when in is closed. It runs on
// a goroutine of its own.
func (d *dupIndex) run(in <-chan []dupWork, out chan<- []dupFound, free chan<- []dupWork) {
	defer close(out)
	for batch := range in {
		found := d.take(batch)
		select { // the sender fills it again
		case free <- batch[:0]:
		default:
		}
		if found != nil {
			out <- found
		}
	}
	if found := d.merge(); found != nil {
		out <- found
	}
}

// take adds a batch of rows, in order, and returns those whose identity an
// earlier row has that it found meanwhile (the rest come from merge).
func (d *dupIndex) take(batch []dupWork) []dupFound {
	for _, w := range batch {
		r := dupRec{h: w.h1, check: uint32(w.h2>>32) &^ dupFlags, line: w.line}
		if w.bad {
			r.check |= dupFirstBad
		}
		d.tail = append(d.tail, r)
	}
	if len(d.tail) >= max(1<<14, d.n/4) {
		return d.merge()
	}
	return nil
}

func (r dupRec) key() uint64 { return r.h }

func (r dupRec) less(q dupRec) bool {
	return r.h < q.h || r.h == q.h && r.check&^dupFlags < q.check&^dupFlags
}

// merge sorts the tail into the index and returns the rows of the tail
// whose identity an earlier row has. Runs of the index between the tail's
// identities are copied whole.
func (d *dupIndex) merge() []dupFound {
	if len(d.tail) == 0 {
		return nil
	}
	tail := d.sortTail()
	var found []dupFound
	old := d.index
	d.index, d.n = nil, 0
	ci, ei := 0, 0 // the next entry of old
	// copyUntil copies the entries of old before t (all of them when last)
	// and returns the entry equal to t, if there is one.
	copyUntil := func(t dupRec, last bool) (dupRec, bool) {
		for ci < len(old) {
			c := old[ci]
			j := ei
			if last {
				j = len(c)
			} else {
				for j < len(c) && c[j].less(t) {
					j++
				}
			}
			d.putAll(c[ei:j])
			ei = j
			if j < len(c) {
				if !t.less(c[j]) { // equal
					ei++
					return c[j], true
				}
				return dupRec{}, false
			}
			d.free = append(d.free, c[:0]) // read through: reuse it
			old[ci] = nil
			ci, ei = ci+1, 0
		}
		return dupRec{}, false
	}
	for k := 0; k < len(tail); {
		g := k + 1
		for g < len(tail) && !tail[k].less(tail[g]) {
			g++
		}
		// tail[k:g] share an identity.
		first, have := copyUntil(tail[k], false)
		rest := tail[k:g]
		if !have {
			first, rest = tail[k], tail[k+1:g]
		}
		for _, t := range rest {
			found = append(found, dupFound{first: int(first.line), line: int(t.line), bad: t.check&dupFirstBad != 0,
				seen: dupSeen{found: true, reported: first.check&dupReported != 0, firstBad: first.check&dupFirstBad != 0}})
			first.check |= dupReported
		}
		d.putAll([]dupRec{first})
		k = g
	}
	copyUntil(dupRec{}, true)
	d.tail = d.tail[:0]
	return found
}

// putAll appends entries to the index.
func (d *dupIndex) putAll(es []dupRec) {
	for len(es) > 0 {
		k := len(d.index) - 1
		if k < 0 || len(d.index[k]) == dupChunk {
			var c []dupRec
			if f := len(d.free) - 1; f >= 0 {
				c, d.free = d.free[f], d.free[:f]
			} else {
				c = make([]dupRec, 0, dupChunk)
			}
			d.index = append(d.index, c)
			k++
		}
		n := min(len(es), dupChunk-len(d.index[k]))
		d.index[k] = append(d.index[k], es[:n]...)
		d.n += n
		es = es[n:]
	}
}

// sortTail sorts the tail by key, rows of one key in file order.
func (d *dupIndex) sortTail() []dupRec {
	out, starts := sortByHash(d.tail, d.scratch, d.starts)
	d.starts, d.scratch, d.tail = starts, d.tail, out // the tail's array serves as the next scratch
	return out
}

// lowerInto lower-cases an address as toLower does, in *buf when it is
// ASCII; the result is valid until the next call with buf.
func lowerInto(buf *[]byte, val string) string {
	b := (*buf)[:0]
	for i := 0; i < len(val); i++ {
		c := val[i]
		if c >= 0x80 {
			return strings.ToLower(val)
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	*buf = b
	return unsafe.String(unsafe.SliceData(b), len(b)) // hashed, never kept
}
