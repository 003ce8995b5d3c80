package csvfile_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sync/coursedog"
)

var (
	scanRoles = []csvfile.Choice{
		{Value: "r-6f1e2d93", Label: "Faculty"},
		{Value: "r-2b8e4d10", Label: "Scheduling Admin", Prebuilt: true},
		{Value: "r-0a1b2c3d", Label: "Super Admin", Prebuilt: true},
		{Value: "r-4c4c4c4c", Label: "Advisor"},
	}
	scanDepartments = []csvfile.Choice{
		{Value: "Mathematics", Label: "MATH"},
		{Value: "Physics", Label: "PHYS"},
		{Value: "Languages, Literatures and Cultures", Label: "LLC"},
	}
)

// scanned is everything Scan said of a file.
type scanned struct {
	sum    csvfile.Summary
	msgs   []csvfile.Message
	values [][]string // per row: every field's Value and List
	err    error
}

func scanFile(t *testing.T, path string, s *csvfile.Schema) scanned {
	t.Helper()
	var out scanned
	out.sum, out.err = csvfile.Scan(path, s, csvfile.Options{}, csvfile.ScanHandler{
		Message: func(m csvfile.Message) error {
			out.msgs = append(out.msgs, cloneMessage(m))
			return nil
		},
		Row: func(r *csvfile.ScanRow) error {
			if r.Index != len(out.values) {
				t.Fatalf("row %d handed out as %d", len(out.values), r.Index)
			}
			var vs []string
			for _, fd := range s.Fields {
				vs = append(vs, fmt.Sprint(r.Has(fd.Key), strings.Clone(r.Value(fd.Key)), slices.Clone(r.List(fd.Key)), r.Line))
			}
			out.values = append(out.values, vs)
			return nil
		},
	})
	return out
}

func cloneMessage(m csvfile.Message) csvfile.Message {
	m.Text, m.Column = strings.Clone(m.Text), strings.Clone(m.Column)
	if m.Fix != nil {
		f := *m.Fix
		f.Value, f.Label, f.Column = strings.Clone(f.Value), strings.Clone(f.Label), strings.Clone(f.Column)
		m.Fix = &f
	}
	return m
}

// byLine orders messages by line, then as JSON: Scan hands some out late
// (a first row's duplicate message, the encoding warning), so only the
// set is the same, not the order.
func byLine(ms []csvfile.Message) []string {
	ms = slices.Clone(ms)
	slices.SortStableFunc(ms, func(a, b csvfile.Message) int { return a.Line - b.Line })
	out := make([]string, len(ms))
	for i, m := range ms {
		b, _ := json.Marshal(m)
		out[i] = string(b)
	}
	slices.Sort(out)
	return out
}

