package workbook

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"usersync/csvfile"
)

// richBook is a workbook with what a save must leave alone: styles, a
// number format, formulas (one shared across rows), a merged range, and a
// second sheet with its own formulas.
func richBook(t *testing.T, dir string) string {
	return book(t, dir, "users.xlsx",
		rows("Users",
			[]any{"First Name", "Last Name", "Email", "Products", "Unique ID", "Department", "Login"},
			[]any{"Ada", "Lovelace", "ada@example.edu", "scheduling", int64(123456789012345), "Sales"},
			[]any{"Alan", "Turing", "alan at example.edu", "catalog", 42, "Sales"},
			[]any{"Grace", "Hopper", "grace@example.edu", "events", 7, "Physics"},
		).then(func(t *testing.T, x *excelize.File, s string) {
			bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
			x.SetCellStyle(s, "A1", "G1", bold)
			zeros := "00000"
			z, _ := x.NewStyle(&excelize.Style{CustomNumFmt: &zeros})
			x.SetCellStyle(s, "E2", "E4", z)
			shared := excelize.STCellFormulaTypeShared
			ref := "G2:G4"
			if err := x.SetCellFormula(s, "G2", "LOWER(A2)", excelize.FormulaOpts{Type: &shared, Ref: &ref}); err != nil {
				t.Fatal(err)
			}
			x.MergeCell(s, "F2", "F3")
		}),
		rows("Other", []any{"Total", 3}, []any{"Note", "=not a formula"}).then(func(t *testing.T, x *excelize.File, s string) {
			x.SetCellFormula(s, "B3", "SUM(B1:B1)*2")
		}),
	)
}

// cellState is everything a cell holds that a save must keep.
type cellState struct {
	value, formula string
	style          int
	typ            excelize.CellType
}

// cells reads every cell of every sheet of a workbook, by "Sheet!A1".
func cells(t *testing.T, path string) map[string]cellState {
	t.Helper()
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	out := map[string]cellState{}
	for _, sheet := range x.GetSheetList() {
		rs, err := x.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r := range len(rs) + 2 {
			for c := range 10 {
				name, _ := excelize.CoordinatesToCellName(c+1, r+1)
				var st cellState
				st.value, _ = x.GetCellValue(sheet, name, excelize.Options{RawCellValue: true})
				st.formula, _ = x.GetCellFormula(sheet, name)
				st.style, _ = x.GetCellStyle(sheet, name)
				st.typ, _ = x.GetCellType(sheet, name)
				if st != (cellState{}) {
					out[sheet+"!"+name] = st
				}
			}
		}
		merged, _ := x.GetMergeCells(sheet)
		for _, m := range merged {
			out[sheet+" merge "+m.GetStartAxis()+":"+m.GetEndAxis()] = cellState{}
		}
	}
	return out
}

