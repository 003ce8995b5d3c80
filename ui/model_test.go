package ui

import (
	"os"

	tea "charm.land/bubbletea/v2"
	"path/filepath"
	"strings"
	"testing"

	"usersync/csvfile"
	"usersync/sync"
)

// login signs in with the prefilled sandbox identity and waits for the
// preview of the file --sandbox named.
func loginToPreview(t *testing.T, file string, tgt *memTarget) (*driver, *memBackend) {
	t.Helper()
	b := newMemBackend(tgt)
	d := newDriver(t, New(b, sandboxDefaults(file), true), 120, 40)
	d.sees("Sign in", "demo_university", "Sandbox")
	d.keys("enter")
	d.until("the preview", func(m *Model) bool { return m.screen == ScreenPreview })
	return d, b
}

func TestLoginWrongPasswordSaysSoAndStays(t *testing.T) {
	b := newMemBackend(newMemTarget())
	def := sandboxDefaults("")
	def.Login.Password = ""
	d := newDriver(t, New(b, def, true), 80, 24)
	// The password field is focused first: the only blank one.
	if d.m.login.focus != fieldPassword {
		t.Fatalf("focus on %v, want the password", fieldLabels[d.m.login.focus])
	}
	d.keys("enter")
	d.sees("Please fill in Password.")
	d.typeText("wrong")
	d.keys("enter")
	d.until("the login answer", func(m *Model) bool { return !m.login.busy })
	d.sees("Wrong email or password.")
	if d.m.screen != ScreenLogin || d.m.session != nil {
		t.Fatalf("screen %v session %v after a wrong password", d.m.screen, d.m.session)
	}
	if strings.Contains(d.view(), "wrong") {
		t.Fatal("the password is shown on screen")
	}
	// Fix the password: signed in, on the file screen.
	for range 5 {
		d.keys("backspace")
	}
	d.typeText("sandbox")
	d.keys("enter")
	d.until("the file screen", func(m *Model) bool { return m.screen == ScreenFile })
	d.sees("Choose the user file", "Sandbox · coursedog · demo_university")
	if strings.Contains(d.view(), "sandbox\n") || strings.Contains(d.view(), "•••••••") {
		t.Fatal("password residue on the file screen")
	}
}

func TestLoginUnreachableServerAndCancel(t *testing.T) {
	b := newMemBackend(newMemTarget())
	def := sandboxDefaults("")
	def.SandboxURL = ""
	def.Login.Env = EnvCustom
	def.Login.URL = "http://unreachable.test"
	d := newDriver(t, New(b, def, true), 80, 24)
	d.sees("Custom URL", "http://unreachable.test")
	d.keys("enter")
	d.until("the login answer", func(m *Model) bool { return !m.login.busy })
	d.sees("Cannot reach http://unreachable.test")

	// A slow sign-in shows the spinner; esc cancels it and stays put.
	b.loginGate = make(chan struct{})
	d.keys("enter")
	if !d.m.login.busy {
		t.Fatal("not signing in")
	}
	d.sees("Signing in…")
	d.keys("esc")
	if d.m.login.busy || d.m.screen != ScreenLogin {
		t.Fatal("esc did not cancel the sign-in")
	}
	d.sees("Sign-in cancelled.")
}

func TestLoginSavedTokenRefusedOffersPassword(t *testing.T) {
	b := newMemBackend(newMemTarget())
	def := sandboxDefaults("")
	def.SavedToken = true
	def.Login.UseSavedToken = true
	d := newDriver(t, New(b, def, true), 80, 24)
	d.sees("Saved token", "yes, use the saved token")
	if strings.Contains(d.view(), "Password") {
		t.Fatal("password asked for while using the saved token")
	}
	d.keys("enter")
	d.until("the login answer", func(m *Model) bool { return !m.login.busy })
	d.sees("The saved token was refused", "Password")
	if d.m.login.useSaved {
		t.Fatal("still set to use the refused token")
	}
}

func TestProductionIsMarkedOnLogin(t *testing.T) {
	b := newMemBackend(newMemTarget())
	def := sandboxDefaults("")
	def.Login.Env = EnvProduction
	d := newDriver(t, New(b, def, true), 80, 24)
	d.sees("PRODUCTION", "writes go to real users")
	// Choosing another environment with ← → removes the mark.
	d.m.login.focus = fieldEnv
	d.keys("right")
	if strings.Contains(d.view(), "PRODUCTION") {
		t.Fatalf("still marked Production after changing environment:\n%s", d.view())
	}
}

