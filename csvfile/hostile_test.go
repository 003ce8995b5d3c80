package csvfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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

// TestHostileReadWhileAppended opens a file while another program is
// appending rows to it, cutting rows in two writes at varying places. An
// open during the writes says the file changed while it was read (or, if
// no write fell within it, reads the file as it was); an open between
// writes reads whole rows in order, the last perhaps cut short as it is on
// disk, or names the quoted cell left open there. Never a panic, never
// rows made of pieces from different moments. Save refuses the grown file.
func TestHostileReadWhileAppended(t *testing.T) {
	path := filepath.Join(t.TempDir(), "growing.csv")
	row := func(i int) string {
		return fmt.Sprintf("First%d,Last%d,user%d@example.edu,\"scheduling, events\",U%d,,,\n", i, i, i, i)
	}
	var b strings.Builder
	b.WriteString(testHeader)
	next := 0                                   // the row the writer writes next
	for ; b.Len() < parallelMin+1<<20; next++ { // read in parts, on several goroutines
		b.WriteString(row(next))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rest := "" // the end of a row the writer stopped in the middle of

	// appendDuring runs fn while the writer appends, from its first write on.
	appendDuring := func(fn func()) {
		stop, started := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for first := true; ; first = false {
				if rest != "" {
					fh.WriteString(rest)
					rest = ""
				}
				r := row(next)
				next++
				cut := 1 + next*7%(len(r)-1)
				fh.WriteString(r[:cut])
				if first {
					close(started)
				}
				select {
				case <-stop:
					rest = r[cut:]
					return
				default:
				}
				fh.WriteString(r[cut:])
			}
		})
		<-started
		fn()
		close(stop)
		wg.Wait()
	}
	const changedMsg = ": the file changed while it was being read; wait until the program writing it has finished, then open it again"
	// checkRead asserts what an open between writes gives.
	checkRead := func(try int) *File {
		f, err := Open(path, testSchema(nil, nil), Options{})
		if err != nil {
			want := fmt.Sprintf("%s:%d:4: a quoted cell starts here and is never closed", path, next+1)
			if !strings.Contains(rest, `"`) || err.Error() != want {
				t.Fatalf("try %d: %v (the file ends in %q)", try, err, row(next - 1)[:len(row(next-1))-len(rest)])
			}
			return nil
		}
		if f.Len() != next {
			t.Fatalf("try %d: %d rows, %d on disk", try, f.Len(), next)
		}
		for i := range f.Len() {
			want := strings.TrimSuffix(row(i), "\n")
			got := strings.Replace(strings.Join(f.Cells(i), ","), "scheduling, events", `"scheduling, events"`, 1)
			if got != want && (i != f.Len()-1 || rest == "" || !strings.HasPrefix(want, got)) {
				t.Fatalf("try %d, row %d of %d: %q, want %q", try, i, f.Len(), got, want)
			}
		}
		return f
	}

	changes := 0
	deadline := time.Now().Add(10 * time.Second)
	for try := 0; try < 20 && changes == 0 && time.Now().Before(deadline); try++ {
		appendDuring(func() {
			f, err := Open(path, testSchema(nil, nil), Options{})
			switch {
			case err != nil && err.Error() == path+changedMsg:
				changes++
			case err != nil:
				var fe *FileError
				if !errors.As(err, &fe) || !strings.HasSuffix(err.Error(), ": a quoted cell starts here and is never closed") {
					t.Fatalf("try %d: %v", try, err)
				}
			case f.Len() == 0:
				t.Fatalf("try %d: no rows", try)
			}
		})
		if f := checkRead(try); f != nil {
			ed := NewEditor(f, Validate(f))
			ed.Set(0, "lastName", "King")
			appendDuring(func() {})
			if _, err := ed.Save(); err == nil || err.Error() != "save "+path+": the file changed on disk since it was read; not overwriting it" {
				t.Fatalf("try %d: save: %v", try, err)
			}
		}
	}
	if changes == 0 {
		t.Fatal("no open during appends saw the file change")
	}
	// The writer finishes its row: the file reads whole.
	fh.WriteString(rest)
	rest = ""
	if f := checkRead(-1); Validate(f).Errors() != 0 || len(f.Warnings()) != 0 {
		t.Errorf("the finished file: %+v %+v", f.Warnings(), Validate(f).Messages())
	}
}
