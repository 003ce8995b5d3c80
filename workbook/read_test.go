package workbook

import (
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
