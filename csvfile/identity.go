package csvfile

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
)

// identities finds the rows that share an identity (the same email twice).
// The full pass hashes every row's identity into one array and sorts it,
// which for a million rows is several times faster than a map (sequential
// passes instead of a cache miss per row) and half the memory. Edits after
// that are recorded in moved; lookups skip entries whose row no longer has
// that identity.
type identities struct {
	v      *Validation
	field  int // schema index of the identity field
	email  bool
	seed   maphash.Seed
	sorted []idEntry          // by hash, then row
	moved  map[uint64][]int32 // rows whose identity changed since the full pass, by new hash
}

type idEntry struct {
	h   uint64
	row int32
}

func (e idEntry) key() uint64 { return e.h }

func (e idEntry) less(q idEntry) bool { return e.h < q.h || e.h == q.h && e.row < q.row }

func newIdentities(v *Validation, field int) *identities {
	return &identities{v: v, field: field, email: v.f.schema.Fields[field].Email, seed: maphash.MakeSeed()}
}

// key returns row i's identity as compared ("" for none): trimmed, and
// lower-case for an email.
func (x *identities) key(i int) string {
	if x.v.f.out(i) { // excluded and deleted rows clash with nobody
		return ""
	}
	val := strings.TrimSpace(x.v.f.cell(i, x.v.f.fieldCol[x.field]))
	if x.email {
		return toLower(val)
	}
	return val
}

// hash hashes row i's identity without allocating for the usual short
// ASCII address. ok is false when the row has none.
func (x *identities) hash(i int) (h uint64, ok bool) {
	if x.v.f.out(i) {
		return 0, false
	}
	return x.hashValue(strings.TrimSpace(x.v.f.cell(i, x.v.f.fieldCol[x.field])))
}

// hashValue hashes a trimmed identity value.
func (x *identities) hashValue(val string) (h uint64, ok bool) {
	if val == "" {
		return 0, false
	}
	if !x.email || lowerASCII(val) {
		return maphash.String(x.seed, val), true
	}
	var buf [128]byte
	if len(val) <= len(buf) {
		for k := 0; k < len(val); k++ {
			c := val[k]
			if c >= 0x80 {
				return maphash.String(x.seed, strings.ToLower(val)), true
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[k] = c
		}
		return maphash.Bytes(x.seed, buf[:len(val)]), true
	}
	return maphash.String(x.seed, strings.ToLower(val)), true
}

// build indexes the rows' entries (from hash) and returns the groups of
// rows that share an identity, each ascending.
func (x *identities) build(entries []idEntry) [][]int32 {
	x.sorted, _ = sortByHash(entries, nil, nil)
	x.moved = nil
	var groups [][]int32
	for lo := 0; lo < len(x.sorted); {
		hi := lo + 1
		for hi < len(x.sorted) && x.sorted[hi].h == x.sorted[lo].h {
			hi++
		}
		if hi-lo > 1 {
			groups = append(groups, x.split(x.sorted[lo:hi])...)
		}
		lo = hi
	}
	return groups
}

// split separates rows that share a hash into groups that share the key
// (a hash collision would otherwise report two different emails).
func (x *identities) split(run []idEntry) [][]int32 {
	var groups [][]int32
	done := make([]bool, len(run))
	for a := range run {
		if done[a] {
			continue
		}
		ka := x.key(int(run[a].row))
		g := []int32{run[a].row}
		for b := a + 1; b < len(run); b++ {
			if !done[b] && x.key(int(run[b].row)) == ka {
				done[b] = true
				g = append(g, run[b].row)
			}
		}
		if len(g) > 1 {
			groups = append(groups, g)
		}
	}
	return groups
}

// rowsLike returns the rows (ascending) whose identity is currently the
// same as row i's, i included; nil when row i has none.
func (x *identities) rowsLike(i int) []int32 {
	h, ok := x.hash(i)
	if !ok {
		return nil
	}
	return x.rowsWith(h, x.key(i))
}

// rowsWith returns the rows (ascending) whose identity is key, h being its
// hash: the full pass's entries of that hash and the rows moved to it, each
// checked against the row's current identity.
func (x *identities) rowsWith(h uint64, key string) []int32 {
	var out []int32
	add := func(r int32) {
		if rh, ok := x.hash(int(r)); ok && rh == h && x.key(int(r)) == key {
			out = append(out, r)
		}
	}
	at, _ := slices.BinarySearchFunc(x.sorted, h, func(e idEntry, h uint64) int { return cmp.Compare(e.h, h) })
	for ; at < len(x.sorted) && x.sorted[at].h == h; at++ {
		add(x.sorted[at].row)
	}
	for _, r := range x.moved[h] {
		add(r)
	}
	slices.Sort(out)
	return slices.Compact(out) // a row moved back to its first identity is in both
}

// moveTo records that row i now has the identity it has (after an edit).
func (x *identities) moveTo(i int) {
	h, ok := x.hash(i)
	if !ok {
		return
	}
	if x.moved == nil {
		x.moved = map[uint64][]int32{}
	}
	if !slices.Contains(x.moved[h], int32(i)) {
		x.moved[h] = append(x.moved[h], int32(i))
	}
}
