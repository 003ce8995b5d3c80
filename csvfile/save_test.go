package csvfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// rowsOf reads every row as a plan does: line, values and messages.
func rowsOf(f *File, v *Validation) []string {
	var out []string
	for i := 0; i < f.Len(); i++ {
		s := itoaTest(f.Line(i)) + ":" + f.Value(i, "firstName") + "," + f.Value(i, "email") + "," + strings.Join(f.List(i, "products"), "+")
		if !v.OK(i) {
			s += " ✗"
		}
		out = append(out, s)
	}
	return out
}

func itoaTest(n int) string { return fmt.Sprintf("%02d", n) }

// A snapshot keeps the rows it was taken with: edits, undo, deletions and
// a save of the File afterwards change none of it, and a job reading it on
// another goroutine races with none of them (go test -race).
func TestSnapshotIsUnchangedByEditsAndSaves(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "users.csv")
	var b strings.Builder
	b.WriteString(testHeader)
	for i := range 60 {
		b.WriteString("N" + itoaTest(i) + ",Smith,n" + itoaTest(i) + "@example.edu,events,,,,\n")
	}
	b.WriteString("Bad,Row,not-an-email,events,,,,\n")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := Validate(f)
	ed := NewEditor(f, v)
	if err := ed.Set(0, "firstName", "Ada"); err != nil {
		t.Fatal(err)
	}
	sf, sv := ed.Snapshot()
	want := rowsOf(f, v)

	var wg sync.WaitGroup
	reads := make(chan []string, 1)
	wg.Go(func() {
		var got []string
		for range 20 {
			got = rowsOf(sf, sv)
		}
		reads <- got
	})
	// Meanwhile: edits of every kind, then a save that drops a row.
	for i := range 40 {
		if err := ed.Set(i, "email", "e"+itoaTest(i)+"@example.edu"); err != nil {
			t.Fatal(err)
		}
	}
	if err := ed.Set(60, "email", "fixed@example.edu"); err != nil {
		t.Fatal(err)
	}
	ed.Undo()
	if err := ed.Delete(1); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Save(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := <-reads; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the snapshot read\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := rowsOf(sf, sv); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after the save the snapshot reads\n%s", strings.Join(got, "\n"))
	}
	if f.Len() != 60 || f.Value(0, "email") != "e00@example.edu" || f.Line(1) != 3 {
		t.Fatalf("the File after the save: %d rows, %q, line %d", f.Len(), f.Value(0, "email"), f.Line(1))
	}
}

// A save written on another goroutine shares nothing with the File the
// editor's goroutine reads meanwhile; Commit then gives the File the saved
// lines and messages, as Save does.
func TestPendingSaveWritesOffTheEditorsGoroutine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "users.csv")
	in := testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\n\n" + "Ada,Twin,ada@example.edu,events,,,,\n" + "Bob,Smith,bob@example.edu,events,,,,\n"
	if err := os.WriteFile(p, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := Validate(f)
	ed := NewEditor(f, v)
	if err := ed.Set(2, "firstName", "Bo"); err != nil {
		t.Fatal(err)
	}
	if err := ed.Delete(1); err != nil {
		t.Fatal(err)
	}
	s, err := ed.PrepareSave("")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *SaveResult)
	go func() {
		r, err := s.Write()
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	before := rowsOf(f, v) // read while the save writes
	r := <-done
	if strings.Join(rowsOf(f, v), "\n") != strings.Join(before, "\n") || !ed.Dirty() {
		t.Fatal("Write changed the File before Commit")
	}
	if err := ed.Commit(r); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if want := testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\n" + "Bo,Smith,bob@example.edu,events,,,,\n"; string(got) != want {
		t.Fatalf("saved:\n%s", got)
	}
	if f.Len() != 2 || f.Line(1) != 3 || ed.Dirty() || v.Errors() != 0 || r.Backup != p+".bak" || v.File() != f {
		t.Fatalf("after commit: %d rows, line %d, dirty %v, errors %d, backup %q", f.Len(), f.Line(1), ed.Dirty(), v.Errors(), r.Backup)
	}
	// The File still edits and saves after the commit.
	if err := ed.Set(0, "firstName", "Ava"); err != nil || v.Errors() != 0 {
		t.Fatalf("edit after commit: %v, %d errors", err, v.Errors())
	}
	if _, err := ed.Save(); err != nil {
		t.Fatal(err)
	}

	// A save prepared before the latest edit is refused: that edit is not
	// in what was written.
	s, _ = ed.PrepareSave("")
	if err := ed.Set(0, "firstName", "Eve"); err != nil {
		t.Fatal(err)
	}
	r, err = s.Write()
	if err != nil {
		t.Fatal(err)
	}
	if err := ed.Commit(r); err == nil || !ed.Dirty() {
		t.Fatalf("a stale save committed (err %v)", err)
	}
	// Saving again writes the latest edit (the file on disk is the one the
	// stale save wrote, not a stranger's).
	if _, err := ed.Save(); err != nil || ed.Dirty() {
		t.Fatalf("save after a stale one: %v", err)
	}
	if got, _ := os.ReadFile(p); !strings.Contains(string(got), "Eve,Lovelace") {
		t.Fatalf("saved:\n%s", got)
	}
}
