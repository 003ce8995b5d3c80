package ui

import (
	"strings"
	"testing"
)

// The dry run's filter line said "(1 rows shown)".
func TestDryRunFilterCountsOneRow(t *testing.T) {
	d := planOf(t, writeTemp(t, "users.csv", rolesFile), seededTarget())
	one := false
	for range 4 {
		d.keys("f")
		n := 0
		for _, it := range d.m.diff.items {
			if it.kind == itemRow {
				n++
			}
		}
		if d.m.diff.onlyAction == "" {
			continue
		}
		if n == 1 {
			one = true
			d.sees("(1 row shown)")
		}
		if strings.Contains(d.view(), " 1 rows shown") {
			t.Fatalf("plural for one row:\n%s", d.view())
		}
	}
	if !one {
		t.Fatal("no filter shows one row; the test proves nothing")
	}
}
