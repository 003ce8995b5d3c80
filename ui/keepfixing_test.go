package ui

import (
	"os"
	"path/filepath"
	"testing"
)

// "n keep fixing" on the question the preview asks when rows still have
// errors moved the cursor off the error row it was on to the next
// problem, a warning: an x pressed next fixed that row instead. It now
// stays on (or goes to) a row with errors, its error's column selected.
func TestKeepFixingGoesToARowWithErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users.csv")
	csv := "First Name,Last Name,Email,Products,Department\n" +
		"Ada,Lovelace,ada@example.edu,scheduling,Mathematics\n" +
		"Bob,  Smith,bob@example.edu,scheduling,Physics\n" + // a warning: spaces
		"Edsger,Dijkstra,edsger@example,scheduling,Computing\n" // an error: the email
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	d, _ := loginToPreview(t, file, newMemTarget())
	p := &d.m.preview
	bad := rowWithEmail(t, p.file, "edsger@example")
	p.moveTo(bad)
	d.keys("enter")
	d.sees("1 row still has errors (line 4)")
	d.keys("n")
	p = &d.m.preview
	if got := p.current(); got != bad {
		t.Fatalf("keep fixing left the error row for file line %d", p.file.Line(got))
	}
	if f := p.selectedField(); f == nil || f.Key != "email" {
		t.Fatalf("keep fixing selected %v, not the email the error is about", f)
	}

	// From a row without errors it goes to the first one with errors.
	p.moveTo(rowWithEmail(t, p.file, "ada@example.edu"))
	d.keys("enter", "n")
	if got := d.m.preview.current(); got != bad {
		t.Fatalf("keep fixing from line 2 went to line %d", p.file.Line(got))
	}
}
