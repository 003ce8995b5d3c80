package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"usersync/csvfile"
)

func TestValidateDemoFile(t *testing.T) {
	code, stdout, stderr := runOffline(t, "validate", "testdata/users.csv")
	want := `testdata/users.csv: 17 rows for coursedog (UTF-8, comma-delimited)

Errors (4 in 4 rows; Products 3, Email 1):
  not an allowed value (3):
testdata/users.csv:3: Products: "Course Demand Projections" is a name, not a product key; use "courseDemandProjections"
    fix: use "courseDemandProjections"
testdata/users.csv:6: Products: "curriculm" is not a product key; did you mean "curriculum"?
    fix: use "curriculum"
testdata/users.csv:18: Products: "Course Demand Projections" is a name, not a product key; use "courseDemandProjections"
    fix: use "courseDemandProjections"
  not a bare email address (1):
testdata/users.csv:4: Email: "Grace Hopper <grace.hopper@example.edu>" is not a bare address; use "grace.hopper@example.edu"
    fix: use "grace.hopper@example.edu"

Warnings (1; Secondary Departments 1):
  secondary department is the primary one (1):
testdata/users.csv:8: Secondary Departments: "Mathematics" is already the primary department
    fix: remove "Mathematics"

testdata/users.csv: 13 rows valid, 4 rows with errors; 4 errors, 1 warning
`
	if code != exitRowsFailed || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr\n%s\nwant\n%s", code, stdout, stderr, want)
	}
}

func TestValidateJSON(t *testing.T) {
	code, stdout, stderr := runOffline(t, "validate", "testdata/users.csv", "--json")
	if code != exitRowsFailed || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var r validateReport
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if dec.More() {
		t.Error("more than one JSON document")
	}
	if r.File != "testdata/users.csv" || r.Target != "coursedog" || r.Encoding != "UTF-8" || r.Delimiter != "," ||
		r.Rows != 17 || r.ValidRows != 13 || r.RowsWithErrors != 4 || r.Errors != 4 || r.Warnings != 1 || len(r.Messages) != 5 || r.Error != nil {
		t.Errorf("report %+v", r)
	}
	m := r.Messages[1]
	if m.Line != 4 || m.Column != "Email" || m.Fix == nil || m.Fix.Value != "grace.hopper@example.edu" ||
		!strings.Contains(stdout, `"severity":"error"`) || !strings.Contains(stdout, `<grace.hopper@example.edu>`) {
		t.Errorf("message %+v in\n%s", m, stdout)
	}
}