func TestPreviewShowsRowsCountsAndProblems(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, b := loginToPreview(t, file, newMemTarget())
	p := d.m.preview
	if p.file.Len() != 5 {
		t.Fatalf("rows = %d, want 5", p.file.Len())
	}
	d.sees("5 rows", "errors in", "ada@example.edu", "Line 2")
	d.until("the directory remembered", func(*Model) bool { return len(b.rememberedDirs()) == 1 })
	if got := b.rememberedDirs(); got[0] != filepath.Dir(file) {
		t.Fatalf("recent directory remembered as %v, want %s", got, filepath.Dir(file))
	}
	// n walks the problems in file order, N back; the detail pane names them.
	d.keys("n")
	first := d.m.preview.current()
	if d.m.preview.v.Row(first) == nil {
		t.Fatalf("n stopped on row %d without messages", first)
	}
	d.sees("Line " + itoa(d.m.preview.file.Line(first)))
	d.keys("n")
	second := d.m.preview.current()
	if second <= first {
		t.Fatalf("n went from row %d to %d", first, second)
	}
	d.keys("N")
	if got := d.m.preview.current(); got != first {
		t.Fatalf("N went back to %d, want %d", got, first)
	}
	// f shows only the problem rows.
	d.keys("f")
	if n := d.m.preview.shown(); n != len(d.m.preview.v.Problems()) {
		t.Fatalf("filter shows %d rows, want %d", n, len(d.m.preview.v.Problems()))
	}
	if strings.Contains(d.view(), "ada@example.edu") {
		t.Fatal("the filter shows a valid row")
	}
	d.keys("f")
	if d.m.preview.shown() != 5 {
		t.Fatal("filter off does not show every row")
	}
	// Scrolled right on a narrow terminal, the email column stays.
	d.send(tea.WindowSizeMsg{Width: 50, Height: 20})
	d.keys("l", "l", "l", "l")
	var header string // the table's header, under the counts (one line or two)
	for _, l := range strings.Split(d.view(), "\n") {
		if strings.HasPrefix(l, "   Line") {
			header = l
			break
		}
	}
	if !strings.Contains(header, "Email") || !strings.Contains(header, "Department") || strings.Contains(header, "First Name") {
		t.Fatalf("scrolled header %q: want Email pinned beside Department", header)
	}
}

// TestPreviewFixEditUndoSave is the fixing loop: a suggested fix with one
// key, an inline edit revalidated at once, undo, and an atomic save that
// keeps the original as .bak.
func TestPreviewFixEditUndoSave(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	p := &d.m.preview
	alan := rowWithEmail(t, p.file, "alan@example.edu")
	if p.v.OK(alan) {
		t.Fatal("the display-name product row is valid; the test data is wrong")
	}
	p.moveTo(alan)
	d.keys("x")
	p = &d.m.preview
	if !p.v.OK(alan) || p.file.Value(alan, "products") != "courseDemandProjections" {
		t.Fatalf("fix not applied: ok=%v products=%q msgs=%v", p.v.OK(alan), p.file.Value(alan, "products"), p.v.Row(alan))
	}
	d.sees("is valid now")

	// Grace has no last name: edit it inline.
	grace := rowWithEmail(t, p.file, "grace@example.edu")
	p.moveTo(grace)
	p.col = fieldIndex(t, p, "lastName")
	d.keys("e")
	if !d.m.preview.editing {
		t.Fatal("e did not start editing")
	}
	d.sees("Edit Last Name")
	d.typeText("Hopper")
	d.keys("enter")
	p = &d.m.preview
	if p.file.Value(grace, "lastName") != "Hopper" || !p.v.OK(grace) {
		t.Fatalf("edit not applied: %q %v", p.file.Value(grace, "lastName"), p.v.Row(grace))
	}
	// Esc while editing cancels the edit, not the screen.
	d.keys("e", "esc")
	if d.m.screen != ScreenPreview || d.m.preview.editing {
		t.Fatal("esc while editing left the preview")
	}
	// Undo brings the blank back, redo by editing again.
	d.keys("u")
	if d.m.preview.file.Value(grace, "lastName") != "" || d.m.preview.v.OK(grace) {
		t.Fatal("undo did not restore the blank last name")
	}
	d.keys("e")
	d.typeText("Hopper")
	d.keys("enter", "ctrl+s")
	d.until("the save", func(m *Model) bool { return !m.preview.saving })
	d.sees("original is kept as users.csv.bak")
	saved, _ := os.ReadFile(file)
	orig, _ := os.ReadFile(file + ".bak")
	if !strings.Contains(string(saved), "Grace,Hopper,grace@example.edu") || !strings.Contains(string(saved), "courseDemandProjections") {
		t.Fatalf("saved file lacks the edits:\n%s", saved)
	}
	if !strings.Contains(string(orig), "Grace,,grace@example.edu") {
		t.Fatalf("the .bak is not the original:\n%s", orig)
	}
}

