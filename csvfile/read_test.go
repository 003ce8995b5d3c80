package csvfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

func readString(t *testing.T, in string, opts Options) *File {
	t.Helper()
	f, err := Read(strings.NewReader(in), "users.csv", testSchema(nil, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestBadFiles(t *testing.T) {
	long := strings.Repeat("x", MaxCell+1)
	tests := []struct {
		name string
		in   string
		opts Options
		want string
	}{
		{"empty", "", Options{}, "users.csv: the file is empty"},
		{"byte order mark only", "\uFEFF", Options{}, "users.csv: the file is empty"},
		{"UTF-16 byte order mark only", "\xFF\xFE", Options{}, "users.csv: the file is empty"},
		{"only blank lines", "\n \r\n\t\n", Options{}, "users.csv: the file has only blank lines"},
		{"only empty rows", ",,,\n,,\n", Options{}, "users.csv: the file has only blank lines"},
		{"header only", testHeader, Options{}, "users.csv:1: the file has a header but no rows"},
		{"header and blank lines", "\n" + testHeader + "\n,,,,,,,\n\n", Options{}, "users.csv:2: the file has a header but no rows"},
		{"binary", testHeader + "Ada,Lovelace\x00\x01\x02", Options{}, "users.csv:2: binary data (a NUL byte): this is not a CSV text file"},
		{"workbook", "PK\x03\x04\x14\x00\x06\x00", Options{}, "users.csv: this is an Excel workbook or a zip archive, not a CSV file; a workbook is read from its file, not from standard input or a pipe: give its name (usersync validate users.xlsx)"},
		{"old workbook", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", Options{}, "users.csv: this is an Excel 97-2003 workbook (or another Office document), not a CSV file; in Excel use Save As and choose CSV UTF-8"},
		{"PDF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", Options{}, "users.csv: this is a PDF document, not a CSV file"},
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Options{}, "users.csv: this is a PNG image, not a CSV file"},
		{"JPEG", "\xFF\xD8\xFF\xE0\x00\x10JFIF", Options{}, "users.csv: this is a JPEG image, not a CSV file"},
		{"cell over 1 MiB", testHeader + "Ada,Lovelace,ada@example.edu,events\nBob,Smith," + long + ",events\n", Options{},
			"users.csv:3:3: a cell is longer than 1 MiB; this does not look like a user file"},
		{"quoted cell over 1 MiB", testHeader + `Ada,"` + long + `",ada@example.edu,events` + "\n", Options{},
			"users.csv:2:2: a cell is longer than 1 MiB; this does not look like a user file"},
		{"last cell over 1 MiB", testHeader + "Ada,Lovelace,ada@example.edu,events,,,," + long, Options{},
			"users.csv:2:8: a cell is longer than 1 MiB; this does not look like a user file"},
		{"quote never closed", testHeader + "Ada,Lovelace,ada@example.edu,events\nBob,\"Smith,bob@example.edu,events\n", Options{},
			"users.csv:3:2: a quoted cell starts here and is never closed"},
		{"missing column", "First Name,Last Name,Mail Addr,Products\nAda,Lovelace,ada@example.edu,events\n", Options{},
			`users.csv:1: missing required column "Email"; the header has "First Name", "Last Name", "Mail Addr" and "Products"`},
		{"missing columns", "Name,Mail\nAda,ada@example.edu\n", Options{},
			`users.csv:1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "Name" and "Mail"`},
		{"delimiter given wrong", "First Name;Last Name;Email;Products\nAda;Lovelace;ada@example.edu;events\n", Options{Delimiter: '\t'},
			`users.csv:1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "First Name;Last Name;Email;Products" (one column holding semicolons: is the delimiter right?)`},
		{"pipes read with the sniffed delimiter", "First Name|Last Name|Email|Products\nAda|Lovelace|ada@example.edu|events\n", Options{},
			`users.csv:1: missing required columns "First Name", "Last Name", "Email" and "Products"; the header has "First Name|Last Name|Email|Products" (one column holding pipes: is the delimiter right?)`},
		{"two columns mean one field", "First Name,Last Name,Email,E-mail,Products\nAda,Lovelace,a@example.edu,b@example.edu,events\n", Options{},
			`users.csv:1:4: columns 3 ("Email") and 4 ("E-mail") both mean "Email"; map one of them to something else`},
		{"same header twice", "First Name,Last Name,Email,Products,Notes,notes\nAda,Lovelace,a@example.edu,events,x,y\n", Options{},
			`users.csv:1:6: columns 5 ("Notes") and 6 ("notes") have the same header`},
		{"mapping to no column", testHeader + "Ada,Lovelace,ada@example.edu,events\n", Options{Mapping: map[string]string{"Given": "Frist Name"}},
			`users.csv:1: mapping "Given=Frist Name": demo has no column "Frist Name" (its columns: First Name, Last Name, Email, Products, Unique ID, Department, Secondary Departments, Role IDs)`},
		{"bad delimiter", testHeader + "Ada,Lovelace,ada@example.edu,events\n", Options{Delimiter: '"'},
			`users.csv: the delimiter must be one ASCII character other than a quote, a space or a line break; got '"'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(strings.NewReader(tt.in), "users.csv", testSchema(nil, nil), tt.opts)
			if err == nil {
				t.Fatalf("read %d rows, want an error", f.Len())
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("%T %v, want a *FileError", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestMissingColumnsNamedForTheUI(t *testing.T) {
	_, err := Read(strings.NewReader("Given,Surname,Mail\nAda,Lovelace,ada@example.edu\n"), "u.csv", testSchema(nil, nil), Options{})
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fe.Missing, []string{"First Name", "Email", "Products"}) || !reflect.DeepEqual(fe.Headers, []string{"Given", "Surname", "Mail"}) {
		t.Errorf("missing %q, headers %q", fe.Missing, fe.Headers)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "nope.csv"), testSchema(nil, nil), Options{})
	if want := filepath.Join(dir, "nope.csv") + ": cannot open the file: no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%v is not fs.ErrNotExist", err)
	}
	if _, err := Open(dir, testSchema(nil, nil), Options{}); err == nil || err.Error() != dir+": this is a folder, not a file" {
		t.Errorf("folder: %v", err)
	}
}

func utf16(t *testing.T, s string, order unicode.Endianness) string {
	t.Helper()
	out, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEncodingsAndDialects reads the same two users written the ways
// spreadsheets write them.
func TestEncodingsAndDialects(t *testing.T) {
	plain := testHeader + "Renée,Dupont,renee@example.edu,events\nZoë,Ng,zoe@example.edu,catalog\n"
	crlf := strings.ReplaceAll(plain, "\n", "\r\n")
	tests := []struct {
		name     string
		in       string
		opts     Options
		encoding string
		delim    rune
		warnings []string
	}{
		{"UTF-8", plain, Options{}, "UTF-8", ',', nil},
		{"UTF-8 with BOM and CRLF", "\uFEFF" + crlf, Options{}, "UTF-8 with BOM", ',', nil},
		{"UTF-16LE with BOM", utf16(t, strings.ReplaceAll(crlf, ",", "\t"), unicode.LittleEndian), Options{}, "UTF-16LE", '\t', nil},
		{"UTF-16BE with BOM", utf16(t, crlf, unicode.BigEndian), Options{}, "UTF-16BE", ',', nil},
		{"UTF-16LE without BOM", utf16(t, plain, unicode.LittleEndian)[2:], Options{}, "UTF-16LE", ',', nil},
		{"Windows-1252", strings.NewReplacer("é", "\xe9", "ë", "\xeb").Replace(crlf), Options{}, "Windows-1252", ',',
			[]string{"the file is not UTF-8 (first on line 2); it was read as Windows-1252, so check accented letters"}},
		{"UTF-8 with a row in Windows-1252", strings.Replace(plain, "ë", "\xeb", 1), Options{}, "UTF-8", ',',
			[]string{"the file is UTF-8 but has bytes that are not (first on line 3); they were read as Windows-1252, so check accented letters"}},
		{"UTF-8 with BOM and a row in Windows-1252", "\uFEFF" + strings.Replace(crlf, "ë", "\xeb", 1), Options{}, "UTF-8 with BOM", ',',
			[]string{"the file says it is UTF-8 but has bytes that are not (first on line 3); they were read as Windows-1252, so check accented letters"}},
		{"semicolons", strings.ReplaceAll(plain, ",", ";"), Options{}, "UTF-8", ';', nil},
		{"tabs", strings.ReplaceAll(plain, ",", "\t"), Options{}, "UTF-8", '\t', nil},
		{"Excel's sep= line", "sep=;\r\n" + strings.ReplaceAll(crlf, ",", ";"), Options{}, "UTF-8", ';', nil},
		{"delimiter given", strings.ReplaceAll(plain, ",", "|"), Options{Delimiter: '|'}, "UTF-8", '|', nil},
		{"classic Mac line ends", strings.ReplaceAll(plain, "\n", "\r"), Options{}, "UTF-8", ',', nil},
		{"no final line end", strings.TrimSuffix(crlf, "\r\n"), Options{}, "UTF-8", ',', nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := readString(t, tt.in, tt.opts)
			if f.Encoding() != tt.encoding || f.Delimiter() != tt.delim {
				t.Errorf("encoding %q delimiter %q, want %q %q", f.Encoding(), f.Delimiter(), tt.encoding, tt.delim)
			}
			var warnings []string
			for _, w := range f.Warnings() {
				warnings = append(warnings, w.Text)
			}
			if !reflect.DeepEqual(warnings, tt.warnings) {
				t.Errorf("warnings %q, want %q", warnings, tt.warnings)
			}
			if f.Len() != 2 {
				t.Fatalf("%d rows", f.Len())
			}
			got := []string{f.Value(0, "firstName"), f.Value(0, "email"), f.Value(1, "firstName"), f.Value(1, "products")}
			want := []string{"Renée", "renee@example.edu", "Zoë", "catalog"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("values %q, want %q", got, want)
			}
			line := 2
			if strings.HasPrefix(tt.in, "sep=") {
				line = 3
			}
			if f.Line(0) != line || f.Line(1) != line+1 {
				t.Errorf("lines %d %d", f.Line(0), f.Line(1))
			}
		})
	}
}

// TestMacLineEndsWithALineFeedInACell: Excel for Mac ends lines with a CR
// but keeps a line typed with Alt+Enter as a line feed inside the cell;
// the file is still read line by line, and saved with CRs again.
func TestMacLineEndsWithALineFeedInACell(t *testing.T) {
	in := strings.ReplaceAll(testHeader+"Ada,Lovelace,ada@example.edu,events,\"U\v1\",,,\nBob,Smith,bob@example,events,,,,\n", "\n", "\r")
	in = strings.ReplaceAll(in, "\v", "\n")
	path := writeFile(t, t.TempDir(), "mac.csv", in)
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != 2 || f.Value(0, "externalId") != "U\n1" || f.Line(1) != 4 {
		t.Fatalf("%d rows, unique ID %q, second row on line %d", f.Len(), f.Value(0, "externalId"), f.Line(1))
	}
	v := Validate(f)
	if got := texts(v.Messages()); !reflect.DeepEqual(got, []string{
		`"U\n1" contains U+000A (LINE FEED), a control character`, // a line break is no part of an ID
		`"bob@example" is not an email address: the domain "example" has no dot`}) || v.Messages()[1].Line != 4 {
		t.Errorf("messages %+v", v.Messages())
	}
	ed := NewEditor(f, v)
	if err := ed.Set(1, "email", "bob@example.edu"); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Save(); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, "bob@example,", "bob@example.edu,", 1)
	if data, _ := os.ReadFile(path); string(data) != want {
		t.Errorf("saved\n%q\nwant\n%q", data, want)
	}
}

func TestQuotedCells(t *testing.T) {
	in := testHeader +
		"\"Ada\",\"Love,lace\",ada@example.edu,\"events, catalog\",\"line one\nline two\r\nline three\",,,\n" +
		"Bob,\"Smith \"\"Jr\"\"\",bob@example.edu,events,,,,\n" +
		"Cy,O\"Brien,cy@example.edu,events,,,,\n" +
		"Di,  \"Spaced\"  ,di@example.edu,events,,,,\n" +
		"Ed,\"Stray\"tail,ed@example.edu,events,,,,\n"
	f := readString(t, in, Options{})
	tests := []struct {
		row        int
		line       int
		key, value string
	}{
		{0, 2, "lastName", "Love,lace"},
		{0, 2, "externalId", "line one\nline two\r\nline three"},
		{1, 5, "lastName", `Smith "Jr"`},
		{2, 6, "lastName", `O"Brien`},
		{3, 7, "lastName", "Spaced"},
		{4, 8, "lastName", "Straytail"},
	}
	for _, tt := range tests {
		if got := f.Value(tt.row, tt.key); got != tt.value || f.Line(tt.row) != tt.line {
			t.Errorf("row %d %s = %q on line %d, want %q on line %d", tt.row, tt.key, got, f.Line(tt.row), tt.value, tt.line)
		}
	}
	if got := f.List(0, "products"); !reflect.DeepEqual(got, []string{"events", "catalog"}) {
		t.Errorf("list %q", got)
	}
	v := Validate(f)
	want := []Message{
		{Severity: Error, Line: 2, Column: "Unique ID", Text: `"line one\nline two\r\nline three" contains U+000A (LINE FEED) and 2 more control or bidi characters`,
			Fix: &Fix{Column: "Unique ID", Value: "line one line two line three", Label: "remove them"}, Rule: RuleChars},
		{Severity: Warning, Line: 8, Column: "Last Name", Text: `text after the closing quote; read as "Straytail"`, Rule: RuleAfterQuote}}
	if got := v.Messages(); !reflect.DeepEqual(got, want) {
		t.Errorf("messages\n got %+v\nwant %+v", got, want)
	}
}

// TestRowsAndColumnsThatDoNotFit: ragged rows, blank lines, unknown and
// unnamed columns are reported and kept, never dropped in silence.
func TestRowsAndColumnsThatDoNotFit(t *testing.T) {
	in := "\n" +
		"First Name,Last Name,Email,Products,Notes,,\n" +
		"Ada,Lovelace,ada@example.edu,events,likes maths,,\n" +
		"\n" +
		"Bob,Smith,bob@example.edu\n" +
		",,,,,,\n" +
		"Cy,Ng,cy@example.edu,events,,,,,\n" +
		"Di,Ng,di@example.edu,events,x,,,Jr.,\n" +
		" Ed ,Ng,ed@example.edu,events,,,\n" +
		"\n\n"
	f := readString(t, in, Options{})
	if f.Len() != 5 {
		t.Fatalf("%d rows", f.Len())
	}
	if got := f.Cells(0); !reflect.DeepEqual(got, []string{"Ada", "Lovelace", "ada@example.edu", "events", "likes maths", "", ""}) {
		t.Errorf("cells %q", got)
	}
	if !reflect.DeepEqual(f.Header(), []string{"First Name", "Last Name", "Email", "Products", "Notes", "", ""}) {
		t.Errorf("header %q", f.Header())
	}
	if f.Has("externalId") || !f.Has("email") || f.Value(0, "externalId") != "" {
		t.Errorf("Has/Value of an absent column")
	}
	want := []Message{
		{Severity: Warning, Line: 0, Text: "columns 6 and 7 have no header; their cells are kept but not imported", Rule: RuleUnnamedColumns},
		{Severity: Warning, Line: 1, Text: "blank line ignored", Rule: RuleBlankLine},
		{Severity: Warning, Line: 2, Column: "Notes", Text: `"Notes" is not a demo column; it is kept but not imported`, Rule: RuleUnknownColumns},
		{Severity: Warning, Line: 4, Text: "blank line ignored", Rule: RuleBlankLine},
		{Severity: Warning, Line: 5, Text: "the row has 3 cells but the header has 7; the missing cells are read as empty", Rule: RuleRagged},
		{Severity: Error, Line: 5, Column: "Products", Text: "required, but the cell is empty", Rule: RuleRequired},
		{Severity: Warning, Line: 6, Text: "empty row ignored", Rule: RuleEmptyRow},
		{Severity: Warning, Line: 7, Text: "the row has 9 cells but the header has 7; the extra cells are empty and ignored", Rule: RuleRagged},
		{Severity: Error, Line: 8, Text: "the row has 9 cells but the header has 7; a value may hold an unquoted comma", Rule: RuleRagged},
		{Severity: Warning, Line: 9, Column: "First Name", Text: "spaces before or after the value are ignored", Rule: RuleSpaces,
			Fix: &Fix{Column: "First Name", Value: "Ed", Label: "remove the spaces"}},
	}
	v := Validate(f)
	if got := v.Messages(); !reflect.DeepEqual(got, want) {
		t.Errorf("messages\n got %+v\nwant %+v", got, want)
	}
	if v.Errors() != 2 || v.Warnings() != 8 || v.RowsWithErrors() != 2 || !reflect.DeepEqual(v.Problems(), []int{1, 2, 3, 4}) {
		t.Errorf("errors %d warnings %d bad rows %d problems %v", v.Errors(), v.Warnings(), v.RowsWithErrors(), v.Problems())
	}
}

func TestColumnsWithoutHeader(t *testing.T) {
	for _, tt := range []struct{ header, want string }{
		{"First Name,Last Name,,Email,Products", "column 3 has no header; its cells are kept but not imported"},
		{"First Name,Last Name,,Email,Products,,", "columns 3, 6 and 7 have no header; their cells are kept but not imported"},
		// Excel's used range: hundreds of empty columns.
		{"First Name,,Last Name,Email,Products" + strings.Repeat(",", 300), "columns 2 and 6 to 305 have no header; their cells are kept but not imported"},
	} {
		f := readString(t, tt.header+"\nAda,,Lovelace,ada@example.edu,events\n", Options{})
		if got := texts(f.Warnings()); !reflect.DeepEqual(got, []string{tt.want}) {
			t.Errorf("%.40s: warnings %q", tt.header, got)
		}
	}
}

func TestHeaderMatchingAndMapping(t *testing.T) {
	in := "given name,SURNAME,e_mail,Products,Dept,Personal Mail\nAda,Lovelace,ada@example.edu,events,Maths,ada@home.example\n"
	tests := []struct {
		name     string
		mapping  map[string]string
		email    string
		dept     string
		warnings []string
	}{
		{"loose names and aliases", nil, "ada@example.edu", "", []string{
			`"Dept" and "Personal Mail" are not demo columns; they are kept but not imported`}},
		{"mapping by header and by key", map[string]string{"dept": "Department", "Personal Mail": "", "Given": "firstName"}, "ada@example.edu", "Maths",
			[]string{`mapping "Given=firstName" was not used: the file has no column "Given"`}},
		{"mapping overrides the match", map[string]string{"e_mail": "", "personal_mail": "email"}, "ada@home.example", "", []string{
			`"Dept" is not a demo column; it is kept but not imported`}},
		{"mapping spelled loosely", map[string]string{"E-mail": "", "Personal Mail": "Email"}, "ada@home.example", "", []string{
			`"Dept" is not a demo column; it is kept but not imported`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := readString(t, in, Options{Mapping: tt.mapping})
			if f.Value(0, "firstName") != "Ada" || f.Value(0, "lastName") != "Lovelace" ||
				f.Value(0, "email") != tt.email || f.Value(0, "department") != tt.dept {
				t.Errorf("values %q %q %q %q", f.Value(0, "firstName"), f.Value(0, "lastName"), f.Value(0, "email"), f.Value(0, "department"))
			}
			var warnings []string
			for _, w := range f.Warnings() {
				warnings = append(warnings, w.Text)
			}
			if !reflect.DeepEqual(warnings, tt.warnings) {
				t.Errorf("warnings\n got %q\nwant %q", warnings, tt.warnings)
			}
		})
	}
	if f := readString(t, in, Options{}); f.Column("email") != "e_mail" || f.Column("roles") != "" {
		t.Errorf("Column: %q %q", f.Column("email"), f.Column("roles"))
	}
}

// TestMappingPicksOneOfTwoLikeColumns: "Email" and "E-mail" both mean
// Email, and the message says to map one of them to something else; a
// mapping spelled as one of them must then leave the other alone.
func TestMappingPicksOneOfTwoLikeColumns(t *testing.T) {
	in := "First Name,Last Name,Email,Products,E-mail\nAda,Lovelace,ada@example.edu,events,ada@home.example\n"
	_, err := Read(strings.NewReader(in), "u.csv", testSchema(nil, nil), Options{})
	if want := `u.csv:1:5: columns 3 ("Email") and 5 ("E-mail") both mean "Email"; map one of them to something else`; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	for mapping, email := range map[string]string{"E-mail": "ada@example.edu", "Email": "ada@home.example"} {
		f := readString(t, in, Options{Mapping: map[string]string{mapping: ""}})
		if f.Value(0, "email") != email || len(f.Warnings()) != 0 {
			t.Errorf("mapping %q=: email %q, warnings %v", mapping, f.Value(0, "email"), f.Warnings())
		}
	}
}

func TestMatchHeader(t *testing.T) {
	s := testSchema(nil, nil)
	for header, key := range map[string]string{
		"First Name": "firstName", "first_name": "firstName", "firstName": "firstName", "FIRST-NAME": "firstName",
		"Given Name": "firstName", " Email Address ": "email", "E-Mail": "email", "Role ID": "roles", "roles": "roles",
		"SIS ID": "externalId", "Primary Department": "department", "Email*": "email",
	} {
		if f := MatchHeader(s, header); f == nil || f.Key != key {
			t.Errorf("MatchHeader(%q) = %v, want %s", header, f, key)
		}
	}
	for _, header := range []string{"", "  ", "Name", "Mail Addr", "Notes"} {
		if f := MatchHeader(s, header); f != nil {
			t.Errorf("MatchHeader(%q) = %s, want none", header, f.Key)
		}
	}
}

func TestMappingFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mapping.txt")
	m := map[string]string{"Given": "First Name", "Mail": "Email", "Notes": "", "Vorname = Rufname": "firstName"}
	if err := SaveMapping(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := LoadMapping(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip %q, want %q", got, m)
	}
	data, _ := os.ReadFile(path)
	want := "# usersync column mapping: file header = target column\nGiven=First Name\nMail=Email\nNotes=\nVorname = Rufname=firstName\n"
	if string(data) != want {
		t.Errorf("file\n%s\nwant\n%s", data, want)
	}
	os.WriteFile(path, []byte("# mine\n\nGiven = First Name\nno equals sign\n"), 0o644)
	if _, err := LoadMapping(path); err == nil || err.Error() != path+`:4: mapping "no equals sign": want FILE HEADER=COLUMN` {
		t.Errorf("bad line: %v", err)
	}
	if err := SaveMapping(path, map[string]string{"a": "b=c"}); err == nil {
		t.Error("saved a column name with '='")
	}
	for arg, want := range map[string][2]string{"Given=First Name": {"Given", "First Name"}, " a = b ": {"a", "b"}, "x=y=z": {"x=y", "z"}, "Notes=": {"Notes", ""}} {
		from, to, err := ParseMapping(arg)
		if err != nil || from != want[0] || to != want[1] {
			t.Errorf("ParseMapping(%q) = %q %q %v", arg, from, to, err)
		}
	}
	for _, arg := range []string{"Given", "=First Name"} {
		if _, _, err := ParseMapping(arg); err == nil {
			t.Errorf("ParseMapping(%q) accepted", arg)
		}
	}
}

// TestSharesReadLikeOne reads files split into many shares (so splits fall
// inside quoted cells that span lines, on blank lines, in ragged rows) and
// compares everything with reading them in one piece.
func TestSharesReadLikeOne(t *testing.T) {
	inputs := []string{
		testHeader + "Ada,\"Love\nlace\",ada@example.edu,\"events,\n\ncatalog\",,,,\n\nBob,\"Sm\"\"ith\",b@example.edu,events,,,,\n,,,\nCy,\"x\"y,c@example.edu\nDi,D,d@example.edu,events,,,,,extra\n\n\n",
		testHeader + strings.Repeat("Ada,\"multi\nline\nnote\",ada@example.edu,events,,,,\n", 40) + "Zed,\"never closed,z@example.edu\n",
		testHeader + strings.Repeat("Ada,\"\"\"q\"\"\",ada@example.edu,events,,,,\r\n\r\n", 30),
		"sep=;\n" + strings.ReplaceAll(testHeader, ",", ";") + strings.Repeat("A;B;a@b.edu;events\n\"x\n\";y;z@w.edu;events\n", 25),
	}
	for n, in := range inputs {
		one, err1 := Read(strings.NewReader(in), "u.csv", testSchema(nil, nil), Options{workers: 1})
		for _, workers := range []int{2, 3, 7, 16, 64} {
			many, err2 := Read(strings.NewReader(in), "u.csv", testSchema(nil, nil), Options{workers: workers})
			if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
				t.Fatalf("input %d, %d shares: error %v, in one piece %v", n, workers, err2, err1)
			}
			if err1 != nil {
				continue
			}
			if many.Len() != one.Len() || !reflect.DeepEqual(many.Warnings(), one.Warnings()) {
				t.Fatalf("input %d, %d shares: %d rows %v, in one piece %d rows %v", n, workers, many.Len(), many.Warnings(), one.Len(), one.Warnings())
			}
			for i := range one.Len() {
				if !reflect.DeepEqual(many.Cells(i), one.Cells(i)) || many.Line(i) != one.Line(i) {
					t.Fatalf("input %d, %d shares, row %d: %q on line %d, in one piece %q on line %d",
						n, workers, i, many.Cells(i), many.Line(i), one.Cells(i), one.Line(i))
				}
			}
			if !reflect.DeepEqual(Validate(many).Messages(), Validate(one).Messages()) {
				t.Fatalf("input %d, %d shares: messages differ", n, workers)
			}
		}
	}
}

// TestLargeFileReadsInParts opens a file big enough to be read and split on
// several goroutines and compares it with reading it in one piece.
func TestLargeFileReadsInParts(t *testing.T) {
	var b strings.Builder
	b.WriteString(testHeader)
	for i := 0; b.Len() < parallelMin+1<<20; i++ {
		fmt.Fprintf(&b, "Ada,\"Love\nlace %d\",ada%d@example.edu,\"events, catalog\",,,,\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	one := readString(t, b.String(), Options{workers: 1})
	if f.Len() != one.Len() || f.Len() < 50000 {
		t.Fatalf("%d rows, %d in one piece", f.Len(), one.Len())
	}
	for _, i := range []int{0, 1, f.Len() / 2, f.Len() - 1} {
		if !reflect.DeepEqual(f.Cells(i), one.Cells(i)) || f.Line(i) != one.Line(i) || f.Line(i) != 2+2*i {
			t.Errorf("row %d: %q line %d, in one piece %q line %d", i, f.Cells(i), f.Line(i), one.Cells(i), one.Line(i))
		}
	}
}
