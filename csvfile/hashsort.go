package csvfile

import (
	"math/bits"
	"slices"
)

// hashKeyed is an entry sorted by a uniform 64-bit hash (key); less orders
// the entries of one key.
type hashKeyed[T any] interface {
	key() uint64
	less(T) bool
}

// compareByLess is less as a comparison for slices.SortStableFunc.
func compareByLess[T hashKeyed[T]](p, q T) int {
	switch {
	case p.less(q):
		return -1
	case q.less(p):
		return 1
	}
	return 0
}

// sortByHash sorts a into out (grown to len(a)) by key, then less, stably:
// one counting pass on the top bits of the hash, about one entry a bucket,
// then each bucket put in order in place. Two sequential passes and one
// scatter, where a comparison sort of a million entries takes several
// times longer. starts is the counting table; both are returned so that a
// caller sorting again reuses them.
func sortByHash[T hashKeyed[T]](a, out []T, starts []int32) ([]T, []int32) {
	out = grow(out, len(a))
	if len(a) < 1<<10 {
		copy(out, a)
		slices.SortStableFunc(out, compareByLess[T])
		return out, starts
	}
	width := bits.Len(uint(len(a)))
	shift := 64 - width
	starts = grow(starts, 1<<width+1)
	clear(starts)
	for _, e := range a {
		starts[e.key()>>shift+1]++
	}
	for b := 1; b < len(starts); b++ {
		starts[b] += starts[b-1]
	}
	for _, e := range a { // after this, starts[b] is where bucket b ends
		b := e.key() >> shift
		out[starts[b]] = e
		starts[b]++
	}
	lo := 0
	for _, end := range starts[:len(starts)-1] {
		hi := int(end)
		for i := lo + 1; i < hi; i++ {
			e, j := out[i], i
			for j > lo && e.less(out[j-1]) {
				out[j] = out[j-1]
				j--
			}
			out[j] = e
		}
		lo = hi
	}
	return out, starts
}
