package csvfile

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

func texts(ms []Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

// assertIncremental checks that the edited validation equals a fresh one.
func assertIncremental(t *testing.T, f *File, v *Validation) {
	t.Helper()
	fresh := Validate(f)
	if !reflect.DeepEqual(v.Messages(), fresh.Messages()) {
		t.Fatalf("incremental\n%+v\nfull\n%+v", v.Messages(), fresh.Messages())
	}
	if v.Errors() != fresh.Errors() || v.Warnings() != fresh.Warnings() || v.RowsWithErrors() != fresh.RowsWithErrors() ||
		!reflect.DeepEqual(v.Problems(), fresh.Problems()) {
		t.Fatalf("counts %d/%d/%d %v, full %d/%d/%d %v", v.Errors(), v.Warnings(), v.RowsWithErrors(), v.Problems(),
			fresh.Errors(), fresh.Warnings(), fresh.RowsWithErrors(), fresh.Problems())
	}
}

func TestEditFixesDuplicatesIncrementally(t *testing.T) {
	in := testHeader +
		"Ada,Lovelace,ada@example.edu,events,,,,\n" +
		"Bob,Smith,bob@example.edu,events,,,,\n" +
		"Ada,Twin,ada@example.edu,events,,,,\n"
	f := readString(t, in, Options{})
	v := Validate(f)
	ed := NewEditor(f, v)
	if v.Errors() != 2 || ed.Dirty() {
		t.Fatalf("errors %d dirty %v", v.Errors(), ed.Dirty())
	}
	if err := ed.Set(2, "email", "ada.twin@example.edu"); err != nil {
		t.Fatal(err)
	}
	if v.Errors() != 0 || len(v.Problems()) != 0 || !ed.Dirty() {
		t.Errorf("after the fix: errors %d problems %v dirty %v", v.Errors(), v.Problems(), ed.Dirty())
	}
	assertIncremental(t, f, v)
	if err := ed.Set(1, "email", "ADA.TWIN@example.edu"); err != nil { // a new clash
		t.Fatal(err)
	}
	if got := texts(v.Row(2)); !reflect.DeepEqual(got, []string{"this email is also on line 3"}) {
		t.Errorf("row 2: %q", got)
	}
	assertIncremental(t, f, v)
	for range 2 {
		if !ed.Undo() {
			t.Fatal("undo")
		}
	}
	if got := texts(v.Row(0)); !reflect.DeepEqual(got, []string{"this email is also on line 4"}) || ed.Dirty() {
		t.Errorf("after undo: %q dirty %v", got, ed.Dirty())
	}
	assertIncremental(t, f, v)
	if ed.Undo() {
		t.Error("undo with nothing to undo")
	}
}

func TestEditErrors(t *testing.T) {
	f := readString(t, "First Name,Last Name,Email,Products\nAda,Lovelace,ada@example.edu,events\n", Options{})
	ed := NewEditor(f, Validate(f))
	for _, tt := range []struct {
		row       int
		key, want string
	}{
		{5, "email", "set email: no row 5 (the file has 1)"},
		{0, "nickname", "set nickname: demo has no such field"},
		{0, "department", `set department: the file has no "Department" column`},
	} {
		if err := ed.Set(tt.row, tt.key, "x"); err == nil || err.Error() != tt.want {
			t.Errorf("Set(%d, %s): %v, want %s", tt.row, tt.key, err, tt.want)
		}
	}
	if err := ed.Set(0, "email", strings.Repeat("x", MaxCell+1)); err == nil {
		t.Error("set a cell over 1 MiB")
	}
	if err := ed.ApplyFix(0, Fix{Column: "Nickname", Value: "x", Label: "use x"}); err == nil {
		t.Error("applied a fix to no column")
	}
	if err := ed.Set(0, "email", "ada@example.edu"); err != nil || ed.Dirty() {
		t.Errorf("setting the same value: %v dirty %v", err, ed.Dirty())
	}
}

func TestEditGrowsAShortRow(t *testing.T) {
	f := readString(t, testHeader+"Ada,Lovelace,ada@example.edu\n", Options{})
	v := Validate(f)
	ed := NewEditor(f, v)
	if err := ed.Set(0, "products", "events"); err != nil {
		t.Fatal(err)
	}
	if got := texts(v.Row(0)); !reflect.DeepEqual(got, []string{"the row has 4 cells but the header has 8; the missing cells are read as empty"}) {
		t.Errorf("after the edit: %q", got)
	}
	if err := ed.Set(0, "roles", "r-1"); err != nil {
		t.Fatal(err)
	}
	if v.Row(0) != nil || f.Value(0, "products") != "events" {
		t.Errorf("row complete: %q %q", texts(v.Row(0)), f.Value(0, "products"))
	}
	assertIncremental(t, f, v)
	ed.Undo()
	ed.Undo()
	if got := texts(v.Row(0)); len(got) != 2 || len(f.Cells(0)) != 3 {
		t.Errorf("after undo: %q cells %q", got, f.Cells(0))
	}
	assertIncremental(t, f, v)
}

// TestRandomEditsStayIncremental edits, fixes and undoes at random and
// compares the validation with a fresh one after every step.
func TestRandomEditsStayIncremental(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	emails := []string{"a@example.edu", "A@example.edu", "b@example.edu", "c@example", "", " a@example.edu", "Ann <a@example.edu>"}
	products := []string{"events", "Events", "Course Demand Projections", "evnets", "", "events, catalog"}
	var b strings.Builder
	b.WriteString(testHeader)
	for i := range 12 {
		b.WriteString("Ada,Lovelace," + emails[i%len(emails)] + "," + `"` + products[i%len(products)] + `"` + ",,,,\n")
	}
	f := readString(t, b.String(), Options{})
	v := Validate(f)
	ed := NewEditor(f, v)
	for step := range 300 {
		i := rng.IntN(f.Len())
		switch rng.IntN(4) {
		case 0:
			ed.Set(i, "email", emails[rng.IntN(len(emails))])
		case 1:
			ed.Set(i, "products", products[rng.IntN(len(products))])
		case 2:
			for _, m := range v.Row(i) {
				if m.Fix != nil {
					if err := ed.ApplyFix(i, *m.Fix); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
		case 3:
			ed.Undo()
		}
		fresh := Validate(f)
		if !reflect.DeepEqual(v.Messages(), fresh.Messages()) || v.Errors() != fresh.Errors() || v.Warnings() != fresh.Warnings() ||
			v.RowsWithErrors() != fresh.RowsWithErrors() {
			t.Fatalf("step %d: incremental\n%+v\nfull\n%+v", step, v.Messages(), fresh.Messages())
		}
	}
	for ed.Undo() {
	}
	if ed.Dirty() || !reflect.DeepEqual(v.Messages(), Validate(readString(t, b.String(), Options{})).Messages()) {
		t.Error("undoing everything did not restore the file")
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	orig := "\uFEFFsep=;\r\nFirst Name;Notes;Last Name;Email;Products\r\n" +
		"Ada;\"likes; maths\";Lovelace;ada@example.edu;Course Demand Projections\r\n" +
		"\r\n" +
		"Bob;;Smith;bob@example.edu;\"events\r\ncatalog\"\r\n" +
		"Cy;x;Ng;cy@example.edu\r\n"
	path := writeFile(t, dir, "users.csv", orig)
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := Validate(f)
	ed := NewEditor(f, v)
	for _, m := range v.Row(0) {
		if m.Fix != nil {
			if err := ed.ApplyFix(0, *m.Fix); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := ed.Set(1, "firstName", `Bob "the builder"`); err != nil {
		t.Fatal(err)
	}
	if err := ed.Set(2, "products", "=HYPERLINK(\"x\")"); err != nil {
		t.Fatal(err)
	}
	bak, err := ed.Save()
	if err != nil {
		t.Fatal(err)
	}
	if bak != path+".bak" || ed.Dirty() {
		t.Errorf("bak %q dirty %v", bak, ed.Dirty())
	}
	if data, _ := os.ReadFile(bak); string(data) != orig {
		t.Errorf("backup %q", data)
	}
	want := "\uFEFFsep=;\r\nFirst Name;Notes;Last Name;Email;Products\r\n" +
		"Ada;\"likes; maths\";Lovelace;ada@example.edu;courseDemandProjections\r\n" +
		"\"Bob \"\"the builder\"\"\";;Smith;bob@example.edu;\"events\r\ncatalog\"\r\n" +
		"Cy;x;Ng;cy@example.edu;\"=HYPERLINK(\"\"x\"\")\"\r\n"
	data, _ := os.ReadFile(path)
	if string(data) != want {
		t.Errorf("saved\n%q\nwant\n%q", data, want)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", info.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left in the folder: %v", entries)
	}
	// Lines follow the saved file: no blank line, the multi-line cell kept.
	if f.Line(0) != 3 || f.Line(1) != 4 || f.Line(2) != 6 {
		t.Errorf("lines %d %d %d", f.Line(0), f.Line(1), f.Line(2))
	}
	if got := texts(v.Row(2)); !reflect.DeepEqual(got, []string{`"=HYPERLINK("x")" is not a product key; use one of: scheduling, curriculum, syllabus, events, catalog, courseDemandProjections`}) || v.Row(2)[0].Line != 6 {
		t.Errorf("row 2 after save: %+v", v.Row(2))
	}
	assertIncremental(t, f, v)
	again, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Len() {
		if !reflect.DeepEqual(again.Cells(i), f.Cells(i)) || again.Line(i) != f.Line(i) {
			t.Errorf("row %d re-read %q line %d, want %q line %d", i, again.Cells(i), again.Line(i), f.Cells(i), f.Line(i))
		}
	}

	// A second save keeps the first backup, the untouched original.
	if err := ed.Set(0, "lastName", "King"); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Save(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(bak); string(data) != orig {
		t.Errorf("backup overwritten: %q", data)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "Ada;\"likes; maths\";King;") {
		t.Errorf("second save: %q", data)
	}
}

// TestSaveFillsShortRows: Save writes a short row with all its cells, so
// after it the row is no longer short, in the editor as on disk.
func TestSaveFillsShortRows(t *testing.T) {
	path := writeFile(t, t.TempDir(), "users.csv", "First Name,Last Name,Email,Products,Notes\nAda,Lovelace,ada@example.edu,events\nBob,Smith,bob@example.edu,events,x\n")
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := Validate(f)
	if got := texts(v.Row(0)); !reflect.DeepEqual(got, []string{"the row has 4 cells but the header has 5; the missing cells are read as empty"}) {
		t.Fatalf("before: %q", got)
	}
	ed := NewEditor(f, v)
	if err := ed.Set(1, "lastName", "King"); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Save(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != "First Name,Last Name,Email,Products,Notes\nAda,Lovelace,ada@example.edu,events,\nBob,King,bob@example.edu,events,x\n" {
		t.Errorf("saved %q", data)
	}
	if v.Row(0) != nil || len(f.Cells(0)) != 5 {
		t.Errorf("after save: %q, cells %q", texts(v.Row(0)), f.Cells(0))
	}
	assertIncremental(t, f, v)
	ed.Undo()
	if f.Value(1, "lastName") != "Smith" || !ed.Dirty() {
		t.Errorf("undo after save: %q dirty %v", f.Value(1, "lastName"), ed.Dirty())
	}
	assertIncremental(t, f, v)
}

func TestSaveRefusesAFileChangedOnDisk(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "users.csv", testHeader+"Ada,Lovelace,ada@example.edu,events,,,,\n")
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ed := NewEditor(f, Validate(f))
	ed.Set(0, "lastName", "King")
	later := time.Now().Add(time.Minute)
	os.WriteFile(path, []byte(testHeader+"Someone,Else,else@example.edu,events,,,,\n"), 0o640)
	os.Chtimes(path, later, later)
	if _, err := ed.Save(); err == nil || err.Error() != "save "+path+": the file changed on disk since it was read; not overwriting it" {
		t.Errorf("got %v", err)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "Someone") {
		t.Error("overwrote the newer file")
	}
	r := readString(t, testHeader+"Ada,Lovelace,ada@example.edu,events,,,,\n", Options{})
	if _, err := NewEditor(r, Validate(r)).Save(); err == nil || err.Error() != "save users.csv: it was not read from a file on disk" {
		t.Errorf("save of a read file: %v", err)
	}
}

func TestSaveKeepsTheEncoding(t *testing.T) {
	dir := t.TempDir()
	content := testHeader + "Zoë,Ng,zoe@example.edu,events,,,,\n"
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(content, ",", "\t"))
	for _, tt := range []struct {
		name, content, encoding, after string
	}{
		{"utf8", content, EncUTF8, EncUTF8},
		{"utf16", utf16le, EncUTF16LE, EncUTF16LE},
		{"windows-1252", strings.ReplaceAll(content, "ë", "\xeb"), EncWindows1252, EncWindows1252},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, tt.name+".csv", tt.content)
			f, err := Open(path, testSchema(nil, nil), Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := Validate(f)
			ed := NewEditor(f, v)
			if f.Encoding() != tt.encoding {
				t.Fatalf("encoding %s", f.Encoding())
			}
			ed.Set(0, "lastName", "Ngô")
			if _, err := ed.Save(); err != nil {
				t.Fatal(err)
			}
			again, err := Open(path, testSchema(nil, nil), Options{})
			if err != nil {
				t.Fatal(err)
			}
			// A Windows-1252 file is still one, and says so again.
			warns := 0
			if tt.after == EncWindows1252 {
				warns = 1
			}
			if again.Encoding() != tt.after || f.Encoding() != tt.after || len(again.Warnings()) != warns || v.Warnings() != warns {
				t.Errorf("encoding %s (file says %s), warnings %v", again.Encoding(), f.Encoding(), again.Warnings())
			}
			if again.Value(0, "firstName") != "Zoë" || again.Value(0, "lastName") != "Ngô" || again.Delimiter() != f.Delimiter() {
				t.Errorf("re-read %q %q", again.Value(0, "firstName"), again.Value(0, "lastName"))
			}
		})
	}
}

// A Windows-1252 file that now holds a character Windows-1252 has no byte
// for is not saved as something else without asking: Save says where the
// character is, and SaveAs UTF-8 saves it.
func TestSaveWindows1252RefusesWhatItCannotStore(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "w.csv", testHeader+"Zo\xeb,Ng,zoe@example.edu,events,,,,\n")
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ed := NewEditor(f, Validate(f))
	ed.Set(0, "lastName", "Nguyễn")
	_, err = ed.Save()
	var ee *EncodingError
	if !errors.As(err, &ee) || ee.Line != 2 || ee.Column != "Last Name" || ee.Char != 'ễ' {
		t.Fatalf("save: %v", err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "Zo\xeb,Ng,") || !ed.Dirty() {
		t.Fatalf("the file changed: %q", b)
	}
	if _, err := ed.SaveAs(EncUTF8BOM); err != nil {
		t.Fatal(err)
	}
	again, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil || again.Encoding() != EncUTF8BOM || again.Value(0, "lastName") != "Nguyễn" || again.Value(0, "firstName") != "Zoë" {
		t.Fatalf("re-read: %v %s %q", err, again.Encoding(), again.Value(0, "lastName"))
	}
}

func TestTemplate(t *testing.T) {
	var b strings.Builder
	if err := WriteTemplate(&b, testSchema(nil, nil)); err != nil {
		t.Fatal(err)
	}
	if b.String() != testHeader {
		t.Errorf("got %q", b.String())
	}
}

// TestEditInALargeGroup: a placeholder address on thousands of rows; an
// edit rechecks the group once (not once per member) and stays exact.
func TestEditInALargeGroup(t *testing.T) {
	var b strings.Builder
	b.WriteString(testHeader)
	for range 3000 {
		b.WriteString("Ada,Lovelace,none@example.edu,events,,,,\n")
	}
	f := readString(t, b.String(), Options{})
	v := Validate(f)
	ed := NewEditor(f, v)
	if got := v.Row(0)[0].Text; got != "this email is also on line 3" {
		t.Fatalf("got %q", got)
	}
	for i := range 5 {
		if err := ed.Set(i*2, "email", "NONE@example.edu "); err != nil { // the same address again
			t.Fatal(err)
		}
		if err := ed.Set(i*2+1, "email", "own@example.edu"); err != nil {
			t.Fatal(err)
		}
	}
	if got := v.Row(1000)[0].Text; got != "this email is also on line 2" { // the group's first row
		t.Errorf("got %q", got)
	}
	if got := v.Row(1)[0].Text; got != "this email is also on line 5" { // the own@ group: its first names its second

		t.Errorf("got %q", got)
	}
	assertIncremental(t, f, v)
}

// Five bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) are no character in
// Windows-1252. Reading one as U+FFFD lost it: the file could then be
// neither saved as it was nor told apart from a real U+FFFD. Windows
// reads them as the C1 controls of the same number, so they are kept as
// those, flagged on their line and column, and a save writes the byte
// back.
func TestWindows1252BytesWithoutACharacterAreKept(t *testing.T) {
	for _, tt := range []struct{ name, content string }{
		{"Windows-1252", testHeader + "Zo\xeb,N\x8dg,zoe@example.edu,events,,,,\n"},
		{"UTF-8 with an ANSI row", testHeader + "Zoé,Ng,zoe@example.edu,events,,,,\nA\x81,B,b@example.edu,events,,,,\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, "w.csv", tt.content)
			f, err := Open(path, testSchema(nil, nil), Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := Validate(f)
			flagged := false
			for i := range f.Len() {
				for _, m := range v.Row(i) {
					if strings.Contains(m.Text, "U+008D") || strings.Contains(m.Text, "U+0081") {
						flagged = true
					}
				}
				for c := range f.Cells(i) {
					if strings.ContainsRune(f.Cells(i)[c], utf8.RuneError) {
						t.Fatalf("row %d holds U+FFFD: %q", i, f.Cells(i))
					}
				}
			}
			if !flagged {
				t.Fatalf("the byte is not flagged: %v %v", v.Row(0), v.Row(f.Len()-1))
			}
			ed := NewEditor(f, v)
			ed.Set(0, "email", "zoe2@example.edu")
			if _, err := ed.Save(); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			if want := strings.Replace(tt.content, "zoe@", "zoe2@", 1); f.Encoding() == EncWindows1252 && string(b) != want {
				t.Fatalf("saved %q, want %q", b, want)
			}
			again, err := Open(path, testSchema(nil, nil), Options{})
			if err != nil || !reflect.DeepEqual(again.Cells(f.Len()-1), f.Cells(f.Len()-1)) {
				t.Fatalf("re-read %v: %q, wrote %q", err, again.Cells(f.Len()-1), f.Cells(f.Len()-1))
			}
		})
	}
}
