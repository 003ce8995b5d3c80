package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"usersync/csvfile"
	"usersync/csvfile/textsafe"
)

// frameProblem returns what in a frame is neither text that shows as
// itself, a line feed nor one of the program's own style sequences (SGR,
// ESC [ … m), or "".
func frameProblem(frame string) string {
	for i := 0; i < len(frame); {
		if n := sgrLen(frame[i:]); n > 0 {
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(frame[i:])
		if r != '\n' && (textsafe.Classify(r) != textsafe.Plain || (r == utf8.RuneError && size == 1)) {
			lo, hi := max(0, i-30), min(len(frame), i+30)
			return textsafe.Describe(r) + " in …" + textsafe.Show(frame[lo:hi]) + "…"
		}
		i += size
	}
	return ""
}

// TestHostileFilesOnScreen opens every file of testdata/hostile in the
// guided import, with colours and with NO_COLOR, and walks the preview row
// by row (each row's messages in the detail pane) and on to the dry run:
// no frame holds a control character, bidi or invisible character but its
// line feeds and the program's own styles (the files hold OSC 52, clear
// screen, retitle, BEL, BS, C1, DEL, bidi overrides, zero-width
// characters, escapes in headers and in the mapping file beside one).
func TestHostileFilesOnScreen(t *testing.T) {
	entries, err := os.ReadDir("../testdata/hostile")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if name == "generate.go" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".mapping") {
			continue
		}
		for _, noColor := range []bool{false, true} {
			t.Run(name+map[bool]string{true: " NO_COLOR"}[noColor], func(t *testing.T) {
				path, _ := filepath.Abs(filepath.Join("../testdata/hostile", name))
				b := newMemBackend(newMemTarget())
				if m, err := loadMappingIfAny(path); err == nil {
					b.mappings[path] = m
				}
				d := newDriver(t, New(b, sandboxDefaults(path), noColor), 120, 40)
				frames := 0
				check := func(where string) {
					t.Helper()
					frames++
					if p := frameProblem(d.m.View().Content); p != "" {
						t.Fatalf("%s: %s\n%s", where, p, d.view())
					}
				}
				check("sign-in")
				d.keys("enter")
				d.until("the file opened", func(m *Model) bool {
					return m.screen == ScreenPreview || m.screen == ScreenMapping || (m.screen == ScreenFile && !m.file.busy && m.file.err != "")
				})
				check(d.m.screen.String())
				if d.m.screen != ScreenPreview {
					return
				}
				for range d.m.preview.file.Len() {
					d.keys("down")
					check("preview line " + itoa(d.m.preview.file.Line(d.m.preview.current())))
				}
				d.keys("enter")
				if q := d.m.preview.ask; q != nil && q.kind == askExclude {
					check("exclude?")
					if len(d.m.preview.askRows) == d.m.preview.file.Len() {
						return // nothing left to plan
					}
					d.keys("y")
				}
				d.until("the dry run", func(m *Model) bool { return m.screen == ScreenDiff && !m.diff.busy })
				check("dry run")
				for range 6 {
					d.keys("down")
					check("dry run")
				}
			})
		}
	}
}

// loadMappingIfAny reads FILE.mapping beside a file, as the guided import
// does (cmd_tui.go's backend).
func loadMappingIfAny(path string) (map[string]string, error) {
	return csvfile.LoadMapping(path + ".mapping")
}

// TestControlCharacterNamedOnScreen: an ESC in an email or a name is named
// in the detail pane, and the quoted value shows it escaped (the screen
// used to strip the ESC and show `it contains "` with nothing after it).
func TestControlCharacterNamedOnScreen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.csv")
	data := "First Name,Last Name,Email,Products\n" +
		"Ada,Lovelace,ada\x1b[2J@example.edu,scheduling\n" +
		"Grace\x1b]52;c;eA==\x07,Hopper,grace@example.edu,scheduling\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	d, _ := loginToPreview(t, path, newMemTarget())
	d.sees(`"ada\x1b[2J@example.edu" is not an email address: it contains U+001B (ESC)`)
	d.keys("down")
	d.sees(`"Grace\x1b]52;c;eA==\x07" contains U+001B (ESC) and 1 more control or bidi character`, "x: remove them")
	if p := frameProblem(d.m.View().Content); p != "" {
		t.Fatal(p)
	}
}