// TestScanMatchesValidate: for every file in testdata (the hostile corpus
// included), with the schema validate uses and with roles and departments
// known, Scan gives the messages, counts, values and errors that Open and
// Validate give, reading the file whole and in blocks of a few bytes
// (every boundary case of its decoder and window).
func TestScanMatchesValidate(t *testing.T) {
	var files []string
	for _, dir := range []string{"../testdata", "../testdata/hostile", "../testdata/csvfile", "../testdata/ccai"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !strings.HasSuffix(e.Name(), ".go") {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	if len(files) < 60 {
		t.Fatalf("%d files", len(files))
	}
	schemas := map[string]func() *csvfile.Schema{
		"offline": func() *csvfile.Schema { return coursedog.NewSchema(nil, nil) },
		"live":    func() *csvfile.Schema { return coursedog.NewSchema(scanRoles, scanDepartments) },
	}
	for _, pipe := range []bool{false, true} {
		if pipe { // on its goroutines, as for a large file
			defer csvfile.SetScanPipeMin(0)()
		}
		for _, sizes := range [][2]int{{64 << 10, 256 << 10}, {7, 5}, {1, 1}, {64, 13}, {16, 2}} {
			restore := csvfile.SetScanSizes(sizes[0], sizes[1])
			for name, schema := range schemas {
				for _, path := range files {
					compareScan(t, fmt.Sprintf("%s %s blocks %v pipe %v", path, name, sizes, pipe), path, schema)
				}
			}
			restore()
		}
	}
}

func compareScan(t *testing.T, name, path string, schema func() *csvfile.Schema) {
	t.Helper()
	got := scanFile(t, path, schema())
	s := schema()
	f, err := csvfile.Open(path, s, csvfile.Options{})
	if err != nil {
		var fe *csvfile.FileError
		if got.err == nil || !errors.As(got.err, &fe) || got.err.Error() != err.Error() {
			t.Errorf("%s: Open: %v; Scan: %v", name, err, got.err)
		}
		return
	}
	if got.err != nil {
		t.Errorf("%s: Scan: %v; Open read it", name, got.err)
		return
	}
	v := csvfile.Validate(f)
	want := csvfile.Summary{Path: path, Encoding: f.Encoding(), Delimiter: f.Delimiter(), Header: f.Header(),
		Rows: f.Len(), Errors: v.Errors(), Warnings: v.Warnings(), RowsWithErrors: v.RowsWithErrors()}
	if fmt.Sprint(got.sum) != fmt.Sprint(want) {
		t.Errorf("%s: summary\n got %+v\nwant %+v", name, got.sum, want)
	}
	if g, w := byLine(got.msgs), byLine(v.Messages()); !slices.Equal(g, w) {
		t.Errorf("%s: messages\n got %s\nwant %s", name, strings.Join(g, "\n     "), strings.Join(w, "\n     "))
	}
	for i := range f.Len() {
		var vs []string
		for _, fd := range s.Fields {
			vs = append(vs, fmt.Sprint(f.Has(fd.Key), f.Value(i, fd.Key), f.List(i, fd.Key), f.Line(i)))
		}
		if i >= len(got.values) || !slices.Equal(got.values[i], vs) {
			t.Errorf("%s: row %d values differ", name, i)
			break
		}
	}
}

// TestScanMatchesValidateOnManyDuplicates: 70,000 rows (several merges of
// Scan's duplicate index, and Validate's parallel pass) where addresses
// come back within a merge, across merges, in other letter cases, three
// and four times, on rows that have errors of their own and rows that do
// not.
func TestScanMatchesValidateOnManyDuplicates(t *testing.T) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Products\n")
	for i := range 70_000 {
		email := fmt.Sprintf("user%d@example.edu", i)
		switch {
		case i%97 == 5:
			email = fmt.Sprintf("USER%d@Example.edu", i-5) // within a few rows
		case i%1013 == 7:
			email = fmt.Sprintf("user%d@example.edu", i-20_000) // a merge or more before
		case i%5000 == 11:
			email = "shared@example.edu" // fourteen times
		}
		products := "events"
		if i%7 == 0 {
			products = "evnets" // an error of its own
		}
		fmt.Fprintf(&b, "Ada,Lovelace,%s,%s\n", email, products)
	}
	path := filepath.Join(t.TempDir(), "dups.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	schema := func() *csvfile.Schema { return coursedog.NewSchema(nil, nil) }
	compareScan(t, "dups.csv", path, schema)
	defer csvfile.SetScanSizes(100, 3000)()
	compareScan(t, "dups.csv in small blocks", path, schema)
	defer csvfile.SetScanPipeMin(0)()
	compareScan(t, "dups.csv in small blocks on goroutines", path, schema)
}

// TestScanStopsWhenTheHandlerFails: a handler's error stops the scan, on
// one goroutine or several, comes back as it is, and leaves no goroutine
// behind.
func TestScanStopsWhenTheHandlerFails(t *testing.T) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Products\n")
	for i := range 200_000 {
		fmt.Fprintf(&b, "Ada,Lovelace,user%d@example.edu,evnts\n", i%150_000) // an error a row, duplicates later
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("the reader went away")
	before := runtime.NumGoroutine()
	for _, pipe := range []int64{0, 1 << 40} {
		restore := csvfile.SetScanPipeMin(pipe)
		for _, after := range []int{0, 1, 5000, 150_010} {
			n := 0
			_, err := csvfile.Scan(path, coursedog.NewSchema(nil, nil), csvfile.Options{}, csvfile.ScanHandler{
				Message: func(m csvfile.Message) error {
					if n++; n > after {
						return stop
					}
					return nil
				},
			})
			if err != stop || n != after+1 {
				t.Errorf("pipe from %d, stop after %d: %v after %d messages", pipe, after, err, n)
			}
		}
		restore()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running (%d before)", n, before)
	}
}