func TestPreviewExclusionIsExplicit(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	bad := d.m.preview.errorRows()
	if len(bad) == 0 {
		t.Fatal("no invalid rows in the test data")
	}
	// Continuing with invalid rows asks first; n keeps fixing.
	d.keys("enter")
	if d.m.screen != ScreenPreview || d.m.openQuestion() == nil || d.m.openQuestion().kind != askExclude {
		t.Fatal("went on without asking about the invalid rows")
	}
	d.sees("still have errors", "Exclude them and continue")
	d.keys("n")
	if d.m.screen != ScreenPreview || d.m.preview.ed.Excluded() != 0 {
		t.Fatal("n excluded rows or left the preview")
	}
	// y excludes exactly the invalid rows and plans.
	d.keys("enter", "y")
	d.until("the dry run", func(m *Model) bool { return m.screen == ScreenDiff && m.diff.plan != nil })
	if got := d.m.diff.plan.Options.Exclude; len(got) != len(bad) {
		t.Fatalf("excluded %v, want the invalid rows %v", got, bad)
	}
	// Esc goes back to the preview with the exclusions intact.
	d.keys("esc")
	if d.m.screen != ScreenPreview || d.m.preview.ed.Excluded() != len(bad) {
		t.Fatal("esc lost the exclusions")
	}
	// space includes a row again.
	d.m.preview.moveTo(bad[0])
	d.keys("space")
	if d.m.preview.ed.IsExcluded(bad[0]) {
		t.Fatal("space did not include the row again")
	}
}

func rowWithEmail(t *testing.T, f *csvfile.File, email string) int {
	t.Helper()
	for i := range f.Len() {
		if f.Value(i, "email") == email {
			return i
		}
	}
	t.Fatalf("no row for %s", email)
	return -1
}

func fieldIndex(t *testing.T, p *previewScreen, key string) int {
	t.Helper()
	for c, fd := range p.fields {
		if fd.Key == key {
			return c
		}
	}
	t.Fatalf("no column %s", key)
	return -1
}

var _ = sync.Create

