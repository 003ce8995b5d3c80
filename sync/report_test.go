package sync

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestReportRendersControlCharacters: a report is read on screens (and
// `cat`), so a server message or a cell holding an escape sequence or a
// bidi control is written escaped in the CSV, and the JSON twin keeps the
// exact text as JSON escapes.
func TestReportRendersControlCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.csv")
	msg := "rejected \x1b]52;c;cm0gLXJmIH4=\x07 \u202eeurt \u009b2J\x7f"
	run := &Run{Outcomes: []Outcome{{Row: 0, Line: 2, Email: "ada\u202e@example.edu", Action: Create, Result: Failed, Status: 400, Column: "Notes\x1b[2J", Message: msg}}}
	if err := WriteReport(path, &Plan{Target: "coursedog", File: "users.csv"}, run); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, strings.TrimSuffix(path, ".csv") + ".json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range string(b) {
			if r != '\n' && r != '\r' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
				t.Fatalf("%s holds %U:\n%s", p, r, b)
			}
		}
	}
	csvText, _ := os.ReadFile(path)
	if !strings.Contains(string(csvText), `rejected \x1b]52;c;cm0gLXJmIH4=\x07 \u202eeurt \u009b2J\u007f`) ||
		!strings.Contains(string(csvText), `ada\u202e@example.edu`) || !strings.Contains(string(csvText), `Notes\x1b[2J`) {
		t.Errorf("report:\n%s", csvText)
	}
	var doc struct{ Rows []Outcome }
	b, _ := os.ReadFile(strings.TrimSuffix(path, ".csv") + ".json")
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Rows) != 1 || doc.Rows[0].Message != msg || doc.Rows[0].Email != "ada\u202e@example.edu" {
		t.Errorf("JSON twin: %v %+v\n%s", err, doc, b)
	}
}
