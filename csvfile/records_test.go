package csvfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// recordsHeader is testSchema's header in another order, as a JSON reader
// might hand it over.
var recordsHeader = []string{"Email", "First Name", "Last Name", "Products", "Role IDs"}

func recordsFile(t *testing.T, path string) *File {
	t.Helper()
	records := [][]string{
		{"ada@example.edu", "Ada", "Lovelace", "events", "r-3"},
		{"bob@example.edu", "Bob", "", "Eventz"}, // short: Role IDs padded
		{"ADA@example.edu", "Ada", "Twin", "events, catalog", ""},
	}
	warn := Message{Severity: Warning, Line: 9, Text: `column 5: unknown field "x" is ignored`}
	f, err := FromRecords(path, testSchema(testRoles, testDepartments), recordsHeader, records, []int{2, 9, 17}, []Message{warn})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Rows built from parsed records read and validate as a CSV's do, and
// every message names the caller's line.
func TestFromRecordsValidatesWithTheCallersLines(t *testing.T) {
	f := recordsFile(t, "users.json")
	if f.Len() != 3 || f.Path() != "users.json" || f.Line(1) != 9 || f.Line(2) != 17 || f.Delimiter() != 0 {
		t.Fatalf("file %v: lines %d %d delimiter %q", f, f.Line(1), f.Line(2), f.Delimiter())
	}
	if got := f.List(2, "products"); !reflect.DeepEqual(got, []string{"events", "catalog"}) {
		t.Errorf("products of row 2: %q", got)
	}
	if f.Value(1, "roles") != "" || !f.Has("roles") || f.Has("department") {
		t.Errorf("padding or columns wrong: %q %v %v", f.Value(1, "roles"), f.Has("roles"), f.Has("department"))
	}
	if ws := f.Warnings(); len(ws) != 1 || ws[0].Line != 9 {
		t.Errorf("the caller's warnings: %+v", ws)
	}
	v := Validate(f)
	var got []string
	for _, m := range v.Messages() {
		if m.Severity == Error {
			got = append(got, fmt.Sprintf("%d %s", m.Line, m.Column))
		}
	}
	want := []string{"2 Email", "9 Last Name", "9 Products", "17 Email"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors at %q, want %q (all: %+v)", got, want, v.Messages())
	}
	for _, m := range v.Row(0) {
		if m.Column == "Email" && !strings.Contains(m.Text, "line 17") {
			t.Errorf("the same-email message names the other row's line: %q", m.Text)
		}
	}
}

func TestFromRecordsRefusesWhatItCannotHold(t *testing.T) {
	s := testSchema(nil, nil)
	for _, c := range []struct {
		name    string
		header  []string
		records [][]string
		lines   []int
		line    int
		want    string
	}{
		{"no rows", recordsHeader, nil, nil, 0, "no rows"},
		{"no header", nil, [][]string{{"a"}}, []int{1}, 0, "no columns"},
		{"lines", recordsHeader, [][]string{{"a"}}, []int{1, 2}, 0, "1 rows but 2 line numbers"},
		{"negative line", recordsHeader, [][]string{{"a"}}, []int{-1}, 0, "out of range"},
		{"long record", recordsHeader, [][]string{{"a", "b", "c", "d", "e", "f"}}, []int{4}, 4, "6 cells but the header has 5"},
		{"long cell", recordsHeader, [][]string{{"a", strings.Repeat("x", MaxCell+1)}}, []int{7}, 7, `"First Name" is longer than 1 MiB`},
		{"missing column", []string{"Email", "First Name"}, [][]string{{"a", "b"}}, []int{2}, 0, "Last Name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromRecords("in.json", s, c.header, c.records, c.lines, nil)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != "in.json" || fe.Line != c.line || !strings.Contains(fe.Msg, c.want) {
				t.Fatalf("got %v (%+v), want line %d and %q", err, fe, c.line, c.want)
			}
		})
	}
}

// Saving rows that came from JSON never writes CSV over the JSON: the CSV
// goes beside it, the File becomes that CSV, and a CSV already there is
// not overwritten.
func TestSaveFromRecordsWritesCSVBeside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.json")
	original := []byte(`[{"email": "ada@example.edu"}]`)
	if err := os.WriteFile(path, original, 0o640); err != nil {
		t.Fatal(err)
	}
	f := recordsFile(t, path)
	v := Validate(f)
	ed := NewEditor(f, v)
	if err := ed.Set(1, "lastName", "Smith"); err != nil {
		t.Fatal(err)
	}
	if err := ed.ApplyFix(1, Fix{Column: "Products", Value: "events"}); err != nil {
		t.Fatal(err)
	}

	// A CSV already beside it is left alone, and so is everything else.
	beside := path + ".csv"
	if err := os.WriteFile(beside, []byte("theirs\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Save(); err == nil || !strings.Contains(err.Error(), "already exists") || !strings.Contains(err.Error(), "users.json.csv") {
		t.Fatalf("save over an existing CSV: %v", err)
	}
	if b, _ := os.ReadFile(beside); string(b) != "theirs\n" || f.Path() != path || !ed.Dirty() {
		t.Fatalf("a refused save changed something: %q %s dirty %v", b, f.Path(), ed.Dirty())
	}
	os.Remove(beside)

	kept, err := ed.Save()
	if err != nil {
		t.Fatal(err)
	}
	if kept != path || f.Path() != beside || ed.Dirty() || f.Delimiter() != ',' {
		t.Fatalf("after save: kept %q path %q dirty %v delimiter %q", kept, f.Path(), ed.Dirty(), f.Delimiter())
	}
	if b, _ := os.ReadFile(path); string(b) != string(original) {
		t.Fatalf("the JSON was changed: %q", b)
	}
	if st, err := os.Stat(beside); err != nil || st.Mode().Perm() != 0o640 {
		t.Fatalf("the CSV: %v %v", st, err)
	}
	back, err := Open(beside, testSchema(testRoles, testDepartments), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if back.Len() != 3 || back.Value(1, "lastName") != "Smith" || back.Value(1, "products") != "events" ||
		back.Value(2, "products") != "events, catalog" || back.Encoding() != EncUTF8BOM {
		t.Fatalf("the CSV reads back as %v: %q %q", back, back.Cells(1), back.Cells(2))
	}
	// Lines are the CSV's now; the JSON's row warnings went with it.
	if f.Line(0) != 2 || f.Line(2) != 4 || len(f.Warnings()) != 0 {
		t.Errorf("lines %d %d, warnings %+v", f.Line(0), f.Line(2), f.Warnings())
	}
	assertIncremental(t, f, v)

	// Later saves are ordinary saves of the CSV, original kept as .bak.
	if err := ed.Set(0, "firstName", "Augusta"); err != nil {
		t.Fatal(err)
	}
	bak, err := ed.Save()
	if err != nil || bak != beside+".bak" {
		t.Fatalf("second save: %q %v", bak, err)
	}
	if b, _ := os.ReadFile(path); string(b) != string(original) {
		t.Fatalf("the JSON was changed by the second save: %q", b)
	}
}
