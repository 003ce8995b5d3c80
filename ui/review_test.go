package ui

import (
	tea "charm.land/bubbletea/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/csvfile"
)

// writeTemp writes a user file into a fresh folder.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPreviewSearchFindsAnyCellAndJumpsToLines(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	d.keys("/")
	if d.m.openPrompt() == nil {
		t.Fatal("/ opened no search")
	}
	d.typeText("COMPUTING")
	d.keys("enter")
	p := &d.m.preview
	if got := p.file.Value(p.current(), "email"); got != "alan@example.edu" || p.fields[p.col].Key != "department" {
		t.Fatalf("first match: %s, column %s", got, p.fields[p.col].Key)
	}
	d.sees(`"COMPUTING" found on line 3, Department`, "Line 3")
	d.keys("]")
	if got := p.file.Value(p.current(), "email"); got != "edsger@example" {
		t.Fatalf("next match: %s", got)
	}
	d.keys("]", "]") // Barbara, then around to Alan
	if got := p.file.Value(p.current(), "email"); got != "alan@example.edu" {
		t.Fatalf("wrapped match: %s", got)
	}
	d.keys("[")
	if got := p.file.Value(p.current(), "email"); got != "barbara@example.edu" {
		t.Fatalf("previous match: %s", got)
	}
	// A match in another column of the same row comes before the next row.
	d.keys("g", "/")
	d.m.openPrompt().setValue(0, "ada")
	d.keys("enter")
	d.keys("/", "enter")
	if c := p.fields[p.col].Key; p.current() != 0 || c != "email" {
		t.Fatalf("second match on Ada's row: row %d column %s", p.current(), c)
	}
	d.keys("/")
	d.m.openPrompt().setValue(0, "nobody")
	d.keys("enter")
	d.sees(`"nobody" is not in the file.`)
	// : jumps to a file line.
	d.keys(":")
	d.typeText("5")
	d.keys("enter")
	if got := p.file.Line(p.current()); got != 5 {
		t.Fatalf(": 5 went to line %d", got)
	}
	d.keys(":")
	d.typeText("1")
	d.keys("enter")
	d.sees("Line 1 is the header")
	// esc closes a prompt, not the screen.
	d.keys("/", "esc")
	if d.m.screen != ScreenPreview || d.m.openPrompt() != nil {
		t.Fatal("esc in the search left the preview")
	}
}

func TestPreviewFilterTellsErrorsWarningsEditedAndExcludedApart(t *testing.T) {
	file := writeTemp(t, "users.csv", "First Name,Last Name,Email,Products,Department\n"+
		"Ada,Lovelace,ada@example.edu,scheduling, Mathematics\n"+ // a warning: spaces
		"Alan,Turing,alan@example.edu,Course Demand Projections,Computing\n"+
		"Grace,,grace@example.edu,scheduling,Navy\n"+
		"Barbara,Liskov,barbara@example.edu,curriculum,Computing\n")
	d, _ := loginToPreview(t, file, newMemTarget())
	p := &d.m.preview
	d.keys("f")
	if p.filter != filterErrors || len(p.visible) != 2 {
		t.Fatalf("errors filter: %v %v", p.filter, p.visible)
	}
	d.sees("showing rows with errors (2)")
	d.keys("f")
	if p.filter != filterWarnings || len(p.visible) != 1 || p.visible[0] != 0 {
		t.Fatalf("warnings filter: %v %v", p.filter, p.visible)
	}
	d.keys("f") // no edited row, no excluded row: back to every row
	if p.filter != filterAll || p.visible != nil {
		t.Fatalf("after warnings: %v", p.filter)
	}
	p.moveTo(1)
	d.keys("x", "down", "space")
	d.keys("f", "f") // no errors left: warnings, then edited
	if p.filter != filterEdited || len(p.visible) != 1 || p.visible[0] != 1 {
		t.Fatalf("edited filter: %v %v", p.filter, p.visible)
	}
	d.keys("f")
	if p.filter != filterOut || len(p.visible) != 1 || p.visible[0] != 2 {
		t.Fatalf("excluded filter: %v %v", p.filter, p.visible)
	}
	d.sees("⊘ 1 excluded", "✓ no errors")
}

func TestPreviewFixAllRowsWithTheSameProblemIsOneUndo(t *testing.T) {
	var b strings.Builder
	b.WriteString("First Name,Last Name,Email,Products,Department\n")
	for _, n := range []string{"a", "b", "c", "d"} {
		b.WriteString(n + "," + n + "," + n + "@example.edu,\"scheduling, Course Demand Projections\",X\n")
	}
	b.WriteString("e,e,e@example.edu,Course Demand Projections,X\n")
	b.WriteString("f,f,f@example.edu,scheduling,X\n")
	file := writeTemp(t, "users.csv", b.String())
	d, _ := loginToPreview(t, file, newMemTarget())
	d.keys("n", "a")
	p := &d.m.preview
	if d.m.openQuestion() == nil || d.m.openQuestion().kind != askFixAll {
		t.Fatal("a did not ask first")
	}
	d.sees("5 rows have this problem in Products", "fix them all")
	d.keys("y")
	if p.v.Errors() != 0 || p.file.Raw(0, "products") != "scheduling, courseDemandProjections" || p.file.Raw(4, "products") != "courseDemandProjections" {
		t.Fatalf("after fix all: %d errors, %q", p.v.Errors(), p.file.Raw(0, "products"))
	}
	d.sees("Fixed 5 rows", "No errors left.")
	d.keys("u")
	if p.v.Errors() != 5 || p.ed.Dirty() {
		t.Fatalf("one undo: %d errors, dirty %v", p.v.Errors(), p.ed.Dirty())
	}
	// n keeps fixing one by one.
	d.keys("a", "n")
	if p.v.Errors() != 5 || d.m.openQuestion() != nil {
		t.Fatal("n to the question fixed rows")
	}
}

