package ccai

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"usersync/csvfile"
)

func TestReadTemplateJSONFixture(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "ccai", "users.json")
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := ReadTemplateJSON(fh, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 3 {
		t.Fatalf("%d rows", len(f.Rows))
	}
	want := []JSONRow{
		{Line: 2, Values: map[string]string{"email": "maya.okafor@example.com", "new_email": "", "agent_number": "A-0901",
			"first_name": "Maya", "last_name": "Okafor", "status": "Active", "location": "Dublin", "max_chat_limit": "3",
			"max_chat_limit_enabled": "1", "roles": "Agent, Supervisor", "teams": "Support"},
			Removed: map[string][]string{"roles": {"Admin"}}},
		{Line: 22, Values: map[string]string{"email": "tom.becker@example.com", "agent_number": "A-0902",
			"first_name": "Tom", "last_name": "Becker", "status": "Active", "location": "Austin", "max_chat_limit": "2",
			"max_chat_limit_enabled": "0", "roles": "Agent", "teams": "Sales, VIP"}},
		{Line: 34, Values: map[string]string{"email": "lucia.kaur@example.com", "first_name": "Lucía", "last_name": "Kaur",
			"status": "Inactive", "location": ""}},
	}
	if !reflect.DeepEqual(f.Rows, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", f.Rows, want)
	}
	if len(f.Warnings) != 1 || f.Warnings[0].Line != 2 || f.Warnings[0].Column != "Roles" ||
		!strings.Contains(f.Warnings[0].Text, `"Admin"`) || !strings.Contains(f.Warnings[0].Text, "--replace") {
		t.Errorf("warnings: %+v", f.Warnings)
	}
	header, records, lines := f.Records()
	if !reflect.DeepEqual(header, Headers) || len(records) != 3 || !reflect.DeepEqual(lines, []int{2, 22, 34}) ||
		records[1][7] != "Agent" || records[1][8] != "Sales, VIP" || records[2][0] != "lucia.kaur@example.com" {
		t.Errorf("records: %v %v %v", header, records, lines)
	}
}

func TestReadTemplateJSONErrors(t *testing.T) {
	for _, c := range []struct {
		name, in  string
		line, col int
		want      string
	}{
		{"empty", "  \n", 0, 0, "the file is empty"},
		{"object", "{}", 1, 1, "must be a JSON list of users"},
		{"string", "\n  \"users\"", 2, 3, "not a string"},
		{"not an object", "[1]", 1, 2, "user 1 must be an object"},
		{"list email", "[\n {\"email\": [\"x\"]}\n]", 2, 12, "email must be a string or a number, not a list"},
		{"object name", "[{\"email\":\"a@b.c\"},\n{\"first_name\": {\"x\": 1}}]", 2, 16, "first_name must be a string or a number, not an object"},
		{"bad value", "[\n {\"roles\": [{\"name\":\"Agent\",\"value\":7}]}\n]", 2, 37, `the value of "Agent" must be 1 (assign), 0 (remove) or empty (leave), not "7"`},
		{"roles not a list", "[{\"roles\": \"Agent\"}]", 1, 12, "roles must be a list"},
		{"role not an object", "[{\"teams\": [\"Sales\"]}]", 1, 13, "each of teams must be an object"},
		{"role without name", "[{\"roles\": [{\"value\": 1}]}]", 1, 13, `each of roles needs a "name"`},
		{"comma in name", "[{\"roles\": [{\"name\": \"A, B\", \"value\": 1}]}]", 1, 22, "has a comma"},
		{"truncated", "[\n {\"email\":\"a@b.c\"\n", 3, 1, "ends before its JSON is complete"},
		{"trailing comma", "[{\"email\":\"a@b.c\",}]", 1, 19, "not valid JSON: invalid character '}'"},
		{"bad literal", "[\n  {\"status\": nul}]", 2, 17, "not valid JSON: invalid character '}' in literal null"},
		{"no users", "[]", 0, 0, "lists no users"},
		{"text after", "[{\"email\":\"a@b.c\"}]\nnope", 2, 1, "unexpected text after the list"},
		{"duplicate key", "[{\"email\":\"a@b.c\",\n \"email\":\"d@e.f\"}]", 2, 2, `user 1 has "email" twice`},
		{"utf-8 columns", "[{\"first_name\":\"Zoë\", \"last_name\": [1]}]", 1, 36, "last_name must be"},
		// Saved as ANSI (an old Notepad's default): the bytes that are not
		// UTF-8 were read as U+FFFD and sent so, "José" as "Jos\uFFFD".
		{"ansi in a value", "[\n {\"email\":\"jose@example.com\", \"first_name\":\"Jos\xe9\"}\n]", 2, 48, "not UTF-8"},
		{"undefined byte", "[{\"email\":\"a@b.c\", \"last_name\":\"N\x8dg\"}]", 1, 34, "not UTF-8"},
		{"ansi in a key", "[{\"r\xf4les\": []}]", 1, 5, "not UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadTemplateJSON(strings.NewReader(c.in), "in.json")
			var fe *csvfile.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("want a *csvfile.FileError, got %v", err)
			}
			if fe.Path != "in.json" || fe.Line != c.line || fe.Column != c.col || !strings.Contains(fe.Msg, c.want) {
				t.Errorf("got %q (line %d col %d), want line %d col %d containing %q", err, fe.Line, fe.Column, c.line, c.col, c.want)
			}
		})
	}
}

