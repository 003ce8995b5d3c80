package csvfile

import (
	"hash/maphash"
	"strings"
)

// dupIndex is what Scan keeps to find rows that share an identity: for each
// distinct identity (lower-case for an email) the line of its first row,
// under a 64-bit hash, with 30 bits of a second, independent hash to tell
// apart the rare two that share the first. The identities themselves are
// not kept: a million addresses cost about 17 MB instead of the 60 MB of a
// map of strings. Two different addresses are taken for one only when both
// randomly seeded hashes agree, about one file in 10^17 of a million
// distinct addresses; the in-memory Validation compares the strings.
type dupIndex struct {
	field        int
	fd           *Field
	email        bool
	seed1, seed2 maphash.Seed
	m            map[uint64]dupEntry
	more         map[[2]uint64]dupEntry // a first hash shared by different identities
	buf          []byte
}

type dupEntry struct {
	line  uint32
	check uint32 // the second hash's top 30 bits, and the flags below
}

const (
	dupReported = 1 << iota // the first row has had its message
	dupFirstBad             // the first row had an error of its own
	dupFlags    = dupReported | dupFirstBad
)

// dupSeen says what add found.
type dupSeen struct {
	found, reported, firstBad bool
}

func newDupIndex(field int, fd *Field) *dupIndex {
	return &dupIndex{field: field, fd: fd, email: fd.Email, seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed(),
		m: map[uint64]dupEntry{}}
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

// hash returns the identity val's (trimmed, not empty) two hashes.
func (d *dupIndex) hash(val string) (uint64, uint64) {
	key := val
	if d.email && !lowerASCII(val) {
		key = d.lower(val)
	}
	return maphash.String(d.seed1, key), maphash.String(d.seed2, key)
}

// run adds the rows sent on in, in order, and sends those whose identity
// an earlier row has on out, which it closes when in is closed. The
// lookups are cache misses (the index is tens of MB for a million rows):
// on a goroutine of their own they overlap with reading and checking.
func (d *dupIndex) run(in <-chan []dupWork, out chan<- []dupFound) {
	defer close(out)
	for batch := range in {
		var found []dupFound
		for _, w := range batch {
			if first, seen := d.add(w.h1, w.h2, int(w.line), w.bad); seen.found {
				found = append(found, dupFound{first: first, line: int(w.line), bad: w.bad, seen: seen})
			}
		}
		if found != nil {
			out <- found
		}
	}
}

// add records the identity (by its hashes) of the row on line, which has
// an error of its own when bad. When an earlier row has it, add returns
// that row's line and what was known of it.
func (d *dupIndex) add(h1, h2 uint64, line int, bad bool) (int, dupSeen) {
	check := uint32(h2>>32) &^ dupFlags
	e, ok := d.m[h1]
	if ok && e.check&^dupFlags != check {
		return d.addMore([2]uint64{h1, h2}, line, bad)
	}
	if !ok {
		e = dupEntry{line: uint32(line), check: check}
		if bad {
			e.check |= dupFirstBad
		}
		d.m[h1] = e
		return 0, dupSeen{}
	}
	seen := dupSeen{found: true, reported: e.check&dupReported != 0, firstBad: e.check&dupFirstBad != 0}
	if !seen.reported {
		e.check |= dupReported
		d.m[h1] = e
	}
	return int(e.line), seen
}

// addMore is add for an identity whose first hash another one has.
func (d *dupIndex) addMore(k [2]uint64, line int, bad bool) (int, dupSeen) {
	if d.more == nil {
		d.more = map[[2]uint64]dupEntry{}
	}
	e, ok := d.more[k]
	if !ok {
		e = dupEntry{line: uint32(line)}
		if bad {
			e.check |= dupFirstBad
		}
		d.more[k] = e
		return 0, dupSeen{}
	}
	seen := dupSeen{found: true, reported: e.check&dupReported != 0, firstBad: e.check&dupFirstBad != 0}
	e.check |= dupReported
	d.more[k] = e
	return int(e.line), seen
}

// lower lower-cases an address as toLower does, in a reused buffer when it
// is ASCII; the result is valid until the next call.
func (d *dupIndex) lower(val string) string {
	d.buf = d.buf[:0]
	for i := 0; i < len(val); i++ {
		c := val[i]
		if c >= 0x80 {
			return strings.ToLower(val)
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		d.buf = append(d.buf, c)
	}
	return string(d.buf) // short; the compiler does not keep it
}