// parts reads every part of the archive.
func parts(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

func TestSaveWritesOnlyTheEditedCells(t *testing.T) {
	dir := t.TempDir()
	path := richBook(t, dir)
	orig, _ := os.ReadFile(path)
	before, beforeParts := cells(t, path), parts(t, path)

	f := open(t, path, csvfile.Options{})
	v := csvfile.Validate(f)
	ed := csvfile.NewEditor(f, v)
	// A fix, and a value that looks like a formula: it must stay text.
	if err := ed.Set(1, "email", "alan@example.edu"); err != nil {
		t.Fatal(err)
	}
	if err := ed.Set(2, "lastName", `=HYPERLINK("http://evil.example","x")`); err != nil {
		t.Fatal(err)
	}
	bak, err := ed.Save()
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	if data, _ := os.ReadFile(bak); bak != path+".bak" || !bytes.Equal(data, orig) {
		t.Errorf("backup %s is not the untouched original", bak)
	}
	if ed.Dirty() {
		t.Error("dirty after save")
	}
	after := cells(t, path)
	edited := map[string]string{"Users!C3": "alan@example.edu", "Users!B4": `=HYPERLINK("http://evil.example","x")`}
	for k, want := range edited {
		got := after[k]
		if got.value != want || got.formula != "" || got.typ != excelize.CellTypeSharedString || got.style != before[k].style {
			t.Errorf("%s after save: %+v, want the text %q in its old style %d", k, got, want, before[k].style)
		}
		delete(after, k)
		delete(before, k)
	}
	for k, was := range before {
		if after[k] != was {
			t.Errorf("%s changed: %+v → %+v", k, was, after[k])
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("%s appeared: %+v", k, after[k])
		}
	}
	// The other sheet's XML is the very same bytes.
	afterParts := parts(t, path)
	if !bytes.Equal(afterParts["xl/worksheets/sheet2.xml"], beforeParts["xl/worksheets/sheet2.xml"]) {
		t.Errorf("the other sheet's XML changed:\n%s\n%s", beforeParts["xl/worksheets/sheet2.xml"], afterParts["xl/worksheets/sheet2.xml"])
	}

	// Read back, it is what the editor held, with Excel's cells named.
	again := open(t, path, csvfile.Options{})
	for i := range f.Len() {
		if strings.Join(again.Cells(i), "|") != strings.Join(f.Cells(i), "|") {
			t.Errorf("row %d read back %q, saved %q", f.Line(i), again.Cells(i), f.Cells(i))
		}
	}

	// A second save after an undo: the backup stays the original.
	ed.Undo()
	if _, err := ed.Save(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(bak); !bytes.Equal(data, orig) {
		t.Error("the second save replaced the backup")
	}
	if got := cells(t, path)["Users!B4"].value; got != "Hopper" {
		t.Errorf("undone cell saved as %q", got)
	}
}

func TestSaveRefusesCellsItCannotWriteFaithfully(t *testing.T) {
	dir := t.TempDir()
	path := richBook(t, dir)
	orig, _ := os.ReadFile(path)
	tests := []struct {
		key   string
		row   int
		value string
		want  string
	}{
		{"department", 1, "Physics", "save: write " + path + ": Users!F3 is part of the merged cells F2:F3; unmerge them in Excel, or make the change there"},
		{"firstName", 0, "Ada\x01", "save: write " + path + ": Users!A2: the new value holds the control character U+0001, which a workbook cannot store"},
		{"firstName", 0, strings.Repeat("x", 40000), "save: write " + path + ": Users!A2: the new value has 40000 characters, more than an Excel cell holds (32767)"},
	}
	// A sheet too large to rewrite in memory (the limit lowered to this
	// small one's size).
	was := maxSaveSheet
	defer func() { maxSaveSheet = was }()
	tests = append(tests, struct {
		key   string
		row   int
		value string
		want  string
	}{"firstName", 0, "Adah", "save: write " + path + ": sheet Users is too large to write fixes back into (2 KiB of XML; the limit is 1 KiB): " +
		"make the fixes in Excel, where the messages name each cell, or save the sheet as CSV UTF-8 and import that"})
	for k, tt := range tests {
		if k < len(tests)-1 {
			maxSaveSheet = was
		} else {
			maxSaveSheet = 1 << 10
		}
		f := open(t, path, csvfile.Options{})
		ed := csvfile.NewEditor(f, csvfile.Validate(f))
		if err := ed.Set(tt.row, tt.key, tt.value); err != nil {
			t.Fatal(err)
		}
		if _, err := ed.Save(); err == nil || err.Error() != tt.want {
			t.Errorf("save %s: %v, want %s", tt.key, err, tt.want)
		}
		if data, _ := os.ReadFile(path); !bytes.Equal(data, orig) {
			t.Fatalf("a refused save changed the file")
		}
		if _, err := os.Stat(path + ".bak"); err == nil {
			t.Fatalf("a refused save left a backup")
		}
	}
}

func TestSaveRefusesAFormulaCellAndAChangedFile(t *testing.T) {
	dir := t.TempDir()
	path := book(t, dir, "users.xlsx", rows("Users",
		[]any{"First Name", "Last Name", "Email", "Products"},
		[]any{"Ada", "Lovelace", nil, "events"},
	).then(func(t *testing.T, x *excelize.File, s string) {
		x.SetCellFormula(s, "C2", `LOWER(A2)&"@example.edu"`)
	}))
	f := open(t, path, csvfile.Options{})
	v := csvfile.Validate(f)
	// excelize writes no result for a formula: the reader says so.
	var notes []string
	for _, m := range v.Messages() {
		notes = append(notes, m.Where+": "+m.Text)
	}
	want := "Users!C2 (Email): a formula whose result the workbook does not hold (it was never calculated); open the workbook in Excel and save it, so the result is stored"
	if len(notes) == 0 || notes[0] != want {
		t.Errorf("messages %q, want first %q", notes, want)
	}
	ed := csvfile.NewEditor(f, v)
	ed.Set(0, "email", "ada@example.edu")
	if _, err := ed.Save(); err == nil || err.Error() != "save: write "+path+": Users!C2 is computed by a formula; change the formula or what it reads in Excel (usersync writes plain values only, so it leaves formulas alone)" {
		t.Errorf("save over a formula: %v", err)
	}
	ed.Undo()
	ed.Set(0, "lastName", "Byron")
	now := []byte("changed by someone else")
	os.WriteFile(path, now, 0o644)
	if _, err := ed.Save(); err == nil || !strings.Contains(err.Error(), "the file changed on disk since it was read; not overwriting it") {
		t.Errorf("save over a changed file: %v", err)
	}
}

// A row deleted in the editor would stay in the workbook (a save writes
// cells, never removes rows): the delete is refused with what to do
// instead, rather than dropped on save.
func TestDeletingAWorkbookRowIsRefused(t *testing.T) {
	path := richBook(t, t.TempDir())
	f := open(t, path, csvfile.Options{})
	ed := csvfile.NewEditor(f, csvfile.Validate(f))
	err := ed.Delete(1)
	want := "delete line 3: a save writes cells back into the Excel workbook, sheet Users and never removes rows; exclude the row (space) to leave it out of this import, or delete it in the program that made the file"
	if err == nil || err.Error() != want {
		t.Fatalf("delete in a workbook: %v, want %q", err, want)
	}
	if ed.IsDeleted(1) || ed.Dirty() {
		t.Errorf("the refused delete changed the editor: deleted %v dirty %v", ed.IsDeleted(1), ed.Dirty())
	}
}
