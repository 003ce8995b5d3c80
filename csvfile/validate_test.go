package csvfile

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// msg is a message without its line, for tables.
type msg struct {
	sev    Severity
	column string
	text   string
	fix    string // the fixed cell, "" for none
}

func rowMessages(ms []Message) []msg {
	var out []msg
	for _, m := range ms {
		fix := ""
		if m.Fix != nil {
			fix = m.Fix.Value
		}
		out = append(out, msg{m.Severity, m.Column, m.Text, fix})
	}
	return out
}

// TestRules asserts the exact message of every generic rule, one row each.
func TestRules(t *testing.T) {
	tests := []struct {
		name string
		row  string
		want []msg
	}{
		{"valid", `Ada,Lovelace,ada@example.edu,"events, catalog",S1,Mathematics,Physics,r-3`, nil},
		{"ID shortened by a spreadsheet", `Ada,Lovelace,ada@example.edu,events,1.23457E+11`, []msg{{Warning, "Unique ID",
			`"1.23457E+11" looks like a long number a spreadsheet shortened, and its other digits are lost; format the column as text in the spreadsheet and export again`, ""}}},
		{"IDs that only look like numbers", `Ada,Lovelace,ada@example.edu,events,100234567890`, nil},
		{"an ID with an E", `Ada,Lovelace,ada@example.edu,events,12E5`, nil},
		{"required", `,Lovelace,ada@example.edu,events`, []msg{{Error, "First Name", "required, but the cell is empty", ""}}},
		{"blank is empty", `Ada,   ,ada@example.edu,events`, []msg{{Error, "Last Name", "required, but the cell is empty", ""}}},
		{"spaces around", "Ada,Lovelace , ada@example.edu,events", []msg{
			{Warning, "Last Name", "spaces before or after the value are ignored", "Lovelace"},
			{Warning, "Email", "spaces before or after the value are ignored", "ada@example.edu"}}},
		{"no @", `Ada,Lovelace,ada.example.edu,events`, []msg{{Error, "Email", `"ada.example.edu" is not an email address: it has no "@"`, ""}}},
		{"two @", `Ada,Lovelace,ada@@example.edu,events`, []msg{{Error, "Email", `"ada@@example.edu" is not an email address: it has more than one "@"`, ""}}},
		{"nothing before @", `Ada,Lovelace,@example.edu,events`, []msg{{Error, "Email", `"@example.edu" is not an email address: nothing comes before the "@"`, ""}}},
		{"nothing after @", `Ada,Lovelace,ada@,events`, []msg{{Error, "Email", `"ada@" is not an email address: nothing comes after the "@"`, ""}}},
		{"no dot in domain", `Ada,Lovelace,ada@example,events`, []msg{{Error, "Email", `"ada@example" is not an email address: the domain "example" has no dot`, ""}}},
		{"empty domain part", `Ada,Lovelace,ada@example..edu,events`, []msg{{Error, "Email", `"ada@example..edu" is not an email address: the domain "example..edu" has an empty part`, "ada@example.edu"}}},
		{"trailing dot", `Ada,Lovelace,ada@example.edu.,events`, []msg{{Error, "Email", `"ada@example.edu." is not an email address: the domain "example.edu." has an empty part`, "ada@example.edu"}}},
		{"dash at a domain part's edge", `Ada,Lovelace,ada@-example.edu,events`, []msg{{Error, "Email", `"ada@-example.edu" is not an email address: a part of the domain "-example.edu" starts or ends with "-"`, ""}}},
		{"dots in the local part", `Ada,Lovelace,ada..l@example.edu,events`, []msg{{Error, "Email", `"ada..l@example.edu" is not an email address: the part before "@" starts or ends with a dot or has two dots in a row`, "ada.l@example.edu"}}},
		{"long local part", `Ada,Lovelace,` + strings.Repeat("a", 65) + `@example.edu,events`, []msg{{Error, "Email", `"` + strings.Repeat("a", 57) + `…" is not an email address: the part before "@" is longer than 64 characters`, ""}}},
		{"space inside", `Ada,Lovelace,ada lovelace@example.edu,events`, []msg{{Error, "Email", `"ada lovelace@example.edu" is not an email address: it contains a space`, "adalovelace@example.edu"}}},
		{"comma for a dot", `Ada,Lovelace,"ada@example,edu",events`, []msg{{Error, "Email", `"ada@example,edu" is not an email address: it contains ","`, "ada@example.edu"}}},
		{"bad character", `Ada,Lovelace,ada(l)@example.edu,events`, []msg{{Error, "Email", `"ada(l)@example.edu" is not an email address: it contains "("`, ""}}},
		{"underscore in the domain", `Ada,Lovelace,ada@ex_ample.edu,events`, []msg{{Error, "Email", `"ada@ex_ample.edu" is not an email address: it contains "_"`, ""}}},
		{"display name", `Ada,Lovelace,Ada Lovelace <ada@example.edu>,events`, []msg{{Error, "Email", `"Ada Lovelace <ada@example.edu>" is not a bare address; use "ada@example.edu"`, "ada@example.edu"}}},
		{"two addresses", `Ada,Lovelace,"ada@example.edu; ada@home.example",events`, []msg{{Error, "Email", `"ada@example.edu; ada@home.example" holds 2 addresses; a row is one user: keep one here and give the others rows of their own`, ""}}},
		{"mailto", `Ada,Lovelace,mailto:ada@example.edu,events`, []msg{{Error, "Email", `"mailto:ada@example.edu" is not a bare address; use "ada@example.edu"`, "ada@example.edu"}}},
		{"international address", `Ada,Lovelace,adá@exämple.edu,events`, nil},
		{"no-break space inside", "Ada,Lovelace,ada\u00a0lovelace@example.edu,events", []msg{{Error, "Email", "\"ada\u00a0lovelace@example.edu\" is not an email address: it contains a space", "adalovelace@example.edu"}}},
		{"zero-width space", "Ada,Lovelace,ada\u200b@example.edu,events", []msg{{Error, "Email", `"ada\u200b@example.edu" is not an email address: it contains U+200B (ZERO WIDTH SPACE)`, "ada@example.edu"}}},
		{"escape in an email", "Ada,Lovelace,ada\x1b[2J@example.edu,events", []msg{{Error, "Email", `"ada\x1b[2J@example.edu" is not an email address: it contains U+001B (ESC)`, ""}}},
		{"bidi override in an email", "Ada,Lovelace,ude.elpmaxe@ada\u202e,events", []msg{{Error, "Email", `"ude.elpmaxe@ada\u202e" is not an email address: it contains U+202E (RIGHT-TO-LEFT OVERRIDE)`, ""}}},
		{"BOM inside an email", "Ada,Lovelace,ada@exam\ufeffple.edu,events", []msg{{Error, "Email", `"ada@exam\ufeffple.edu" is not an email address: it contains U+FEFF (BYTE ORDER MARK)`, "ada@example.edu"}}},
		{"OSC 52 in a name", "Ada\x1b]52;c;cm0gLXJmIH4=\x07,Lovelace,ada@example.edu,events", []msg{{Error, "First Name",
			`"Ada\x1b]52;c;cm0gLXJmIH4=\x07" contains U+001B (ESC) and 1 more control or bidi character`, "Ada]52;c;cm0gLXJmIH4="}}},
		{"bell in a name", "Ada,Love\alace,ada@example.edu,events", []msg{{Error, "Last Name", `"Love\x07lace" contains U+0007 (BEL), a control character`, "Lovelace"}}},
		{"backspace in a name", "Ada,Lovelace\b\b\b\b,ada@example.edu,events", []msg{{Error, "Last Name", `"Lovelace\x08\x08\x08\x08" contains U+0008 (BS) and 3 more control or bidi characters`, "Lovelace"}}},
		{"bidi override in a name", "Ada,\u202eecalevoL,ada@example.edu,events", []msg{{Error, "Last Name", `"\u202eecalevoL" contains U+202E (RIGHT-TO-LEFT OVERRIDE), a bidi control, which reorders what is shown`, "ecalevoL"}}},
		{"bidi isolate in an ID", "Ada,Lovelace,ada@example.edu,events,U\u20661\u2069", []msg{{Error, "Unique ID", `"U\u20661\u2069" contains U+2066 (LEFT-TO-RIGHT ISOLATE) and 1 more control or bidi character`, "U1"}}},
		{"C1 control in a name", "Ada\u009b2J,Lovelace,ada@example.edu,events", []msg{{Error, "First Name", `"Ada\u009b2J" contains U+009B (CSI), a control character`, "Ada2J"}}},
		{"delete in a name", "Ada\x7f,Lovelace,ada@example.edu,events", []msg{{Error, "First Name", `"Ada\u007f" contains U+007F (DEL), a control character`, "Ada"}}},
		{"line break in a name", "\"Ada\nAugusta\",Lovelace,ada@example.edu,events", []msg{{Error, "First Name", `"Ada\nAugusta" contains U+000A (LINE FEED), a control character`, "Ada Augusta"}}},
		{"zero-width space in a name", "Ada,Love\u200blace,ada@example.edu,events", []msg{{Warning, "Last Name", `"Love\u200blace" contains U+200B (ZERO WIDTH SPACE), which does not show`, "Lovelace"}}},
		{"word joiner and a BOM in a name", "Ada,Love\u2060la\ufeffce,ada@example.edu,events", []msg{{Warning, "Last Name", `"Love\u2060la\ufeffce" contains U+2060 (WORD JOINER) and 1 more invisible character`, "Lovelace"}}},
		{"curly quotes", "Ada,Lovelace,\u201cada@example.edu\u201d,events", []msg{{Error, "Email", "\"\u201cada@example.edu\u201d\" is not an email address: it contains \"\u201c\"", "ada@example.edu"}}},
		{"replacement character", "Ada,Lovelace,fran\ufffdois@example.edu,events", []msg{{Error, "Email", "\"fran\ufffdois@example.edu\" is not an email address: it contains \"\ufffd\"", ""}}},
		{"plus and quote characters", `Ada,Lovelace,o'neil+import@example.edu,events`, nil},
		{"choice in another case", `Ada,Lovelace,ada@example.edu,"EVENTS,Catalog"`, nil},
		{"label where the value belongs", `Ada,Lovelace,ada@example.edu,"events,Course Demand Projections"`,
			[]msg{{Error, "Products", `"Course Demand Projections" is a name, not a product key; use "courseDemandProjections"`, "events,courseDemandProjections"}}},
		{"value spelled loosely", `Ada,Lovelace,ada@example.edu,course_demand_projections`,
			[]msg{{Error, "Products", `"course_demand_projections" is a name, not a product key; use "courseDemandProjections"`, "courseDemandProjections"}}},
		{"near miss", `Ada,Lovelace,ada@example.edu,"events ,  catalgo "`,
			[]msg{{Warning, "Products", "spaces before or after the value are ignored", "events ,  catalgo"},
				{Error, "Products", `"catalgo" is not a product key; did you mean "catalog"?`, "events ,  catalog"}}},
		{"unknown, few choices", `Ada,Lovelace,ada@example.edu,billing`,
			[]msg{{Error, "Products", `"billing" is not a product key; use one of: scheduling, curriculum, syllabus, events, catalog, courseDemandProjections`, ""}}},
		{"products separated by semicolons", `Ada,Lovelace,ada@example.edu,"events; Catalog"`,
			[]msg{{Error, "Products", `"events; Catalog" holds several product keys separated by ";"; put commas between them: "events, catalog"`, "events, catalog"}}},
		{"products on separate lines", "Ada,Lovelace,ada@example.edu,\"scheduling\r\nevents\"",
			[]msg{{Error, "Products", `"scheduling\r\nevents" holds several product keys on separate lines; put commas between them: "scheduling, events"`, "scheduling, events"}}},
		{"roles separated by a pipe", `Ada,Lovelace,ada@example.edu,events,,,,"r-3, r-1|r-2"`,
			[]msg{{Error, "Role IDs", `"r-1|r-2" holds several role IDs separated by "|"; put commas between them: "r-1, r-2"`, "r-3, r-1, r-2"}}},
		{"semicolons and an unknown value", `Ada,Lovelace,ada@example.edu,events;billing`,
			[]msg{{Error, "Products", `"events;billing" is not a product key; use one of: scheduling, curriculum, syllabus, events, catalog, courseDemandProjections`, ""}}},
		{"two wrong values", `Ada,Lovelace,ada@example.edu,"schedulng,billing"`, []msg{
			{Error, "Products", `"schedulng" is not a product key; did you mean "scheduling"?`, "scheduling,billing"},
			{Error, "Products", `"billing" is not a product key; use one of: scheduling, curriculum, syllabus, events, catalog, courseDemandProjections`, ""}}},
		{"empty items ignored", `Ada,Lovelace,ada@example.edu,"events,,catalog,"`, nil},
		{"role name", `Ada,Lovelace,ada@example.edu,events,,,,"r-3, Super Admin"`,
			[]msg{{Error, "Role IDs", `"Super Admin" is a name, not a role ID; use "r-1"`, "r-3, r-1"}}},
		{"role name two roles share", `Ada,Lovelace,ada@example.edu,events,,,,Advisor`,
			[]msg{{Error, "Role IDs", `"Advisor" names more than one role ID (r-4, r-5); use one of them`, ""}}},
		{"unknown role", `Ada,Lovelace,ada@example.edu,events,,,,r-99`,
			[]msg{{Error, "Role IDs", `"r-99" is not a role ID; use one of: r-1, r-2, r-3, r-4, r-5`, ""}}},
		{"near miss among roles", `Ada,Lovelace,ada@example.edu,events,,,,Facutly`,
			[]msg{{Error, "Role IDs", `"Facutly" is not a role ID; did you mean "r-3"?`, "r-3"}}},
		{"department with a comma in its name", `Ada,Lovelace,ada@example.edu,events,,"Languages, Literatures and Cultures",,`,
			[]msg{{Error, "Department", "one primary department only", ""}}}, // from the row check alone
		{"department ID for its name", `Ada,Lovelace,ada@example.edu,events,,dep-2,,`,
			[]msg{{Error, "Department", `"dep-2" is a name, not a department; use "Physics"`, "Physics"}}},
		{"two departments, one unknown", `Ada,Lovelace,ada@example.edu,events,,"Physics, Astrology",,`, []msg{
			{Error, "Department", `"Astrology" is not a department; use one of: Mathematics, Physics, Languages, Literatures and Cultures`, ""},
			{Error, "Department", "one primary department only", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(strings.NewReader(testHeader+padRow(t, tt.row)+"\n"), "users.csv", testSchema(testRoles, testDepartments), Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := Validate(f)
			for _, m := range v.Row(0) {
				if m.Line != 2 {
					t.Errorf("line %d, want 2", m.Line)
				}
			}
			if got := rowMessages(v.Row(0)); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("messages\n got %v\nwant %v", got, tt.want)
			}
			if v.OK(0) != (v.Errors() == 0) {
				t.Errorf("OK %v with %d errors", v.OK(0), v.Errors())
			}
		})
	}
}

// TestHeaderRepeated: two exports joined into one file hold the header
// again (with the second file's byte order mark); that row gets one plain
// message, not one per cell.
func TestHeaderRepeated(t *testing.T) {
	in := "\uFEFF" + testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\n\uFEFF" + testHeader + "Bob,Smith,bob@example.edu,events,,,,\n"
	f := readString(t, in, Options{})
	v := Validate(f)
	want := []Message{{Severity: Error, Line: 3, Text: "this row repeats the header (were two files joined?); delete the row", Rule: RuleRepeatedHeader}}
	if got := v.Messages(); !reflect.DeepEqual(got, want) {
		t.Errorf("messages\n got %+v\nwant %+v", got, want)
	}
	ed := NewEditor(f, v)
	if err := ed.Set(1, "email", "cy@example.edu"); err != nil {
		t.Fatal(err)
	}
	if v.Row(1) == nil || v.Row(1)[0].Text == want[0].Text {
		t.Errorf("after an edit: %+v", v.Row(1))
	}
	assertIncremental(t, f, v)
}

func TestUnknownChoicesAmongMany(t *testing.T) {
	var roles []Choice
	for i := range 20 {
		roles = append(roles, Choice{Value: fmt.Sprintf("role-%02d", i), Label: fmt.Sprintf("Role number %d", i)})
	}
	f := readString(t, testHeader+"Ada,Lovelace,ada@example.edu,events,,,,zzz\n", Options{})
	f.schema = testSchema(roles, nil)
	f.indexFields()
	if got := rowMessages(Validate(f).Row(0)); fmt.Sprint(got) != fmt.Sprint([]msg{{Error, "Role IDs", `"zzz" is not a known role ID`, ""}}) {
		t.Errorf("got %v", got)
	}
}

func TestChoicesComeBackInTheirOwnSpelling(t *testing.T) {
	f, err := Read(strings.NewReader(testHeader+"Ada,Lovelace,ada@example.edu,\" EVENTS ,coursedemandprojections\",,mathematics,,R-3\n"),
		"u.csv", testSchema(testRoles, testDepartments), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.List(0, "products"); !reflect.DeepEqual(got, []string{"events", "courseDemandProjections"}) {
		t.Errorf("products %q", got)
	}
	if f.Value(0, "department") != "Mathematics" || !reflect.DeepEqual(f.List(0, "roles"), []string{"r-3"}) {
		t.Errorf("department %q roles %q", f.Value(0, "department"), f.List(0, "roles"))
	}
	if f.Raw(0, "products") != ` EVENTS ,coursedemandprojections` {
		t.Errorf("raw %q", f.Raw(0, "products"))
	}
}

func TestSameEmailTwice(t *testing.T) {
	in := testHeader +
		"Ada,Lovelace,ada@example.edu,events,,,,\n" +
		"Bob,Smith,bob@example.edu,events,,,,\n" +
		"Ada,L,ADA@Example.edu ,events,,,,\n" +
		"Cy,Ng,cy@example.edu,events,,,,\n" +
		"Ada,Again,ada@example.edu,events,,,,\n" +
		"Bob,Twin,Bob@example.edu,events,,,,\n"
	f := readString(t, in, Options{})
	v := Validate(f)
	want := map[int]string{
		0: "this email is also on line 4", // the first names the second
		1: "this email is also on line 7",
		2: "this email is also on line 2", // the later ones the first
		4: "this email is also on line 2",
		5: "this email is also on line 3",
	}
	for i := range f.Len() {
		var got string
		for _, m := range v.Row(i) {
			if m.Column == "Email" && m.Severity == Error {
				got = m.Text
			}
		}
		if got != want[i] {
			t.Errorf("row %d (line %d): %q, want %q", i, f.Line(i), got, want[i])
		}
	}
	if v.RowsWithErrors() != 5 || v.Errors() != 5 || v.Warnings() != 1 {
		t.Errorf("rows %d errors %d warnings %d", v.RowsWithErrors(), v.Errors(), v.Warnings())
	}
}

func TestManyRowsWithOneEmail(t *testing.T) {
	var b strings.Builder
	b.WriteString(testHeader)
	for range 9 {
		b.WriteString("Ada,Lovelace,ada@example.edu,events,,,,\n")
	}
	v := Validate(readString(t, b.String(), Options{}))
	if got := v.Row(0)[0].Text; got != "this email is also on line 3" {
		t.Errorf("got %q", got)
	}
	if got := v.Row(8)[0].Text; got != "this email is also on line 2" {
		t.Errorf("last row: got %q", got)
	}
}

// TestParallelPassMatchesOneByOne validates a file big enough for the
// parallel pass and compares every row with a one-row-at-a-time check.
func TestParallelPassMatchesOneByOne(t *testing.T) {
	var b strings.Builder
	b.WriteString(testHeader)
	for i := range 40000 {
		switch i % 997 {
		case 0:
			fmt.Fprintf(&b, "Ada,Lovelace,ada%d@example,schedulng\n", i)
		case 1:
			fmt.Fprintf(&b, "Bob,,bob%d@example.edu,events\n", i-1)
		default:
			fmt.Fprintf(&b, "Ada,Lovelace,ada%d@example.edu,events\n", i)
		}
	}
	f := readString(t, b.String(), Options{})
	v := Validate(f)
	if len(v.Problems()) == 0 {
		t.Fatal("no problems found")
	}
	for i := range f.Len() {
		if got, want := v.Row(i), v.check(i); !reflect.DeepEqual(got, want) {
			t.Fatalf("row %d: pass %+v, alone %+v", i, got, want)
		}
	}
}

func TestMessagesJSON(t *testing.T) {
	m := Message{Severity: Error, Line: 3, Column: "Email", Text: "bad", Fix: &Fix{Column: "Email", Value: "a@b.c", Label: "use it"}}
	b, err := jsonMarshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"severity":"error","line":3,"column":"Email","message":"bad","fix":{"column":"Email","value":"a@b.c","label":"use it"}}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
	var back Message
	if err := jsonUnmarshal(b, &back); err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("round trip %+v %v", back, err)
	}
	if err := jsonUnmarshal([]byte(`{"severity":"fatal"}`), &back); err == nil {
		t.Error("accepted severity fatal")
	}
}

