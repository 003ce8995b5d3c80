package csvfile

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An excluded row leaves the identity groups: its twin is no longer a
// duplicate, its own errors are not counted, and including it again brings
// both back.
func TestExcludeResolvesDuplicatesAndCountsApart(t *testing.T) {
	in := testHeader +
		"Ada,Lovelace,ada@example.edu,events,,,,\n" +
		"Bob,,bob@example.edu,events,,,,\n" +
		"Ada,Twin,ada@example.edu,events,,,,\n"
	f := readString(t, in, Options{})
	v := Validate(f)
	ed := NewEditor(f, v)
	if v.Errors() != 3 || v.RowsWithErrors() != 3 {
		t.Fatalf("before: %d errors in %d rows", v.Errors(), v.RowsWithErrors())
	}
	ed.Exclude([]int{2}, true)
	if got := texts(v.Row(0)); got != nil {
		t.Errorf("row 0 after its twin was excluded: %q", got)
	}
	if v.Errors() != 1 || v.RowsWithErrors() != 1 || ed.Excluded() != 1 || !ed.IsExcluded(2) {
		t.Errorf("after exclude: %d errors in %d rows, %d excluded", v.Errors(), v.RowsWithErrors(), ed.Excluded())
	}
	if ed.Dirty() {
		t.Error("excluding a row is not an edit of the file")
	}
	assertIncremental(t, f, v)
	ed.Exclude([]int{1}, true) // Bob: its "required" error no longer counts, but stays readable
	if v.Errors() != 0 || len(v.Row(1)) != 1 || v.OK(1) {
		t.Errorf("excluded Bob: errors %d, his messages %q", v.Errors(), texts(v.Row(1)))
	}
	assertIncremental(t, f, v)
	ed.Exclude([]int{1, 2}, false)
	if got := texts(v.Row(2)); !reflect.DeepEqual(got, []string{"this email is also on line 2"}) || v.Errors() != 3 {
		t.Errorf("included again: row 2 %q, %d errors", got, v.Errors())
	}
	assertIncremental(t, f, v)
	if !reflect.DeepEqual(ed.Exclusions(), []int(nil)) {
		t.Errorf("exclusions %v", ed.Exclusions())
	}
}

