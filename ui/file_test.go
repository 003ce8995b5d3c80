package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The picker offers what the signed-in target reads: a ccai session can
// choose the vendor's JSON template file, a coursedog one cannot.
func TestFilePickerOffersJSONToCCAI(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.json"), []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	st := NewStyles(true, true)
	for _, c := range []struct {
		target, types string
		selects       bool
	}{
		{"ccai", "(.csv, .xlsx, .xlsm or .json)", true},
		{"coursedog", "(.csv, .xlsx or .xlsm)", false},
	} {
		t.Run(c.target, func(t *testing.T) {
			f := newFileScreen(Defaults{StartDir: dir})
			f.setSize(80, 24)
			f.setTarget(c.target)
			var read tea.Msg = f.picker.Init()() // the directory's listing
			f.picker, _ = f.picker.Update(read)
			if screen := ansi.Strip(f.view(st, nil, 80, 24)); !strings.Contains(screen, "Choose the user file to import "+c.types) ||
				!strings.Contains(screen, "users.json") {
				t.Fatalf("screen:\n%s", screen)
			}
			enter := keyPress("enter")
			f.picker, _ = f.picker.Update(enter)
			ok, path := f.picker.DidSelectFile(enter)
			if ok != c.selects || (ok && path != filepath.Join(dir, "users.json")) {
				t.Fatalf("selected %v %q", ok, path)
			}
			if disabled, _ := f.picker.DidSelectDisabledFile(enter); disabled == c.selects {
				t.Fatalf("users.json disabled: %v", disabled)
			}
		})
	}
}
