package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"usersync/csvfile"
	"usersync/sync/coursedog"
	"usersync/ui"
)

// The README's first command (usersync --sandbox testdata/users.csv) must
// never change a tracked file: against the in-process sandbox the guided
// import works on a copy of each file it opens, in its own folder, where
// its saves, mapping, journal and reports go. The original is untouched.
func TestSandboxWorksOnACopy(t *testing.T) {
	src := filepath.Join(t.TempDir(), "users.csv")
	orig, err := os.ReadFile("testdata/users.csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src+".mapping", []byte("Given=First Name\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	b := &tuiBackend{getenv: func(string) string { return "" }, sandboxURL: "http://127.0.0.1:1", workDir: work}
	schema := coursedog.NewSchema(nil, nil)
	f, err := b.OpenFile(context.Background(), ui.OpenRequest{Path: src, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Path(), filepath.Join(work, "users.csv"); got != want {
		t.Fatalf("opened %s, want the copy %s", got, want)
	}
	if m, err := os.ReadFile(filepath.Join(work, "users.csv.mapping")); err != nil || string(m) != "Given=First Name\n" {
		t.Errorf("the mapping was not copied beside the copy: %q %v", m, err)
	}
	ed := csvfile.NewEditor(f, csvfile.Validate(f))
	if err := ed.Set(0, "lastName", "Edited"); err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Save(); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(src); !bytes.Equal(now, orig) {
		t.Error("saving in the sandbox changed the original file")
	}
	if _, err := os.Stat(src + ".bak"); err == nil {
		t.Error("saving in the sandbox left a .bak beside the original")
	}
	// Opening the same file again goes on with the copy and its fixes.
	again, err := b.OpenFile(context.Background(), ui.OpenRequest{Path: src, Schema: schema})
	if err != nil || again.Path() != f.Path() || again.Value(0, "lastName") != "Edited" {
		t.Fatalf("reopened %v %q, want the edited copy", err, again.Value(0, "lastName"))
	}
	// A file already in the work folder is used in place.
	inPlace, err := b.OpenFile(context.Background(), ui.OpenRequest{Path: f.Path(), Schema: schema})
	if err != nil || inPlace.Path() != f.Path() {
		t.Fatalf("a file in the work folder: %v %s", err, inPlace.Path())
	}
	// Without the in-process sandbox, files are opened where they are.
	real := &tuiBackend{getenv: func(string) string { return "" }}
	if g, err := real.OpenFile(context.Background(), ui.OpenRequest{Path: src, Schema: schema}); err != nil || g.Path() != src {
		t.Fatalf("outside the sandbox: %v %s", err, g.Path())
	}
}
