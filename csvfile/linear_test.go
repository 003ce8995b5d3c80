package csvfile

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestRulesLinearInTheCell: a 1 MiB Products cell of 100,000 misspelt
// keys (each a near miss, so each has advice and a fix) validates in
// under a second and 100 MB. Each bad item's fix used to copy the whole
// cell, which grew to gigabytes.
func TestRulesLinearInTheCell(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < MaxCell-16; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "schedulng%d", i%10) // never a key, and each spelled a few ways
	}
	cell := b.String()
	in := testHeader + "Ada,Lovelace,ada@example.edu,\"" + cell + "\",,,,\n"
	f := readString(t, in, Options{})
	items := strings.Count(cell, ",") + 1

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	v := Validate(f)
	took := time.Since(t0)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc

	ms := v.Row(0)
	if len(ms) != maxItemMessages+1 {
		t.Fatalf("%d messages for %d bad items, want %d: %+v", len(ms), items, maxItemMessages+1, ms[len(ms)-2:])
	}
	last := ms[len(ms)-1]
	if want := fmt.Sprintf("and %d more values are not product keys", items-maxItemMessages); last.Text != want || last.Fix != nil {
		t.Errorf("last message %+v, want %q", last, want)
	}
	if ms[0].Fix == nil || !strings.HasPrefix(ms[0].Text, `"schedulng0" is not a product key`) {
		t.Errorf("first message %+v", ms[0])
	}
	limit := time.Second
	if raceEnabled {
		limit *= 10
	}
	if took > limit || alloc > 100<<20 {
		t.Errorf("validating %d items of a %d-byte cell took %v and %d MB; want under %v and 100 MB", items, len(cell), took, alloc>>20, limit)
	}
	t.Logf("%d items, %d bytes: %v, %d MB allocated", items, len(cell), took, alloc>>20)
}
