package sync

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The JSON report, written row by row, is one JSON document with every row.
func TestReportJSONIsOneDocument(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	for _, n := range []int{0, 1, 3} {
		r := &Run{Outcomes: make([]Outcome, n), Counts: Counts{Create: n}}
		for i := range r.Outcomes {
			r.Outcomes[i] = Outcome{Row: i, Line: i + 2, Email: "a\"}\n@x.edu", Result: Created}
		}
		if err := WriteReport(path, &Plan{Target: "mem", File: "f.csv", FileRows: n}, r); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(jsonTwin(path))
		var doc struct {
			Target string    `json:"target"`
			Counts Counts    `json:"counts"`
			Rows   []Outcome `json:"rows"`
		}
		if err := json.Unmarshal(data, &doc); err != nil || len(doc.Rows) != n || doc.Counts.Create != n || doc.Target != "mem" {
			t.Fatalf("%d rows: %v, %+v\n%s", n, err, doc, data)
		}
		if n > 0 && doc.Rows[n-1].Email != "a\"}\n@x.edu" {
			t.Fatalf("row email %q", doc.Rows[n-1].Email)
		}
	}
}