func TestValidateFiles(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string // lines stderr must hold
	}{
		{"Excel Unicode text", []string{"testdata/csvfile/unicode_text_utf16le.csv"}, exitOK,
			[]string{"testdata/csvfile/unicode_text_utf16le.csv: 3 rows for coursedog (UTF-16LE, tab-delimited)",
				"testdata/csvfile/unicode_text_utf16le.csv: 3 rows valid, 0 rows with errors; 0 errors, 0 warnings"}},
		{"semicolons with a BOM", []string{"testdata/csvfile/semicolon_bom_crlf.csv"}, exitOK,
			[]string{"testdata/csvfile/semicolon_bom_crlf.csv: 3 rows for coursedog (UTF-8 with BOM, semicolon-delimited)"}},
		{"Windows-1252", []string{"testdata/csvfile/windows1252.csv"}, exitOK,
			[]string{"Warnings (1; file 1):",
				"testdata/csvfile/windows1252.csv: the file is not UTF-8 (first on line 2); it was read as Windows-1252, so check accented letters"}},
		{"quoted cells over several lines", []string{"testdata/csvfile/quoted_multiline.csv"}, exitRowsFailed,
			[]string{"Errors (2 in 2 rows; Unique ID 1, row 1):",
				`testdata/csvfile/quoted_multiline.csv:4: Unique ID: "note on\ntwo lines" contains U+000A (LINE FEED), a control character`,
				"    fix: put a space for U+000A (LINE FEED)",
				"testdata/csvfile/quoted_multiline.csv:8: the row has 9 cells but the header has 8; a value may hold an unquoted comma",
				"testdata/csvfile/quoted_multiline.csv:6: blank line ignored",
				"testdata/csvfile/quoted_multiline.csv:7: the row has 4 cells but the header has 8; the missing cells are read as empty"}},
		{"mapping saved beside the file", []string{"testdata/csvfile/localized_headers.csv"}, exitOK,
			[]string{"using the column mapping in testdata/csvfile/localized_headers.csv.mapping",
				"testdata/csvfile/localized_headers.csv: 2 rows valid, 0 rows with errors; 0 errors, 0 warnings"}},
		{"a --map flag wins over the mapping file", []string{"testdata/csvfile/localized_headers.csv", "--map", "Abteilung=Secondary Departments"}, exitOK,
			[]string{"testdata/csvfile/localized_headers.csv: 2 rows valid, 0 rows with errors; 0 errors, 0 warnings"}},
		{"delimiter given wrong", []string{"testdata/csvfile/semicolon_bom_crlf.csv", "--delimiter", ","}, exitUsage,
			[]string{`usersync validate: testdata/csvfile/semicolon_bom_crlf.csv:1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "First Name;Last Name;Email;Products;Unique ID;Department;…" (one column holding semicolons: is the delimiter right?)`}},
		{"missing column", []string{"testdata/csvfile/missing_email_column.csv"}, exitUsage,
			[]string{`usersync validate: testdata/csvfile/missing_email_column.csv:1: missing required column "Email"; the header has "First Name", "Last Name", "Mail Address" and "Products"`,
				`if a column has another name, map it: --map "HEADER=Email"`}},
		{"missing column mapped", []string{"testdata/csvfile/missing_email_column.csv", "--map", "Mail Address=Email"}, exitOK, nil},
		{"header only", []string{"testdata/csvfile/header_only.csv"}, exitUsage,
			[]string{"usersync validate: testdata/csvfile/header_only.csv:1: the file has a header but no rows"}},
		{"workbook", []string{"testdata/csvfile/workbook_not_csv.csv"}, exitUsage,
			[]string{"usersync validate: testdata/csvfile/workbook_not_csv.csv: the workbook is damaged: it is not a readable zip archive (zip: not a valid zip file); open it in Excel and save it again"}},
		{"no such file", []string{"testdata/nope.csv"}, exitUsage,
			[]string{"usersync validate: testdata/nope.csv: cannot open the file: no such file or directory"}},
		{"no file", nil, exitUsage, []string{"usage: usersync validate FILE [--target T] [--json | --all] [--delimiter D] [--map \"Header=Field\"]... [--mapping FILE]"}},
		{"two files", []string{"a.csv", "b.csv"}, exitUsage, []string{"exit status: 0 no row errors, 1 some rows have errors, 2 the file cannot be read or a usage error"}},
		{"unknown target", []string{"testdata/users.csv", "--target", "nope"}, exitUsage, []string{`usersync validate: unknown target "nope" (known: `}},
		{"unknown delimiter", []string{"testdata/users.csv", "--delimiter", "x"}, exitUsage, []string{`usersync validate: unknown delimiter "x"`}},
		{"missing mapping file", []string{"testdata/users.csv", "--mapping", "testdata/nope.mapping"}, exitUsage,
			[]string{"usersync validate: load mapping: open testdata/nope.mapping: no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runOffline(t, append([]string{"validate"}, tt.args...)...)
			if code != tt.code || stdout != "" {
				t.Errorf("exit %d (want %d), stdout %q", code, tt.code, stdout)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

func TestValidateJSONFileError(t *testing.T) {
	code, stdout, stderr := runOffline(t, "validate", "--json", "testdata/csvfile/missing_email_column.csv")
	if code != exitUsage || stderr != "" {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
	var r validateReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Error == nil || r.Error.Line != 1 || r.Error.Missing[0] != "Email" || len(r.Error.Headers) != 4 || r.Rows != 0 || r.Messages == nil {
		t.Errorf("report %+v error %+v", r, r.Error)
	}
}

func TestValidateWithoutAMappingFileBeside(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/csvfile/localized_headers.csv")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "export.csv")
	os.WriteFile(path, data, 0o644)
	if code, _, stderr := runOffline(t, "validate", path); code != exitUsage || !strings.Contains(stderr, `missing required columns "First Name", "Last Name", "Email" and "Products"`) {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	mapping := filepath.Join(dir, "german.mapping")
	os.WriteFile(mapping, []byte("Vorname=First Name\nNachname=lastName\nE-Mail-Adresse=email\n"), 0o644)
	code, _, stderr := runOffline(t, "validate", path, "--mapping", mapping, "--map", "Produkte=Products")
	if code != exitOK || !strings.Contains(stderr, `"Abteilung" is not a coursedog column; it is kept but not imported`) {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

func TestTemplateCommand(t *testing.T) {
	for _, args := range [][]string{{"template"}, {"template", "--target", "coursedog"}} {
		code, stdout, stderr := runOffline(t, args...)
		if code != exitOK || stderr != "" ||
			stdout != "First Name,Last Name,Email,Products,Unique ID,Department,Secondary Departments,Role IDs,Default Product,Status\n" {
			t.Errorf("%v: exit %d stdout %q stderr %q", args, code, stdout, stderr)
		}
	}
	if code, _, stderr := runOffline(t, "template", "--target", "nope"); code != exitUsage || !strings.Contains(stderr, `unknown target "nope"`) {
		t.Errorf("unknown target: exit %d %q", code, stderr)
	}
	if code, _, _ := runOffline(t, "template", "extra"); code != exitUsage {
		t.Errorf("extra argument: exit %d", code)
	}
	// Every known target's template reads back as a file of that target.
	for name, ft := range fileTargets {
		var b bytes.Buffer
		if err := ft.writeTemplate(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join(t.TempDir(), "template.csv")
		os.WriteFile(path, b.Bytes(), 0o644)
		_, err := ft.openFile(path, ft.schema(), csvfile.Options{})
		if err == nil || !strings.Contains(err.Error(), "no rows") {
			t.Errorf("%s: template read back: %v", name, err)
		}
	}
}

// TestValidateGroupsByRule: a file with 50 rows that repeat their primary
// department and 3 bad emails prints each kind under its title, 20 of the
// 50, then how many more and how to see them; --all prints all 50 and
// --json lists every message.
func TestValidateGroupsByRule(t *testing.T) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Products,Department,Secondary Departments\n")
	for i := range 53 {
		email := fmt.Sprintf("user%d@example.edu", i)
		if i%20 == 7 {
			email = fmt.Sprintf("user%d@example", i)
		}
		fmt.Fprintf(&b, "Ada,Lovelace,%s,events,Mathematics,Mathematics\n", email)
	}
	path := filepath.Join(t.TempDir(), "many.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runOffline(t, "validate", path)
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if code != exitRowsFailed || stdout != "" {
		t.Fatalf("exit %d stdout %q", code, stdout)
	}
	want := []string{
		path + ": 53 rows for coursedog (UTF-8, comma-delimited)",
		"",
		"Errors (3 in 3 rows; Email 3):",
		"  not a bare email address (3):",
		path + `:9: Email: "user7@example" is not an email address: the domain "example" has no dot`,
		path + `:29: Email: "user27@example" is not an email address: the domain "example" has no dot`,
		path + `:49: Email: "user47@example" is not an email address: the domain "example" has no dot`,
		"",
		"Warnings (53; Secondary Departments 53):",
		"  secondary department is the primary one (53):",
	}
	if !slices.Equal(lines[:len(want)], want) {
		t.Fatalf("got\n%s", stderr)
	}
	rest := lines[len(want):]
	for i := range 20 {
		if w := fmt.Sprintf(`%s:%d: Secondary Departments: "Mathematics" is already the primary department`, path, i+2); rest[2*i] != w {
			t.Fatalf("line %q, want %q in\n%s", rest[2*i], w, stderr)
		}
	}
	if got := rest[40:]; !slices.Equal(got, []string{
		"  … and 33 more like this; see them all with --all, or --json for scripts",
		"",
		path + ": 50 rows valid, 3 rows with errors; 3 errors, 53 warnings"}) {
		t.Errorf("end\n%s", strings.Join(got, "\n"))
	}

	_, _, all := runOffline(t, "validate", "--all", path)
	if n := strings.Count(all, "is already the primary department"); n != 53 || strings.Contains(all, "more like this") {
		t.Errorf("--all lists %d of 53:\n%s", n, all)
	}
	_, js, _ := runOffline(t, "validate", "--json", path)
	var r validateReport
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Messages) != 56 || r.Warnings != 53 || r.Errors != 3 || r.Messages[0].Rule == "" {
		t.Errorf("--json: %d messages, %d warnings, %d errors", len(r.Messages), r.Warnings, r.Errors)
	}
}

// TestValidateManyUnknownColumns: 100,000 unknown columns and 100,000
// unnamed ones are two messages, not 200,000.
func TestValidateManyUnknownColumns(t *testing.T) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Products")
	for i := range 100_000 {
		fmt.Fprintf(&b, ",Extra %d,", i)
	}
	b.WriteString("\nAda,Lovelace,ada@example.edu,events\n")
	path := filepath.Join(t.TempDir(), "wide.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runOffline(t, "validate", path)
	if code != exitOK || strings.Count(stderr, "\n") > 12 ||
		!strings.Contains(stderr, path+`:1: "Extra 0", "Extra 1", "Extra 2", "Extra 3", "Extra 4" and 99,995 more are not coursedog columns; they are kept but not imported`) ||
		!strings.Contains(stderr, path+": columns 6, 8, 10, 12, 14, 16, 18, 20, 22, 24 and 99,990 more have no header; their cells are kept but not imported") ||
		!strings.Contains(stderr, "0 errors, 3 warnings") {
		t.Errorf("exit %d\n%.2000s", code, stderr)
	}
}

// TestScannedJSONMatchesFromRecords: the ccai JSON template validated as
// its records come (csvfile.ScanRecords, as validate, plan and apply read
// it) gets the messages and counts it gets in memory (FromRecords and
// Validate, as the guided import reads it).
func TestScannedJSONMatchesFromRecords(t *testing.T) {
	files, _ := filepath.Glob("testdata/ccai/*")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json") // a duplicate, a bad email, an unknown field
	os.WriteFile(bad, []byte(`[{"email":"a@x.edu","first_name":"A","last_name":"B","color":"red"},
{"email":"A@X.edu","first_name":"C","last_name":"D"},{"email":"nope","first_name":"E","last_name":"F"}]`), 0o644)
	files = append(files, bad)
	for _, path := range files {
		schema := fileTargets["ccai"].schema()
		f, ferr := openUserFile("ccai", path, schema, csvfile.Options{})
		var got []string
		sum, serr := scanUserFile("ccai", path, fileTargets["ccai"].schema(), csvfile.Options{}, csvfile.ScanHandler{
			Message: func(m csvfile.Message) error {
				b, _ := json.Marshal(m)
				got = append(got, string(b))
				return nil
			}})
		if ferr != nil || serr != nil {
			if ferr == nil || serr == nil || ferr.Error() != serr.Error() {
				t.Errorf("%s: open %v, scan %v", path, ferr, serr)
			}
			continue
		}
		v := csvfile.Validate(f)
		var want []string
		for _, m := range v.Messages() {
			b, _ := json.Marshal(m)
			want = append(want, string(b))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) || sum.Rows != f.Len() || sum.Errors != v.Errors() || sum.Warnings != v.Warnings() ||
			sum.RowsWithErrors != v.RowsWithErrors() || sum.Delimiter != f.Delimiter() {
			t.Errorf("%s: scanned %+v\n%s\nin memory %d rows %d errors %d warnings\n%s", path, sum,
				strings.Join(got, "\n"), f.Len(), v.Errors(), v.Warnings(), strings.Join(want, "\n"))
		}
	}
}