func TestPreviewFillReplaceAndDelete(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	p := &d.m.preview
	p.col = fieldIndex(t, p, "department")
	// Replace in the rows with errors only.
	d.keys("f", "r")
	d.sees("Replace in Department in the 3 rows shown (rows with errors)")
	d.typeText("Computing")
	d.keys("tab")
	d.typeText("Computer Science")
	d.keys("enter")
	alan, barbara := rowWithEmail(t, p.file, "alan@example.edu"), rowWithEmail(t, p.file, "barbara@example.edu")
	if p.file.Value(alan, "department") != "Computer Science" || p.file.Value(barbara, "department") != "Computing" {
		t.Fatalf("replace: Alan %q, Barbara %q", p.file.Value(alan, "department"), p.file.Value(barbara, "department"))
	}
	d.sees(`"Computing" replaced in 2 Department cells`)
	// Fill every row.
	for range 5 {
		if p.filter == filterAll {
			break
		}
		d.keys("f")
	}
	if p.filter != filterAll {
		t.Fatalf("filter %v", p.filter)
	}
	d.keys("=")
	d.sees("Fill Department in all 5 rows")
	d.typeText("Mathematics")
	d.keys("enter")
	for i := range p.file.Len() {
		if p.file.Value(i, "department") != "Mathematics" {
			t.Fatalf("row %d: %q", i, p.file.Value(i, "department"))
		}
	}
	d.keys("u")
	if p.file.Value(barbara, "department") != "Computing" || p.file.Value(alan, "department") != "Computer Science" {
		t.Fatal("undo of the fill")
	}
	// Delete Edsger's row: gone from the file on save.
	edsger := rowWithEmail(t, p.file, "edsger@example")
	p.moveTo(edsger)
	d.keys("D")
	if !p.ed.IsDeleted(edsger) || p.v.RowsWithErrors() != 2 {
		t.Fatalf("deleted %v, rows with errors %d", p.ed.IsDeleted(edsger), p.v.RowsWithErrors())
	}
	d.sees("will be deleted from the file when it is saved", "− 1 deleted on save")
	d.keys("ctrl+s")
	d.until("the save", func(m *Model) bool { return !m.preview.saving })
	saved, _ := os.ReadFile(file)
	if strings.Contains(string(saved), "edsger") || p.file.Len() != 4 {
		t.Fatalf("saved:\n%s", saved)
	}
}

func TestExcludingADuplicateResolvesThePair(t *testing.T) {
	file := writeTemp(t, "users.csv", "First Name,Last Name,Email,Products,Department\n"+
		"Ada,Lovelace,ada@example.edu,scheduling,X\n"+
		"Ada,Byron,ada@example.edu,scheduling,X\n"+
		"Alan,Turing,alan@example.edu,scheduling,X\n")
	d, _ := loginToPreview(t, file, seededTarget())
	p := &d.m.preview
	if p.v.RowsWithErrors() != 2 {
		t.Fatalf("the duplicate pair: %d rows with errors", p.v.RowsWithErrors())
	}
	p.moveTo(1)
	d.keys("space")
	if !p.v.OK(0) || p.v.Errors() != 0 {
		t.Fatalf("after excluding line 3: row 0 %v, %d errors", p.v.Row(0), p.v.Errors())
	}
	d.sees("⊘ 1 excluded", "✓ no errors")
	// Nothing asks at enter: the other row is fine; the excluded one is skipped.
	d.keys("enter")
	d.until("the plan", func(m *Model) bool { return m.diff.plan != nil && !m.diff.busy })
	if c := d.m.diff.plan.Counts; c.Skip != 1 || c.Update+c.Create+c.Unchanged != 2 {
		t.Fatalf("plan %+v", c)
	}
}

