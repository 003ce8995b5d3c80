package ui

import (
	"bytes"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	"usersync/sync"
)

// Golden files of every screen at 80×24 and 120×40, so a layout change
// shows as a diff: go test ./ui -run TestGoldenScreens -update rewrites
// them (testdata/TestGoldenScreens/*.golden). Frames go through an ASCII
// colour profile (no colours; bold and reverse kept); the fixture folder's
// path and the time a validation took are replaced by fixed words.

// goldenDir is a short fixture folder, so no path on screen is shortened
// differently from one run to the next.
func goldenDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "g")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, name := range []string{"users.csv", "odd_headers.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var tookRE = regexp.MustCompile(`validated in \d+ ms`)

// frame is the model's frame as an ASCII terminal shows it.
func frame(t *testing.T, d *driver, dir string) string {
	t.Helper()
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.Ascii}
	if _, err := w.WriteString(d.m.View().Content); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(b.String(), dir, "/DIR")
	return tookRE.ReplaceAllString(out, "validated in N ms")
}

func TestGoldenScreens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, h := size[0], size[1]
		suffix := "_" + itoa(w) + "x" + itoa(h)
		shot := func(t *testing.T, d *driver, dir, name string) {
			t.Helper()
			t.Run(name, func(t *testing.T) { golden.RequireEqual(t, frame(t, d, dir)) })
		}
		t.Run("import"+suffix, func(t *testing.T) {
			dir := goldenDir(t)
			file := filepath.Join(dir, "users.csv")
			def := sandboxDefaults(file)
			def.File = ""
			tgt := seededTarget()
			d := newDriver(t, New(newMemBackend(tgt), def, false), w, h)
			d.send(tea.BackgroundColorMsg{Color: color.Black})
			shot(t, d, dir, "login")
			d.keys("enter")
			d.until("the picker's listing", func(m *Model) bool { return len(m.file.picker.entries) > 0 })
			shot(t, d, dir, "file")
			d.keys("down", "enter") // users.csv, after odd_headers.csv
			d.until("the preview", func(m *Model) bool { return m.screen == ScreenPreview })
			shot(t, d, dir, "preview")
			d.keys("n")
			shot(t, d, dir, "preview_problem")
			d.keys("?")
			shot(t, d, dir, "preview_keys")
			d.keys("?", "/")
			d.typeText("comp")
			shot(t, d, dir, "preview_search")
			d.keys("enter", "f")
			shot(t, d, dir, "preview_filtered")
			d.keys("f", "f", "f", "f", "enter")
			shot(t, d, dir, "preview_exclude_question")
			d.keys("y")
			d.until("the plan", func(m *Model) bool { return m.diff.plan != nil && !m.diff.busy })
			shot(t, d, dir, "diff")
			d.keys("e")
			shot(t, d, dir, "diff_expanded")
			d.keys("?")
			shot(t, d, dir, "diff_keys")
			d.keys("?", "enter")
			shot(t, d, dir, "diff_confirm")
			tgt.hold = make(chan struct{})
			d.keys("y")
			d.until("the progress", func(m *Model) bool { return m.screen == ScreenProgress })
			shot(t, d, dir, "progress")
			close(tgt.hold)
			d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
			shot(t, d, dir, "summary")
		})
		t.Run("relogin"+suffix, func(t *testing.T) {
			// The session ends while listing the users for the dry run:
			// the sign-in again is drawn over the dry run's screen.
			dir := goldenDir(t)
			b := newMemBackend(seededTarget())
			b.failList = &sync.Error{Kind: sync.KindUnauthorized, Status: 401, Op: "list users", Msg: "token revoked"}
			d := newDriver(t, New(b, sandboxDefaults(filepath.Join(dir, "users.csv")), false), w, h)
			d.send(tea.BackgroundColorMsg{Color: color.Black})
			d.keys("enter")
			d.until("the preview", func(m *Model) bool { return m.screen == ScreenPreview })
			d.keys("X", "enter")
			d.until("the sign-in again", func(m *Model) bool { return m.signingInAgain() && !m.login.busy })
			shot(t, d, dir, "relogin")
		})
		t.Run("left_out"+suffix, func(t *testing.T) {
			// Ada's row deleted (not saved), the invalid rows excluded: the
			// dry run tells the one from the others, in the list and the pane.
			dir := goldenDir(t)
			d := newDriver(t, New(newMemBackend(seededTarget()), sandboxDefaults(filepath.Join(dir, "users.csv")), false), w, h)
			d.send(tea.BackgroundColorMsg{Color: color.Black})
			d.keys("enter")
			d.until("the preview", func(m *Model) bool { return m.screen == ScreenPreview })
			d.keys("D", "X", "enter")
			d.until("the plan", func(m *Model) bool { return m.diff.plan != nil && !m.diff.busy })
			d.keys("down") // Ada's row, under the Skipped heading
			shot(t, d, dir, "diff_deleted")
		})
		t.Run("create_pane"+suffix, func(t *testing.T) {
			// A create with more fields than the pane has lines: the pane
			// says how many more and how to see them; expanded, the cursor
			// on a field shows it, whole, with what is above and below.
			dir := goldenDir(t)
			fields, err := os.ReadFile(filepath.Join("testdata", "many_fields.csv"))
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "many_fields.csv")
			if err := os.WriteFile(file, fields, 0o644); err != nil {
				t.Fatal(err)
			}
			d := newDriver(t, New(newMemBackend(newMemTarget()), sandboxDefaults(file), false), w, h)
			d.send(tea.BackgroundColorMsg{Color: color.Black})
			d.keys("enter")
			d.until("the preview", func(m *Model) bool { return m.screen == ScreenPreview })
			d.keys("enter")
			d.until("the plan", func(m *Model) bool { return m.diff.plan != nil && !m.diff.busy })
			d.keys("down")
			shot(t, d, dir, "diff_create")
			d.keys("space", "down", "down", "down", "down")
			shot(t, d, dir, "diff_create_field")
			d.keys("down", "down")
			shot(t, d, dir, "diff_create_last_field")
		})
		t.Run("mapping"+suffix, func(t *testing.T) {
			dir := goldenDir(t)
			d := newDriver(t, New(newMemBackend(newMemTarget()), sandboxDefaults(filepath.Join(dir, "odd_headers.csv")), false), w, h)
			d.send(tea.BackgroundColorMsg{Color: color.Black})
			d.keys("enter")
			d.until("the mapping", func(m *Model) bool { return m.screen == ScreenMapping })
			shot(t, d, dir, "mapping")
		})
	}
}