// Delete takes a row out of the import and, on save, out of the file; undo
// brings it back; lines after it are renumbered by the save.
func TestDeleteRowOnSave(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "users.csv")
	in := testHeader +
		"Ada,Lovelace,ada@example.edu,events,,,,\n" +
		"Ada,Twin,ada@example.edu,events,,,,\n" +
		"Bob,Smith,bob@example.edu,events,,,,\n"
	if err := os.WriteFile(p, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := Validate(f)
	ed := NewEditor(f, v)
	ed.Exclude([]int{2}, true)
	if err := ed.Delete(1); err != nil {
		t.Fatal(err)
	}
	if !ed.IsDeleted(1) || !ed.Dirty() || v.Errors() != 0 || ed.Deleted() != 1 {
		t.Fatalf("deleted %v dirty %v errors %d", ed.IsDeleted(1), ed.Dirty(), v.Errors())
	}
	assertIncremental(t, f, v)
	if !ed.Undo() || ed.IsDeleted(1) || v.Errors() != 2 || ed.Dirty() {
		t.Fatalf("undo: deleted %v errors %d dirty %v", ed.IsDeleted(1), v.Errors(), ed.Dirty())
	}
	if err := ed.Delete(1); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Save(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	want := testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\n" + "Bob,Smith,bob@example.edu,events,,,,\n"
	if string(got) != want {
		t.Fatalf("saved:\n%s", got)
	}
	if f.Len() != 2 || f.Line(1) != 3 || ed.Dirty() || !ed.IsExcluded(1) || ed.Excluded() != 1 || ed.Deleted() != 0 {
		t.Fatalf("after save: %d rows, line %d, dirty %v, excluded %v", f.Len(), f.Line(1), ed.Dirty(), ed.Exclusions())
	}
	if ed.Undo() {
		t.Error("an undo past a save that removed rows")
	}
	assertIncremental(t, f, v)
}

// One bulk fix is one undo step, every row gets its own fix value, and
// the rows revalidate.
func TestFixEverywhereIsOneUndoStep(t *testing.T) {
	in := testHeader +
		"Ada,Lovelace,ada@example.edu,Course Demand Projections,,,,\n" +
		"Bob,Smith,bob@example.edu,\"events, Course Demand Projections\",,,,\n" +
		"Cy,Young,cy@example.edu,events,,,,\n" +
		"Di,Ross,di@example.edu,Course Demand Projections,,,,\n"
	f := readString(t, in, Options{})
	v := Validate(f)
	ed := NewEditor(f, v)
	msg := v.Row(0)[0]
	rows := v.SameProblem(msg)
	if !reflect.DeepEqual(rows, []int{0, 1, 3}) {
		t.Fatalf("same problem: %v", rows)
	}
	n, err := ed.ApplyFixAll(msg)
	if err != nil || n != 3 {
		t.Fatalf("fixed %d: %v", n, err)
	}
	if v.Errors() != 0 || f.Raw(1, "products") != "events, courseDemandProjections" {
		t.Fatalf("errors %d, Bob %q", v.Errors(), f.Raw(1, "products"))
	}
	assertIncremental(t, f, v)
	if !ed.Undo() || v.Errors() != 3 || ed.Dirty() || f.Raw(3, "products") != "Course Demand Projections" {
		t.Fatalf("one undo: errors %d dirty %v", v.Errors(), ed.Dirty())
	}
	assertIncremental(t, f, v)
}

func TestFillAndReplace(t *testing.T) {
	in := testHeader +
		"Ada,Lovelace,ada@example.edu,events,,Maths,,\n" +
		"Bob,Smith,bob@example.edu,events,,Maths,,\n" +
		"Cy,Young,cy@example.edu,events,,Physics,,\n"
	f := readString(t, in, Options{})
	v := Validate(f)
	ed := NewEditor(f, v)
	n, err := ed.Replace([]int{0, 1, 2}, "department", "Maths", "Mathematics")
	if err != nil || n != 2 || f.Raw(1, "department") != "Mathematics" || f.Raw(2, "department") != "Physics" {
		t.Fatalf("replace: %d %v %q", n, err, f.Raw(1, "department"))
	}
	n, err = ed.Fill([]int{0, 2}, "externalId", "X")
	if err != nil || n != 2 || f.Raw(1, "externalId") != "" || f.Raw(2, "externalId") != "X" {
		t.Fatalf("fill: %d %v", n, err)
	}
	if !reflect.DeepEqual(ed.EditedRows(), []int{0, 1, 2}) || !ed.Edited(1) {
		t.Fatalf("edited rows %v", ed.EditedRows())
	}
	if _, err := ed.Fill([]int{0}, "nosuch", "X"); err == nil {
		t.Fatal("fill of no field")
	}
	if n, _ := ed.Replace([]int{0}, "department", "", "x"); n != 0 {
		t.Fatal("replacing nothing changed cells")
	}
	ed.Undo()
	ed.Undo()
	if f.Raw(0, "department") != "Maths" || ed.Dirty() || len(ed.EditedRows()) != 0 {
		t.Fatalf("undone: %q dirty %v", f.Raw(0, "department"), ed.Dirty())
	}
	assertIncremental(t, f, v)
}

func TestFindAndRowAtLine(t *testing.T) {
	in := testHeader +
		"Ada,Lovelace,ada@example.edu,events,,,,\n" +
		"\n" +
		"Bob,\"Smith\nJr\",bob@example.edu,events,,,,\n" +
		"Renée,Adams,renee@example.edu,events,,,,,extra\n"
	f := readString(t, in, Options{})
	for _, tt := range []struct {
		q            string
		row, col     int
		back         bool
		wantR, wantC int
		wantOK       bool
	}{
		{"ADA", -1, 0, false, 0, 0, true},
		{"ada", 0, 0, false, 0, 2, true},    // the next cell that holds it
		{"ada", 0, 2, false, 2, 1, true},    // Adams
		{"ada", 2, 1, false, 0, 0, true},    // wraps around
		{"ada", 0, 0, true, 2, 1, true},     // backwards, wrapping
		{"RENÉE", -1, 0, false, 2, 0, true}, // not ASCII
		{"jr", -1, 0, false, 1, 1, true},
		{"EXTRA", -1, 0, false, 2, 8, true}, // a cell without a header is a cell too
		{"zzz", -1, 0, false, 0, 0, false},
	} {
		r, c, ok := f.Find(tt.q, nil, tt.row, tt.col, tt.back)
		if r != tt.wantR || c != tt.wantC || ok != tt.wantOK {
			t.Errorf("Find(%q from %d,%d back=%v) = %d,%d,%v; want %d,%d,%v", tt.q, tt.row, tt.col, tt.back, r, c, ok, tt.wantR, tt.wantC, tt.wantOK)
		}
	}
	for _, tt := range []struct {
		rows         []int
		from, col    int
		back         bool
		wantR, wantC int
	}{
		{[]int{2}, -1, 0, false, 2, 1},
		{[]int{2}, 0, 2, false, 2, 1}, // from a row not shown
		{[]int{0, 2}, 1, 0, false, 2, 1},
		{[]int{0, 2}, 1, 0, true, 0, 2}, // backwards from a row not shown
		{[]int{0, 2}, 2, 1, false, 0, 0},
	} {
		if r, c, ok := f.Find("ada", tt.rows, tt.from, tt.col, tt.back); !ok || r != tt.wantR || c != tt.wantC {
			t.Errorf("Find in rows %v from %d,%d back=%v: %d,%d,%v; want %d,%d", tt.rows, tt.from, tt.col, tt.back, r, c, ok, tt.wantR, tt.wantC)
		}
	}
	if f.Line(1) != 4 {
		t.Fatalf("line %d", f.Line(1))
	}
	for line, want := range map[int]int{1: -1, 2: 0, 3: 0, 4: 1, 5: 1, 6: 2, 99: 2} {
		if got := f.RowAtLine(line); got != want {
			t.Errorf("RowAtLine(%d) = %d, want %d", line, got, want)
		}
	}
	if !strings.Contains(f.Header()[0], "First") {
		t.Fatal("header")
	}
}

// TestRandomBulkOpsStayIncremental mixes edits, fixes for every row like
// one, fills, replaces, exclusions, deletions and undo at random, and
// compares the validation (and the messages kept for excluded rows) with
// a fresh one after every step; then saves to disk and reads it back.
func TestRandomBulkOpsStayIncremental(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	emails := []string{"a@example.edu", "A@example.edu", "b@example.edu", "c@example", "", " a@example.edu", "Ann <a@example.edu>"}
	products := []string{"events", "Events", "Course Demand Projections", "evnets", "", "events, Course Demand Projections"}
	var b strings.Builder
	b.WriteString(testHeader)
	for i := range 16 {
		b.WriteString("Ada,Lovelace," + emails[i%len(emails)] + "," + `"` + products[i%len(products)] + `"` + ",,,,\n")
	}
	path := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := Validate(f)
	ed := NewEditor(f, v)
	some := func() []int {
		var rows []int
		for i := range f.Len() {
			if rng.IntN(3) == 0 {
				rows = append(rows, i)
			}
		}
		return rows
	}
	for step := range 400 {
		i := rng.IntN(f.Len())
		switch rng.IntN(8) {
		case 0:
			ed.Set(i, "email", emails[rng.IntN(len(emails))])
		case 1:
			if ms := v.Row(i); len(ms) > 0 && ms[0].Fix != nil {
				if _, err := ed.ApplyFixAll(ms[0]); err != nil {
					t.Fatal(err)
				}
			}
		case 2:
			if _, err := ed.Fill(some(), "products", products[rng.IntN(len(products))]); err != nil {
				t.Fatal(err)
			}
		case 3:
			if _, err := ed.Replace(some(), "email", "a@", "b@"); err != nil {
				t.Fatal(err)
			}
		case 4:
			ed.Exclude(some(), rng.IntN(2) == 0)
		case 5:
			if err := ed.Delete(i); err != nil {
				t.Fatal(err)
			}
		case 6, 7:
			ed.Undo()
		}
		fresh := Validate(f)
		if !reflect.DeepEqual(v.Messages(), fresh.Messages()) || v.Errors() != fresh.Errors() || v.Warnings() != fresh.Warnings() ||
			v.RowsWithErrors() != fresh.RowsWithErrors() {
			t.Fatalf("step %d: incremental\n%+v\nfull\n%+v", step, v.Messages(), fresh.Messages())
		}
		for r := range f.Len() {
			if !reflect.DeepEqual(v.Row(r), fresh.Row(r)) {
				t.Fatalf("step %d, row %d (state %d): %q, fresh %q", step, r, f.state(r), texts(v.Row(r)), texts(fresh.Row(r)))
			}
		}
	}
	kept := f.Len() - ed.Deleted()
	excluded := ed.Excluded()
	if _, err := ed.Save(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Len() != kept || f.Len() != kept || ed.Excluded() != excluded || ed.Deleted() != 0 {
		t.Fatalf("after save: %d rows on disk, %d in memory, want %d; %d excluded, want %d", again.Len(), f.Len(), kept, ed.Excluded(), excluded)
	}
	for r := range kept {
		if !reflect.DeepEqual(again.Cells(r), f.Cells(r)) || again.Line(r) != f.Line(r) {
			t.Fatalf("row %d on disk %q line %d, in memory %q line %d", r, again.Cells(r), again.Line(r), f.Cells(r), f.Line(r))
		}
	}
	assertIncremental(t, f, v)
}

// TestFindMatchesABruteForceSearch compares Find with the obvious search
// over random cells, shown rows and starting points, both ways.
func TestFindMatchesABruteForceSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	words := []string{"ada", "ADA", "Renée", "RENÉE", "x", "", "adA x", "b"}
	var b strings.Builder
	b.WriteString(testHeader)
	for range 30 {
		b.WriteString(words[rng.IntN(len(words))] + "," + words[rng.IntN(len(words))] + "," + words[rng.IntN(len(words))] + ",events,,,,\n")
	}
	f := readString(t, b.String(), Options{})
	brute := func(q string, rows []int, row, col int, back bool) (int, int, bool) {
		var cells [][2]int // every cell searched, in reading order
		if rows == nil {
			for i := range f.Len() {
				rows = append(rows, i)
			}
		}
		for _, i := range rows {
			for c := range 8 {
				cells = append(cells, [2]int{i, c})
			}
		}
		// Where the search starts: after (row, col) in reading order.
		start := 0
		for k, cell := range cells {
			if cell[0] < row || (cell[0] == row && cell[1] <= col) {
				start = k + 1
			}
		}
		n := len(cells)
		for step := 0; step < n; step++ {
			k := (start + step) % n
			if back {
				k = ((start-2-step)%n + n) % n
				if row >= 0 && !slices.Contains(rows, row) {
					k = ((start-1-step)%n + n) % n
				}
			}
			c := cells[k]
			if strings.Contains(strings.ToLower(f.cell(c[0], c[1])), strings.ToLower(q)) {
				return c[0], c[1], true
			}
		}
		return 0, 0, false
	}
	for trial := range 2000 {
		q := []string{"ada", "renée", "x", "ADA X", "zz"}[rng.IntN(5)]
		var rows []int
		if rng.IntN(2) == 0 {
			for i := range f.Len() {
				if rng.IntN(2) == 0 {
					rows = append(rows, i)
				}
			}
			if rows == nil {
				rows = []int{}
			}
		}
		row, col, back := rng.IntN(f.Len()+1)-1, rng.IntN(3), rng.IntN(2) == 0
		if row < 0 {
			col = -1
			if back {
				row, col = f.Len(), 0
			}
		}
		gr, gc, gok := f.Find(q, rows, row, col, back)
		wr, wc, wok := brute(q, rows, row, col, back)
		if gok != wok || (gok && (gr != wr || gc != wc)) {
			t.Fatalf("trial %d: Find(%q, %v, %d, %d, back=%v) = %d,%d,%v; brute force %d,%d,%v", trial, q, rows, row, col, back, gr, gc, gok, wr, wc, wok)
		}
	}
}

// A fill of one email into 20,000 rows makes one group of 20,000: each row
// is rechecked once, not once per row that joins (which took 52 s for
// 8,000 rows when rows changed one at a time). The bound only catches
// that; undo is one step too.
func TestFillOneEmailIntoManyRowsIsNotQuadratic(t *testing.T) {
	const n = 20_000
	var b strings.Builder
	b.WriteString(testHeader)
	for i := range n {
		b.WriteString("A,B,u" + strconv.Itoa(i) + "@x.edu,events,,,,\n")
	}
	f := readString(t, b.String(), Options{})
	v := Validate(f)
	ed := NewEditor(f, v)
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	start := time.Now()
	if got, err := ed.Fill(rows, "email", " SAME@x.edu"); err != nil || got != n {
		t.Fatalf("fill: %d, %v", got, err)
	}
	if v.RowsWithErrors() != n || texts(v.Row(0))[1] != "this email is also on line 3" || texts(v.Row(n - 1))[1] != "this email is also on line 2" {
		t.Fatalf("after the fill: %d rows with errors, row 0 %q", v.RowsWithErrors(), texts(v.Row(0)))
	}
	assertIncremental(t, f, v)
	ed.Exclude(rows[1:], true) // the group falls apart but for one row
	if v.RowsWithErrors() != 0 {
		t.Fatalf("after excluding all but one: %d rows with errors", v.RowsWithErrors())
	}
	ed.Exclude(rows, false)
	if !ed.Undo() || v.Errors() != 0 || ed.Dirty() {
		t.Fatalf("after undo: %d errors", v.Errors())
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("fill, exclude and undo of %d rows took %v", n, took)
	}
	assertIncremental(t, f, v)
}
