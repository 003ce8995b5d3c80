package workbook

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"usersync/csvfile"
)

// BenchmarkOpen reads the same 20,000 users from a CSV and from a
// workbook, side by side: what reading a workbook costs over CSV.
func BenchmarkOpen(b *testing.B) {
	const n = 20000
	dir := b.TempDir()
	hdr := []string{"First Name", "Last Name", "Email", "Products", "Unique ID", "Department"}
	row := func(i int) []string {
		return []string{"First" + fmt.Sprint(i), "Last", fmt.Sprintf("user%d@example.edu", i), "events", fmt.Sprint(100000000000000 + i), "Mathematics"}
	}
	csvPath := filepath.Join(dir, "users.csv")
	fh, _ := os.Create(csvPath)
	w := csv.NewWriter(fh)
	w.Write(hdr)
	for i := range n {
		w.Write(row(i))
	}
	w.Flush()
	fh.Close()

	x := excelize.NewFile()
	sw, _ := x.NewStreamWriter("Sheet1")
	cells := func(ss []string, num bool) []any {
		out := make([]any, len(ss))
		for k, s := range ss {
			out[k] = s
		}
		if num {
			out[4] = int64(100000000000000) + int64(len(out)) // stored as a number
		}
		return out
	}
	sw.SetRow("A1", cells(hdr, false))
	for i := range n {
		name, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(name, cells(row(i), true))
	}
	sw.Flush()
	xlsxPath := filepath.Join(dir, "users.xlsx")
	if err := x.SaveAs(xlsxPath); err != nil {
		b.Fatal(err)
	}
	x.Close()

	b.Run("csv", func(b *testing.B) {
		for b.Loop() {
			if f, err := csvfile.Open(csvPath, schema(), csvfile.Options{}); err != nil || f.Len() != n {
				b.Fatal(err)
			}
		}
	})
	b.Run("xlsx", func(b *testing.B) {
		for b.Loop() {
			if f, err := Open(xlsxPath, schema(), csvfile.Options{}); err != nil || f.Len() != n {
				b.Fatal(err)
			}
		}
	})
}
