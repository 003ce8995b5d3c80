package workbook

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"usersync/csvfile"
	"usersync/sync/coursedog"
)

// header is coursedog's template, the columns tests fill in.
var header = []any{"First Name", "Last Name", "Email", "Products", "Unique ID", "Department"}

// book builds a workbook at dir/name: each sheet is built by its func,
// in tab order (the first renames excelize's Sheet1).
func book(t *testing.T, dir, name string, sheets ...sheetFunc) string {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := x.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		s.fill(t, x, s.name)
	}
	path := filepath.Join(dir, name)
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

type sheetFunc struct {
	name string
	fill func(t *testing.T, x *excelize.File, sheet string)
}

// rows fills a sheet from row 1 down; nil rows stay empty.
func rows(name string, rs ...[]any) sheetFunc {
	return sheetFunc{name, func(t *testing.T, x *excelize.File, sheet string) {
		for i, r := range rs {
			if r == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow(sheet, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}}
}

func (s sheetFunc) then(more func(t *testing.T, x *excelize.File, sheet string)) sheetFunc {
	fill := s.fill
	s.fill = func(t *testing.T, x *excelize.File, sheet string) { fill(t, x, sheet); more(t, x, sheet) }
	return s
}

func schema() *csvfile.Schema { return coursedog.NewSchema(nil, nil) }

func open(t *testing.T, path string, opts csvfile.Options) *csvfile.File {
	t.Helper()
	f, err := Open(path, schema(), opts)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return f
}

// messages renders every message as the CLI places it.
func messages(f *csvfile.File) []string {
	var out []string
	for _, m := range csvfile.Validate(f).Messages() {
		where := m.Where
		if where == "" && m.Line > 0 {
			where = "line " + itoa(m.Line)
		}
		out = append(out, m.Severity.String()+" "+where+": "+m.Text)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestReadsCellsAsTheOperatorSeesThem(t *testing.T) {
	dir := t.TempDir()
	path := book(t, dir, "users.xlsx", rows("Users",
		header,
		[]any{"Ada", "Lovelace", "ada@example.edu", "scheduling", int64(123456789012345), "Mathematics"},
		[]any{"Alan", "Turing", "alan@example.edu", "catalog", 42, "Physics"},
		nil, nil, // empty rows between rows
		[]any{"Grace", "Hopper", "grace@example.edu", "events", "000123", "Physics"},
		[]any{"Edsger", "Dijkstra", "edsger@example.edu", "events", nil, "Physics"},
		[]any{"Barbara", "Liskov", "barbara@example.edu", "events", nil, "Physics"},
		[]any{"Donald", "Knuth", "donald@example.edu", "events", true, time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)},
	).then(func(t *testing.T, x *excelize.File, s string) {
		// Stored as Excel stores what it was given: a 16-digit ID typed in
		// keeps 15 digits; a longer one is kept in exponent form.
		x.SetCellDefault(s, "E7", "1234567890123450")
		x.SetCellDefault(s, "E8", "1.2345678901234567E+19")
		// An ID shown with its leading zeros by a number format.
		zeros := "00000"
		st, _ := x.NewStyle(&excelize.Style{CustomNumFmt: &zeros})
		x.SetCellInt(s, "E3", 42)
		x.SetCellStyle(s, "E3", "E3", st)
		// The locale's short date (Excel's default date format).
		date, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
		x.SetCellStyle(s, "F9", "F9", date)
	}))
	f := open(t, path, csvfile.Options{})
	got := []string{}
	for i := range f.Len() {
		got = append(got, itoa(f.Line(i))+": "+strings.Join(f.Cells(i), "|"))
	}
	sameLines(t, got, []string{
		"2: Ada|Lovelace|ada@example.edu|scheduling|123456789012345|Mathematics",
		"3: Alan|Turing|alan@example.edu|catalog|00042|Physics",
		"6: Grace|Hopper|grace@example.edu|events|000123|Physics",
		"7: Edsger|Dijkstra|edsger@example.edu|events|1.23456789012345E+15|Physics",
		"8: Barbara|Liskov|barbara@example.edu|events|1.23456789012346E+19|Physics",
		"9: Donald|Knuth|donald@example.edu|events|TRUE|2026-03-04",
	})
	sameLines(t, messages(f), []string{
		"warning Users row 4: empty rows ignored: rows 4 and 5",
		`warning Users!E7 (Unique ID): "1.23456789012345E+15" looks like a long number a spreadsheet shortened, and its other digits are lost; format the column as text in the spreadsheet and export again`,
		`warning Users!E8 (Unique ID): "1.23456789012346E+19" looks like a long number a spreadsheet shortened, and its other digits are lost; format the column as text in the spreadsheet and export again`,
	})
	if k := f.Kind(); k != "Excel workbook, sheet Users" {
		t.Errorf("kind %q", k)
	}
}

func TestSheets(t *testing.T) {
	dir := t.TempDir()
	user := func(first, email string) []any { return []any{first, "Doe", email, "events"} }
	path := book(t, dir, "staff.xlsx",
		rows("Read me"), // no data
		rows("Staff 2026", header, user("Ada", "ada@example.edu"), user("Alan", "alan@example.edu")),
		rows("Old", header, user("Grace", "grace@example.edu")),
		rows("Secret", header, user("Mallory", "mallory@example.edu")).then(func(t *testing.T, x *excelize.File, s string) {
			x.SetSheetVisible(s, false)
		}),
	)
	// The first sheet with data, and a word about the others.
	f := open(t, path, csvfile.Options{})
	if f.Len() != 2 || f.Value(0, "email") != "ada@example.edu" {
		t.Errorf("read %d rows from %s", f.Len(), f.Kind())
	}
	sameLines(t, messages(f), []string{
		"warning : read sheet 'Staff 2026'; the workbook has other sheets with data (Old): --sheet NAME reads another",
	})
	// --sheet, in any letter case, hidden sheets too.
	if f := open(t, path, csvfile.Options{Sheet: "old"}); f.Len() != 1 || f.Value(0, "email") != "grace@example.edu" || f.Kind() != "Excel workbook, sheet Old" {
		t.Errorf("--sheet old read %d rows of %s", f.Len(), f.Kind())
	}
	if f := open(t, path, csvfile.Options{Sheet: "Secret"}); f.Value(0, "firstName") != "Mallory" {
		t.Errorf("--sheet Secret read %q", f.Value(0, "firstName"))
	}
	// A UI asks instead.
	_, err := Open(path, schema(), csvfile.Options{AskSheet: true})
	var fe *csvfile.FileError
	if !errors.As(err, &fe) || strings.Join(fe.Sheets, "|") != "Staff 2026|Old" ||
		err.Error() != path+": the workbook has 2 sheets with data ('Staff 2026', Old); choose one" {
		t.Errorf("ask: %v (sheets %q)", err, fe.Sheets)
	}
	_, err = Open(path, schema(), csvfile.Options{Sheet: "Nope"})
	if err == nil || err.Error() != path+": the workbook has no sheet Nope; its sheets are 'Read me', 'Staff 2026', Old, Secret (hidden)" {
		t.Errorf("no such sheet: %v", err)
	}
	// The empty sheet named: nothing to read.
	_, err = Open(path, schema(), csvfile.Options{Sheet: "Read me"})
	if err == nil || err.Error() != path+": sheet 'Read me' has no data" {
		t.Errorf("empty sheet: %v", err)
	}
}

func TestMergedCellsAndHiddenRows(t *testing.T) {
	dir := t.TempDir()
	path := book(t, dir, "users.xlsx", rows("Users",
		header,
		[]any{"Ada", "Lovelace", "ada@example.edu", "events", "1", "Sales"},
		[]any{"Alan", "Turing", "alan@example.edu", "events", "2"},
		[]any{"Grace", "Hopper", "grace@example.edu", "events", "3", nil, "a note"},
	).then(func(t *testing.T, x *excelize.File, s string) {
		if err := x.MergeCell(s, "F2", "F4"); err != nil {
			t.Fatal(err)
		}
		x.SetRowVisible(s, 3, false)
		x.SetColVisible(s, "E", false)
	}))
	f := open(t, path, csvfile.Options{})
	for i, want := range []string{"Sales", "Sales", "Sales"} {
		if got := f.Value(i, "department"); got != want {
			t.Errorf("row %d department %q, want %q", f.Line(i), got, want)
		}
	}
	sameLines(t, messages(f), []string{
		"warning : values right of the last header column (F) are not imported: Users!G4",
		"warning Users!E1 (Unique ID): the column is hidden in Excel; it is imported all the same",
		`warning Users!F2:F4: merged cells: each cell of the range reads "Sales", as the first one does`,
		"warning Users row 3: hidden in Excel, and imported all the same: row 3",
	})
}

func TestHeaderMustBeOnRow1(t *testing.T) {
	dir := t.TempDir()
	user := []any{"Ada", "Lovelace", "ada@example.edu", "events"}
	below := book(t, dir, "below.xlsx", rows("Users", nil, nil, header, user))
	_, err := Open(below, schema(), csvfile.Options{})
	var fe *csvfile.FileError
	if !errors.As(err, &fe) || fe.Where != "Users!A1" || fe.Line != 1 ||
		err.Error() != below+": Users!A1: row 1 of sheet Users is empty, and the header must be on row 1 (the first values are on row 3): delete the rows above the header in Excel" {
		t.Errorf("%v", err)
	}
	titled := book(t, dir, "titled.xlsx", rows("Users", []any{"Staff list, December 2026"}, nil, header, user))
	_, err = Open(titled, schema(), csvfile.Options{})
	if !errors.As(err, &fe) || len(fe.Missing) == 0 ||
		err.Error() != titled+`: Users row 1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "Staff list, December 2026"; the header seems to be on row 3: it must be on row 1, so delete the rows above it in Excel` {
		t.Errorf("%v", err)
	}
	onlyHeader := book(t, dir, "header.xlsx", rows("Users", header))
	if _, err := Open(onlyHeader, schema(), csvfile.Options{}); err == nil || err.Error() != onlyHeader+": Users row 1: the file has a header but no rows" {
		t.Errorf("%v", err)
	}
}
