package csvfile

import (
	"os"
	"strings"
	"testing"
)

// Files that change while usersync has them open: another program appends
// to them, replaces them, or is still writing them when they are read.
// (The corpus of hostile files is tested in ../hostile_test.go.)

func TestHostileSaveRefusesAFileAppendedTo(t *testing.T) {
	dir := t.TempDir()
	orig := testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\n"
	path := writeFile(t, dir, "users.csv", orig)
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ed := NewEditor(f, Validate(f))
	if err := ed.Set(0, "lastName", "King"); err != nil {
		t.Fatal(err)
	}
	// Another program adds a row; the clock is not touched.
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString("Bob,Smith,bob@example.edu,events,,,,\n")
	fh.Close()
	if _, err := ed.Save(); err == nil || err.Error() != "save "+path+": the file changed on disk since it was read; not overwriting it" {
		t.Fatalf("save: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != orig+"Bob,Smith,bob@example.edu,events,,,,\n" {
		t.Errorf("the file is now %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left in the folder: %v", entries)
	}
	if !ed.Dirty() {
		t.Error("the refused edit is no longer pending")
	}
}

// TestHostileSaveRefusesAFileReplaced: a program that saves by writing a
// new file and renaming it over the old one, keeping size and time (a
// sync client, cp -p), is still noticed.
func TestHostileSaveRefusesAFileReplaced(t *testing.T) {
	dir := t.TempDir()
	orig := testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\n"
	path := writeFile(t, dir, "users.csv", orig)
	f, err := Open(path, testSchema(nil, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	ed := NewEditor(f, Validate(f))
	ed.Set(0, "lastName", "King")
	other := strings.Replace(orig, "Lovelace", "Lovelacf", 1)
	tmp := writeFile(t, dir, "new.csv", other)
	os.Chtimes(tmp, info.ModTime(), info.ModTime())
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.Stat(path); now.Size() != info.Size() || !now.ModTime().Equal(info.ModTime()) {
		t.Fatal("the replacement differs in size or time; the test would not show what it means to")
	}
	if _, err := ed.Save(); err == nil || err.Error() != "save "+path+": the file changed on disk since it was read; not overwriting it" {
		t.Fatalf("save: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != other {
		t.Errorf("the file is now %q", data)
	}
}