func TestReadTemplateJSONLenient(t *testing.T) {
	in := "\xEF\xBB\xBF[{\"email\": \"a@b.c\", \"id\": 7, \"extra\": {\"deep\": [1,2]}, \"agent_number\": 42,\n" +
		" \"max_chat_limit\": 2.0, \"max_chat_limit_enabled\": true, \"status\": null,\n" +
		" \"roles\": null, \"teams\": [{\"name\": \"Sales\", \"value\": \"1\"}, {\"name\": \"VIP\", \"value\": null, \"note\": 1}]}]"
	f, err := ReadTemplateJSON(strings.NewReader(in), "x.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"email": "a@b.c", "agent_number": "42", "max_chat_limit": "2", "max_chat_limit_enabled": "1",
		"status": "", "teams": "Sales"}
	if !reflect.DeepEqual(f.Rows[0].Values, want) {
		t.Errorf("values %v", f.Rows[0].Values)
	}
	// "id" (the users listing carries it) is expected; other fields are not.
	if len(f.Warnings) != 2 || !strings.Contains(f.Warnings[0].Text, `"extra"`) || !strings.Contains(f.Warnings[1].Text, `"note"`) {
		t.Errorf("warnings %+v", f.Warnings)
	}
}

func TestIsJSONFile(t *testing.T) {
	for in, want := range map[string]bool{"[": true, "\xEF\xBB\xBF\n  [{": true, "{": true, "Email,First Name": false, "": false, " \n": false} {
		if IsJSONFile([]byte(in)) != want {
			t.Errorf("IsJSONFile(%q) != %v", in, want)
		}
	}
}

func FuzzReadTemplateJSON(f *testing.F) {
	seeds := []string{"[]", "{}", "[1]", `[{"email":"a@b.c","roles":[{"name":"Agent","value":1}]}]`,
		"[\n {\"email\": [\"x\"]}\n]", "[{\"email\":\"a\",}]", "\xEF\xBB\xBF[{}]", `[{"teams":[{"name":"A","value":"0"}]}]`,
		`[{"roles":[{"name":"x","value":{"a":[]}}]}]`, "[\"\\ud800\"]", `[{"email":"Zoë"}] x`}
	if b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ccai", "users.json")); err == nil {
		seeds = append(seeds, string(b))
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		jf, err := ReadTemplateJSON(strings.NewReader(string(in)), "fuzz.json")
		lines := 1 + strings.Count(string(in), "\n")
		if err != nil {
			var fe *csvfile.FileError
			if !errors.As(err, &fe) || fe.Path != "fuzz.json" || fe.Line < 0 || fe.Line > lines || fe.Msg == "" {
				t.Fatalf("error %#v", err)
			}
			if fe.Line > 0 && fe.Column < 1 {
				t.Fatalf("line %d without a column: %v", fe.Line, err)
			}
			return
		}
		if len(jf.Rows) == 0 {
			t.Fatal("success without rows")
		}
		prev := 0
		for _, r := range jf.Rows {
			if r.Line < prev || r.Line < 1 || r.Line > lines {
				t.Fatalf("row line %d (previous %d, %d lines)", r.Line, prev, lines)
			}
			prev = r.Line
		}
		header, records, rl := jf.Records()
		if len(records) != len(jf.Rows) || len(rl) != len(jf.Rows) {
			t.Fatal("records do not match rows")
		}
		// What the reader returns always makes a File (as usersync opens
		// it), and its messages stay on the file's lines.
		file, err := csvfile.FromRecords("fuzz.json", BlankSchema(), header, records, rl, jf.Warnings)
		if err != nil {
			t.Fatalf("FromRecords: %v", err)
		}
		for _, m := range csvfile.Validate(file).Messages() {
			if m.Line < 0 || m.Line > lines {
				t.Fatalf("message on line %d of %d: %+v", m.Line, lines, m)
			}
		}
	})
}