func TestEscapeFormula(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "Ada": "Ada", "=1+2": "'=1+2", "+cmd": "'+cmd", "-cmd|' /C calc'!A0": "'-cmd|' /C calc'!A0",
		"@SUM(A1)": "'@SUM(A1)", "\t=1": "'\t=1", "\r=1": "'\r=1", "-5": "-5", "+1.5": "+1.5", "-2+3": "'-2+3",
		"a=b": "a=b", "ada@example.edu": "ada@example.edu",
	} {
		if got := EscapeFormula(in); got != want {
			t.Errorf("EscapeFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

func jsonMarshal(v any) ([]byte, error)   { return json.Marshal(v) }
func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// padRow adds empty cells up to the header's eight.
func padRow(t *testing.T, row string) string {
	cells, err := csv.NewReader(strings.NewReader(row)).Read()
	if err != nil {
		t.Fatal(err)
	}
	return row + strings.Repeat(",", 8-len(cells))
}

// TestNoAllocationPerRow: reading and validating clean rows allocates the
// same number of times for 5,000 rows as for 20,000 (cells are slices of
// the text; checks allocate only for what they report).
func TestNoAllocationPerRow(t *testing.T) {
	schema := testSchema(testRoles, testDepartments)
	allocs := func(rows int) (reads, validates float64) {
		var b strings.Builder
		b.WriteString(testHeader)
		for i := range rows {
			fmt.Fprintf(&b, "Ada,Lovelace,Ada.Lovelace%d@Example.edu,\"events, catalog\",S%d,Mathematics,Physics,\"r-1,r-3\"\n", i, i)
		}
		text := b.String()
		var f *File
		reads = testing.AllocsPerRun(3, func() {
			var err error
			if f, err = Read(strings.NewReader(text), "u.csv", schema, Options{workers: 1}); err != nil {
				t.Fatal(err)
			}
		})
		validates = testing.AllocsPerRun(3, func() {
			if v := Validate(f); v.Errors() != 0 || v.Warnings() != 0 {
				t.Fatalf("%d errors %d warnings", v.Errors(), v.Warnings())
			}
		})
		return reads, validates
	}
	r1, v1 := allocs(5000)
	r4, v4 := allocs(20000)
	if r4-r1 > 10 || v4-v1 > 10 {
		t.Errorf("allocations: read %v → %v, validate %v → %v for 5,000 → 20,000 rows", r1, r4, v1, v4)
	}
}