func TestUnsavedEditsAskBeforeQuitOrOpeningAnotherFile(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	other := copyTestdata(t, "odd_headers.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	d.m.preview.moveTo(rowWithEmail(t, d.m.preview.file, "alan@example.edu"))
	d.keys("x")
	if !d.m.unsaved() {
		t.Fatal("the fix left no unsaved edit")
	}
	// ctrl+c asks once; another key disarms it.
	d.send(keyPress("ctrl+c"))
	if !d.m.quitAsked() {
		t.Fatal("ctrl+c with unsaved edits quit at once")
	}
	d.sees("ctrl+c again quits without saving")
	d.keys("down")
	if d.m.quitAsked() {
		t.Fatal("another key did not disarm the quit")
	}
	// Opening another file asks; esc goes back with the edits intact.
	d.keys("esc")
	if d.m.screen != ScreenFile {
		t.Fatalf("esc from the preview went to %v", d.m.screen)
	}
	d.send(keyPress("tab"))
	d.m.file.path.SetValue(other)
	d.keys("enter")
	d.sees("has unsaved edits")
	if d.m.file.busy {
		t.Fatal("opened another file over unsaved edits without asking")
	}
	d.keys("esc")
	if d.m.screen != ScreenPreview || !d.m.unsaved() {
		t.Fatal("esc did not return to the edited preview")
	}
}

func TestQuestionMarkShowsEveryKey(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if strings.Contains(d.view(), "ctrl+s save file") {
		t.Fatal("the one-line help already shows everything; the test proves nothing")
	}
	d.keys("?")
	v := d.view()
	for _, want := range []string{"save file", "filter: err/warn/edited/excluded", "exclude invalid", "search", "go to line", "fix all rows like it", "delete row", "map columns", "page down", "last", "undo", "quit"} {
		if !strings.Contains(v, want) {
			t.Fatalf("full help lacks %q:\n%s", want, v)
		}
	}
	if n := len(strings.Split(v, "\n")); n != 24 || d.m.layout.Help < 2 {
		t.Fatalf("full help: %d lines, help band %d", n, d.m.layout.Help)
	}
	// While editing a cell, ? is a character.
	d.keys("?", "e", "?")
	if !d.m.preview.editing || !strings.HasSuffix(d.m.preview.input.Value(), "?") || d.m.help.ShowAll {
		t.Fatalf("? while editing: value %q, full help %v", d.m.preview.input.Value(), d.m.help.ShowAll)
	}
}

// A dry run being computed reads a snapshot of the rows: going back to the
// preview, the operator may edit and save at once (go test -race: the plan
// job and the save share nothing), the plan of the old rows is dropped, and
// the dry run made next is the plan of the file as saved.
func TestSaveWhileAPlanRuns(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, seededTarget())
	d.send(keyPress("X"))
	d.send(keyPress("enter"))
	d.until("the plan started", func(m *Model) bool { return m.diff.busy && m.diff.phase == "Planning" })
	// Back to the preview before the plan's answer is taken in; edits, a
	// deletion and the save go on while the plan job may still run.
	d.send(keyPress("esc"))
	d.m.preview.moveTo(rowWithEmail(t, d.m.preview.file, "alan@example.edu"))
	d.send(keyPress("x"))
	d.m.preview.moveTo(rowWithEmail(t, d.m.preview.file, "barbara@example.edu"))
	d.send(keyPress("D"))
	if !d.m.preview.ed.Dirty() {
		t.Fatal("the edits were refused while the plan ran")
	}
	d.send(keyPress("ctrl+s"))
	d.until("the save", func(m *Model) bool { return !m.preview.saving })
	saved, _ := os.ReadFile(file)
	if d.m.preview.ed.Dirty() || !strings.Contains(string(saved), "courseDemandProjections") || strings.Contains(string(saved), "barbara@") {
		t.Fatalf("not saved (dirty %v):\n%s", d.m.preview.ed.Dirty(), saved)
	}
	d.keys("enter")
	d.until("the new plan", func(m *Model) bool { return m.screen == ScreenDiff && !m.diff.busy && m.diff.plan != nil })

	// The plan of the saved file, read again from disk.
	f, err := csvfile.Open(file, d.m.session.Schema, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The rows X excluded (Alan's, Grace's, Edsger's) stay excluded.
	opts := d.m.diff.opts
	opts.Exclude = nil
	for _, i := range d.m.preview.ed.Exclusions() {
		opts.Exclude = append(opts.Exclude, rowWithEmail(t, f, d.m.preview.file.Value(i, "email")))
	}
	if len(opts.Exclude) != 3 {
		t.Fatalf("excluded after the save: %v", d.m.preview.ed.Exclusions())
	}
	want, err := sync.NewPlan("coursedog", f, csvfile.Validate(f), d.m.diff.existing, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := d.m.diff.plan
	if got.Counts != want.Counts || len(got.Rows) != len(want.Rows) || got.FileFingerprint != want.FileFingerprint {
		t.Fatalf("the dry run after the save: %+v (%d rows), want %+v (%d rows)", got.Counts, len(got.Rows), want.Counts, len(want.Rows))
	}
	for i := range got.Rows {
		if g, w := got.Rows[i], want.Rows[i]; g.Line != w.Line || g.Email != w.Email || g.Action != w.Action {
			t.Errorf("row %d: line %d %s %s, want line %d %s %s", i, g.Line, g.Email, g.Action, w.Line, w.Email, w.Action)
		}
	}
}

// After sign-in the read-only contract check runs; a server that differs
// from what the adapter expects is said on the file screen before any file
// is chosen. A faithful one adds nothing.
func TestContractMismatchShownBeforeTheFileStep(t *testing.T) {
	b := newMemBackend(newMemTarget())
	b.mismatches = []string{"list users: missing firstName"}
	d := newDriver(t, New(b, sandboxDefaults(""), true), 120, 40)
	d.keys("enter")
	d.until("the file screen", func(m *Model) bool { return m.screen == ScreenFile })
	d.until("the check", func(m *Model) bool { return len(m.file.contract) > 0 })
	d.sees("The server differs from what usersync expects", "list users: missing firstName", "Choose the user file")

	clean := newMemBackend(newMemTarget())
	d = newDriver(t, New(clean, sandboxDefaults(""), true), 120, 40)
	d.keys("enter")
	d.until("the file screen", func(m *Model) bool { return m.screen == ScreenFile })
	d.drain()
	if strings.Contains(d.view(), "differs") {
		t.Errorf("a faithful server was reported as different:\n%s", d.view())
	}
}
