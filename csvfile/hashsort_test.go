package csvfile

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortByHashIsAStableSort: the radix path (from 1,024 entries) and the
// comparison path give what a stable sort by key and less gives, with many
// entries sharing a key and the counting table and output reused.
func TestSortByHashIsAStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var out []dupRec
	var starts []int32
	for _, n := range []int{0, 1, 2, 1023, 1024, 1025, 5000, 70000} {
		a := make([]dupRec, n)
		for i := range a {
			// Few distinct hashes, so buckets hold runs; check decides
			// within a key, and line says the input's order.
			a[i] = dupRec{h: rng.Uint64() & 0xF000_0000_0000_00FF, check: uint32(rng.IntN(4)) << 2, line: uint32(i)}
		}
		want := slices.Clone(a)
		slices.SortStableFunc(want, compareByLess[dupRec])
		out, starts = sortByHash(a, out, starts)
		if !slices.Equal(out, want) {
			t.Fatalf("%d entries: not the stable sort", n)
		}
	}
	ids := make([]idEntry, 3000)
	for i := range ids {
		ids[i] = idEntry{h: rng.Uint64() % 50, row: int32(len(ids) - i)} // rows descending: less must order them
	}
	got, _ := sortByHash(ids, nil, nil)
	if !slices.IsSortedFunc(got, func(p, q idEntry) int {
		if p.less(q) {
			return -1
		}
		if q.less(p) {
			return 1
		}
		return 0
	}) || len(got) != len(ids) {
		t.Fatal("identities not sorted by hash then row")
	}
}