func TestEditGoesToTheProblemColumnAtAnyWidth(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	d.send(tea80x24())
	p := &d.m.preview
	p.col = fieldIndex(t, p, "department") // as after working on another row
	p.colRow = 0
	grace := rowWithEmail(t, p.file, "grace@example.edu")
	p.moveTo(grace)
	d.keys("e")
	if fd := p.selectedField(); !p.editing || fd.Key != "lastName" {
		t.Fatalf("e edits %s", fd.Key)
	}
	d.sees("Edit Last Name")
	header := strings.Split(d.view(), "\n")[2]
	if !strings.Contains(header, "Last Name") {
		t.Fatalf("the edited column is not on screen: %q", header)
	}
	d.keys("esc")
	// n selects the problem's column too.
	p.col = fieldIndex(t, p, "firstName")
	d.keys("g", "n")
	if fd := p.selectedField(); fd.Key != "products" {
		t.Fatalf("n selected %s on Alan's row", fd.Key)
	}
	// A column chosen on the row itself is edited as chosen.
	p.moveTo(grace)
	d.keys("left", "left", "left")
	chosen := p.selectedField().Key
	d.keys("e")
	if fd := p.selectedField(); fd.Key != chosen || chosen == "lastName" {
		t.Fatalf("chosen column: e edits %s", fd.Key)
	}
}

func TestRemapFromThePreview(t *testing.T) {
	file := writeTemp(t, "users.csv", "First Name,Last Name,Email,Work Email,Products\n"+
		"Ada,Lovelace,ada@home.example,ada@example.edu,scheduling\n")
	d, b := loginToPreview(t, file, newMemTarget())
	if got := d.m.preview.file.Value(0, "email"); got != "ada@home.example" {
		t.Fatalf("email %q", got)
	}
	d.keys("M")
	if d.m.screen != ScreenMapping {
		t.Fatalf("M went to %v", d.m.screen)
	}
	d.sees("Not imported: Work Email")
	// Email is the third field: move the choice from Email to Work Email.
	d.keys("down", "down", "right")
	d.sees("Not imported: Email")
	d.keys("s")
	d.until("the mapping saved", func(m *Model) bool { return m.mapping.saved != "" })
	d.keys("enter")
	d.until("the preview again", func(m *Model) bool { return m.screen == ScreenPreview && !m.file.busy })
	if got := d.m.preview.file.Value(0, "email"); got != "ada@example.edu" {
		t.Fatalf("remapped email %q", got)
	}
	if b.mappings[file]["Work Email"] != "Email" || b.mappings[file]["Email"] != "" {
		t.Fatalf("saved mapping %v", b.mappings[file])
	}
	// esc from a remap goes back to the preview.
	d.keys("M", "esc")
	if d.m.screen != ScreenPreview {
		t.Fatalf("esc went to %v", d.m.screen)
	}
}

func TestStatusBelongsToItsScreen(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, newMemTarget())
	d.sees("rows read from users.csv")
	d.keys("esc")
	if strings.Contains(d.view(), "rows read from users.csv") {
		t.Fatal("the preview's status followed to the file screen")
	}
}

func TestSavingAWindows1252FileAsksBeforeChangingItsEncoding(t *testing.T) {
	file := writeTemp(t, "users.csv", "First Name,Last Name,Email,Products,Department\n"+
		"Zo\xeb,Ng,zoe@example.edu,scheduling,X\n")
	d, _ := loginToPreview(t, file, newMemTarget())
	p := &d.m.preview
	p.col = fieldIndex(t, p, "lastName")
	p.colRow = 0
	d.keys("e")
	p.input.SetValue("Nguyễn")
	d.keys("enter", "ctrl+s")
	d.until("the save", func(m *Model) bool { return !m.preview.saving })
	if d.m.openQuestion() == nil || d.m.openQuestion().kind != askEncoding {
		t.Fatalf("no question; status %q", d.m.status.text)
	}
	d.sees("Windows-1252 cannot store", "save as UTF-8")
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "Zo\xeb") {
		t.Fatal("saved before asking")
	}
	d.keys("y")
	d.until("the save", func(m *Model) bool { return !m.preview.saving })
	b, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(b), "\uFEFF") || !strings.Contains(string(b), "Zoë,Nguyễn") || p.file.Encoding() != csvfile.EncUTF8BOM {
		t.Fatalf("saved %q", b)
	}
}

func tea80x24() tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: 80, Height: 24} }

// With a filter on, n and N stay among the rows it shows.
func TestNextProblemStaysInTheFilter(t *testing.T) {
	file := writeTemp(t, "users.csv", "First Name,Last Name,Email,Products,Department\n"+
		"Ada,Lovelace,ada@example.edu,scheduling, Mathematics\n"+ // a warning
		"Alan,Turing,alan@example.edu,Course Demand Projections,Computing\n"+
		"Grace,Hopper,grace@example.edu,scheduling, Navy\n"+ // a warning
		"Barbara,,barbara@example.edu,curriculum,Computing\n")
	d, _ := loginToPreview(t, file, newMemTarget())
	p := &d.m.preview
	d.keys("f", "f") // warnings only
	if p.filter != filterWarnings {
		t.Fatalf("filter %v", p.filter)
	}
	if p.current() != 2 {
		t.Fatalf("the filter put the cursor on row %d", p.current())
	}
	for _, want := range []int{0, 2, 0} {
		d.keys("n")
		if p.current() != want || p.filter != filterWarnings {
			t.Fatalf("n went to row %d (filter %v), want %d", p.current(), p.filter, want)
		}
	}
	d.keys("N")
	if p.current() != 2 {
		t.Fatalf("N went to row %d", p.current())
	}
}
