package ui

import (
	"image/color"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// The tests in this file run the whole program (a real tea.Program, in
// teatest's virtual terminal, ASCII colours) one screen at a time: keys
// in, then the screen's text and the model's state out.

// watched is the model as the program runs it, keeping the last frame it
// drew so a test can wait for text on the screen. (The renderer writes
// only changed cells, so the terminal output never holds whole lines.)
type watched struct {
	*Model
	mu    *gosync.Mutex
	frame *string
}

func (w watched) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := w.Model.Update(msg)
	return w, cmd
}

func (w watched) View() tea.View {
	v := w.Model.View()
	w.mu.Lock()
	*w.frame = ansi.Strip(v.Content)
	w.mu.Unlock()
	return v
}

type program struct {
	*teatest.TestModel
	w watched
}

func startProgram(t *testing.T, b Backend, d Defaults, w, h int) *program {
	t.Helper()
	wm := watched{Model: New(b, d, false), mu: &gosync.Mutex{}, frame: new(string)}
	tm := teatest.NewTestModel(t, wm, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	// Terminal queries go unanswered in tests: say the background is dark.
	tm.Send(tea.BackgroundColorMsg{Color: color.Black})
	return &program{TestModel: tm, w: wm}
}

func (p *program) screen() string {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	return *p.w.frame
}

// waitText waits until the program has drawn text.
func waitText(t *testing.T, p *program, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.screen(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the screen never showed %q; it shows:\n%s", text, p.screen())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func press(tm *program, keys ...string) {
	for _, k := range keys {
		tm.Send(keyPress(k))
		time.Sleep(30 * time.Millisecond)
	}
}

// finish quits and returns the final model and its last screen as text.
func finish(t *testing.T, tm *program) (*Model, string) {
	t.Helper()
	tm.Send(keyPress("ctrl+c"))
	tm.Send(keyPress("ctrl+c")) // unsaved edits ask once
	m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(watched).Model
	return m, ansi.Strip(m.View().Content)
}

func contains(t *testing.T, screen string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(screen, s) {
			t.Fatalf("screen lacks %q:\n%s", s, screen)
		}
	}
}

func TestScreenLogin(t *testing.T) {
	def := sandboxDefaults("")
	def.File = ""
	def.Login.Password = ""
	tm := startProgram(t, newMemBackend(newMemTarget()), def, 80, 24)
	waitText(t, tm, "Sign in to the user-management API")
	tm.Type("sandbox")
	press(tm, "enter")
	waitText(t, tm, "Choose the user file")
	m, screen := finish(t, tm)
	if m.Screen() != ScreenFile || m.session == nil || m.session.Account != "demo_university" {
		t.Fatalf("after sign-in: screen %v session %+v", m.Screen(), m.session)
	}
	contains(t, screen, "step 2 of 6", "Sandbox · coursedog · demo_university", "Choose the user file to import (.csv, .xlsx or .xlsm)")
	if strings.Contains(screen, "sandbox\n") {
		t.Fatal("the password is on screen")
	}
}

func TestScreenFilePickerAndTypedPath(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	if err := os.WriteFile(filepath.Join(filepath.Dir(file), "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	def := sandboxDefaults(file)
	def.File = ""
	tm := startProgram(t, newMemBackend(newMemTarget()), def, 80, 24)
	waitText(t, tm, "Sign in")
	press(tm, "enter")
	waitText(t, tm, "Choose the user file")
	waitText(t, tm, "users.csv")
	// notes.txt cannot be imported: it is not listed.
	waitText(t, tm, "1 other file")
	if strings.Contains(tm.screen(), "notes.txt") {
		t.Fatalf("notes.txt listed:\n%s", tm.screen())
	}
	press(tm, "enter")
	waitText(t, tm, "Line")
	m, screen := finish(t, tm)
	if m.Screen() != ScreenPreview || m.preview.file.Path() != file {
		t.Fatalf("screen %v, file %v", m.Screen(), m.preview.file)
	}
	contains(t, screen, "5 rows", "step 3 of 6")

	// The typed path: tab, type, enter.
	tm = startProgram(t, newMemBackend(newMemTarget()), def, 80, 24)
	press(tm, "enter")
	waitText(t, tm, "Choose the user file")
	press(tm, "tab")
	waitText(t, tm, "Path:")
	for range len(filepath.Dir(file)) + 1 {
		tm.Send(keyPress("backspace"))
	}
	tm.Type(file)
	press(tm, "enter")
	waitText(t, tm, "Line")
	m, _ = finish(t, tm)
	if m.Screen() != ScreenPreview {
		t.Fatalf("typed path: screen %v", m.Screen())
	}
}

func TestScreenColumnMapping(t *testing.T) {
	file := copyTestdata(t, "odd_headers.csv")
	b := newMemBackend(newMemTarget())
	tm := startProgram(t, b, sandboxDefaults(file), 100, 30)
	press(tm, "enter")
	waitText(t, tm, "which column holds each field?")
	// First Name is selected first (required, unmatched): Vorname is the
	// file's first header. Then Last Name ← Nachname, Email ← Mail.
	press(tm, "right", "down", "right", "right", "down", "right", "right", "right", "s")
	waitText(t, tm, "saved to")
	press(tm, "enter")
	waitText(t, tm, "Line")
	m, screen := finish(t, tm)
	if m.Screen() != ScreenPreview {
		t.Fatalf("screen %v after mapping:\n%s", m.Screen(), screen)
	}
	if got := m.preview.file.Value(0, "email"); got != "ada@example.edu" {
		t.Fatalf("mapped email = %q", got)
	}
	saved := b.mappings[file]
	if saved["Vorname"] != "First Name" || saved["Nachname"] != "Last Name" || saved["Mail"] != "Email" {
		t.Fatalf("saved mapping %v", saved)
	}
}

func TestScreenPreview(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tm := startProgram(t, newMemBackend(newMemTarget()), sandboxDefaults(file), 80, 24)
	press(tm, "enter")
	waitText(t, tm, "errors in")
	press(tm, "n") // Alan: the product given by name
	waitText(t, tm, `x: use "courseDemandProjections"`)
	press(tm, "x")
	waitText(t, tm, "is valid now")
	press(tm, "f")
	waitText(t, tm, "showing rows with errors")
	// Save while the program keeps drawing (the race detector watches).
	press(tm, "ctrl+s")
	waitText(t, tm, "the original is kept as users.csv.bak")
	m, screen := finish(t, tm)
	p := m.preview
	alan := rowWithEmail(t, p.file, "alan@example.edu")
	if !p.v.OK(alan) || p.filter == filterAll || p.ed.Dirty() {
		t.Fatalf("fix: ok=%v filter=%v dirty=%v", p.v.OK(alan), p.filter, p.ed.Dirty())
	}
	contains(t, screen, "showing rows with errors", "enter dry run")
	if saved, _ := os.ReadFile(file); !strings.Contains(string(saved), "courseDemandProjections") {
		t.Fatalf("not saved:\n%s", saved)
	}
}

func TestScreenDiff(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tm := startProgram(t, newMemBackend(seededTarget()), sandboxDefaults(file), 100, 30)
	press(tm, "enter")
	waitText(t, tm, "errors in")
	press(tm, "X", "enter")
	waitText(t, tm, "unchanged")
	press(tm, "r")
	waitText(t, tm, "[x] replace")
	press(tm, "enter")
	waitText(t, tm, "This will:")
	m, screen := finish(t, tm)
	d := m.diff
	if m.Screen() != ScreenDiff || !m.confirming() || !d.plan.Options.Replace {
		t.Fatalf("screen %v confirming %v replace %v", m.Screen(), m.confirming(), d.plan.Options.Replace)
	}
	contains(t, screen, "+ 0 create", "~ 1 update", "= 1 unchanged", "⊘ 3 skipped", "1 user updated in coursedog Sandbox", "Replace mode")
}

func TestScreenProgressAndSummary(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	tgt.hold = make(chan struct{})
	tm := startProgram(t, newMemBackend(tgt), sandboxDefaults(file), 100, 30)
	press(tm, "enter")
	waitText(t, tm, "errors in")
	press(tm, "X", "enter")
	waitText(t, tm, "unchanged")
	press(tm, "enter", "y")
	waitText(t, tm, "Applying the plan")
	press(tm, "p")
	waitText(t, tm, "paused")
	press(tm, "p")
	close(tgt.hold)
	waitText(t, tm, "Import finished")
	m, screen := finish(t, tm)
	if m.Screen() != ScreenSummary || m.LastRun() == nil || m.LastRun().Counts.Update != 1 {
		t.Fatalf("summary: screen %v run %+v", m.Screen(), m.LastRun())
	}
	contains(t, screen, "1 updated", "0 failed", "Report", "Journal", "Backup", "step 6 of 6")
	if a, _ := tgt.user("ada@example.edu"); a.Fields["department"] != "Mathematics" {
		t.Fatalf("Ada after apply: %+v", a)
	}
}

func TestEveryScreenFits80x24AndRedrawsOnResize(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, seededTarget())
	check := func(name string) {
		t.Helper()
		for _, size := range [][2]int{{80, 24}, {60, 15}, {120, 40}} {
			d.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			lines := strings.Split(d.view(), "\n")
			if len(lines) != size[1] {
				t.Fatalf("%s at %dx%d: %d lines", name, size[0], size[1], len(lines))
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Fatalf("%s at %dx%d: a line of %d columns: %q", name, size[0], size[1], w, l)
				}
			}
		}
		d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	}
	check("preview")
	d.keys("X", "enter")
	d.until("the plan", func(m *Model) bool { return m.diff.plan != nil && !m.diff.busy })
	check("diff")
	d.keys("enter", "y")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	check("summary")
	d.keys("o")
	check("file")
	if d.m.screen != ScreenFile {
		t.Fatal("o did not start another import")
	}
}

// The review keys through the whole program: a search, a fix for every
// row like one, a filter, a remap and the dry run's filter and expansion.
func TestScreenReviewKeys(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.csv")
	content := "First Name,Last Name,Email,Work Email,Products,Department\n" +
		"Ada,Lovelace,ada@home.example,ada@example.edu,scheduling,Mathematics\n" +
		"Alan,Turing,alan@home.example,alan@example.edu,Course Demand Projections,Computing\n" +
		"Grace,Hopper,grace@home.example,grace@example.edu,\"scheduling, Course Demand Projections\",Navy\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	tm := startProgram(t, newMemBackend(seededTarget()), sandboxDefaults(file), 100, 30)
	press(tm, "enter")
	waitText(t, tm, "2 errors in 2 rows")
	press(tm, "/")
	waitText(t, tm, "Search every cell")
	tm.Type("navy")
	press(tm, "enter")
	waitText(t, tm, `"navy" found on line 4, Department`)
	press(tm, "g", "n", "a")
	waitText(t, tm, "2 rows have this problem in Products")
	press(tm, "y")
	waitText(t, tm, "Fixed 2 rows")
	press(tm, "f")
	waitText(t, tm, "showing edited rows (2)")
	press(tm, "M") // a remap reads the file again: save first
	waitText(t, tm, "Save the edits first")
	press(tm, "f", "ctrl+s")
	waitText(t, tm, "the original is kept as users.csv.bak")
	press(tm, "M")
	waitText(t, tm, "Not imported: Work Email")
	press(tm, "down", "down", "right")
	waitText(t, tm, "Not imported: Email")
	press(tm, "enter")
	waitText(t, tm, "ada@example.edu")
	press(tm, "enter")
	waitText(t, tm, "~ 1 update")
	press(tm, "f", "f", "e")
	waitText(t, tm, "showing Update")
	waitText(t, tm, "Physics → Mathematics")
	m, screen := finish(t, tm)
	if m.Screen() != ScreenDiff || m.diff.onlyAction != "update" {
		t.Fatalf("screen %v, action filter %q", m.Screen(), m.diff.onlyAction)
	}
	if got := m.preview.file.Value(0, "email"); got != "ada@example.edu" {
		t.Fatalf("remapped email %q", got)
	}
	contains(t, screen, "ada@example.edu", "Department")
}
