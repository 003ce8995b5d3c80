package atomicfile

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A failed write, whichever step fails, leaves the old file as it was and
// no temporary file beside it; a good one replaces it with the mode asked.
func TestWriteReplacesOrLeavesTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	for name, try := range map[string]func() error{
		"the content": func() error {
			return Write(path, Secret, func(w *bufio.Writer) error {
				w.WriteString("half of the new")
				w.Flush() // some of it reached the temporary file
				return boom
			})
		},
		"before the rename": func() error {
			return WriteBytes(path, Secret, []byte("new\n"), BeforeRename(func() error { return boom }))
		},
	} {
		if err := try(); !errors.Is(err, boom) {
			t.Errorf("%s fails: %v", name, err)
		}
		assertFile(t, path, "old\n", 0o644)
		assertAlone(t, dir, "f.txt")
	}
	if err := WriteBytes(path, Secret, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "new\n", Secret)
	assertAlone(t, dir, "f.txt")

	// The directory must exist unless MakeDir is given.
	deep := filepath.Join(dir, "a", "b", "g.txt")
	if err := WriteBytes(deep, 0o640, []byte("x")); err == nil {
		t.Fatal("wrote into a missing directory")
	}
	if err := WriteBytes(deep, 0o640, []byte("x"), MakeDir()); err != nil {
		t.Fatal(err)
	}
	assertFile(t, deep, "x", 0o640)
	if st, err := os.Stat(filepath.Dir(deep)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("made directory: %v %v", st.Mode(), err)
	}
}

func assertFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != content {
		t.Errorf("%s holds %q (%v), want %q", path, b, err, content)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != mode {
		t.Errorf("%s mode %v (%v), want %v", path, st.Mode().Perm(), err, mode)
	}
}

func assertAlone(t *testing.T, dir string, names ...string) {
	t.Helper()
	es, _ := os.ReadDir(dir)
	var got []string
	for _, e := range es {
		if !e.IsDir() {
			got = append(got, e.Name())
		}
	}
	if len(got) != len(names) {
		t.Errorf("%s holds %v, want %v", dir, got, names)
		return
	}
	for i := range got {
		if got[i] != names[i] {
			t.Errorf("%s holds %v, want %v", dir, got, names)
		}
	}
}

// Exclusive creates a file whole and never replaces one: of writers racing
// for one name exactly one wins, the others get os.ErrExist, and no
// temporary file is left.
func TestExclusiveNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.csv")
	if err := WriteBytes(path, Secret, []byte("first\n"), Exclusive()); err != nil {
		t.Fatal(err)
	}
	assertFile(t, path, "first\n", Secret)
	if err := WriteBytes(path, Secret, []byte("second\n"), Exclusive()); !errors.Is(err, os.ErrExist) {
		t.Fatalf("a second exclusive write: %v, want os.ErrExist", err)
	}
	assertFile(t, path, "first\n", Secret)
	assertAlone(t, dir, "report.csv")
	// A dangling symlink is a name taken too: nothing is written through it.
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(filepath.Join(dir, "nowhere.csv"), link); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(link, Secret, []byte("x"), Exclusive()); !errors.Is(err, os.ErrExist) {
		t.Errorf("through a dangling symlink: %v, want os.ErrExist", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the symlink's target was written: %v", err)
	}

	race := filepath.Join(dir, "race.csv")
	const writers = 8
	errs := make(chan error, writers)
	for i := range writers {
		go func() { errs <- WriteBytes(race, Secret, []byte{byte('a' + i)}, Exclusive()) }()
	}
	won := 0
	for range writers {
		switch err := <-errs; {
		case err == nil:
			won++
		case !errors.Is(err, os.ErrExist):
			t.Errorf("a racing writer: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d writers created %s, want exactly 1", won, race)
	}
	assertAlone(t, dir, "link.csv", "race.csv", "report.csv")
}
