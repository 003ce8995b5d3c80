package ui

import (
	"os"
	"time"

	"path/filepath"
	"strings"
	"testing"
	"usersync/sync"

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
			// A file the target cannot read is not listed.
			if screen := ansi.Strip(f.view(st, nil, 80, 24)); !strings.Contains(screen, "Choose the user file to import "+c.types) ||
				strings.Contains(screen, "users.json") != c.selects {
				t.Fatalf("screen:\n%s", screen)
			}
			enter := keyPress("enter")
			f.picker, _ = f.picker.Update(enter)
			ok, path := f.picker.DidSelectFile(enter)
			if ok != c.selects || (ok && path != filepath.Join(dir, "users.json")) {
				t.Fatalf("selected %v %q", ok, path)
			}
		})
	}
}

// The picker lists folders and the files the target reads, but none of
// what usersync writes beside a file: each name below comes from the code
// that makes it.
func TestFilePickerHidesUsersyncOutputs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.csv")
	m := New(newMemBackend(newMemTarget()), Defaults{Now: func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }}, true)
	m.preview.path = file
	imp := m.importPaths()
	run := &sync.Run{JournalPath: imp.journal, ReportPath: imp.report, BackupPath: imp.backup}
	retry := m.retryPaths(run)
	// A second retry in the same second has a journal of its own.
	m.journals = []string{imp.journal, retry.journal}
	retry2 := m.retryPaths(run)
	if retry2.journal == retry.journal {
		t.Fatalf("two retries in one second share the journal %s", retry.journal)
	}
	rb := m.rollbackPaths(imp.journal)
	// A name taken in the same second gets -2 (a report, sync.FreeBackupPath).
	second := func(p string) string { return strings.TrimSuffix(p, filepath.Ext(p)) + "-2" + filepath.Ext(p) }
	outputs := []string{imp.journal, imp.report, strings.TrimSuffix(imp.report, ".csv") + ".json", imp.backup,
		retry.journal, retry.report, rb.journal, rb.report, rb.backup, strings.TrimSuffix(rb.report, ".csv") + ".json",
		retry2.journal, second(imp.report), second(imp.backup), second(rb.report), second(retry.report),
		file + ".bak", file + ".mapping", filepath.Join(dir, "users.plan.json"), strings.TrimSuffix(imp.journal, ".jsonl") + ".rollback-plan.json"}
	keep := []string{file, filepath.Join(dir, "report.csv"), filepath.Join(dir, "users.json.csv"), filepath.Join(dir, "backup-users.csv")}
	for _, p := range append(outputs, keep...) {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "old"), 0o755); err != nil {
		t.Fatal(err)
	}
	f := newFileScreen(Defaults{StartDir: dir})
	f.setSize(80, 40)
	f.setTarget("ccai") // .json too: backups and reports are JSON
	f.picker, _ = f.picker.Update(f.picker.Init()())
	var names []string
	for _, e := range f.picker.entries {
		names = append(names, e.name)
	}
	want := []string{"old", "backup-users.csv", "report.csv", "users.csv", "users.json.csv"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("listed %v, want %v (outputs %v)", names, want, outputs)
	}
	screen := ansi.Strip(f.view(NewStyles(true, true), nil, 80, 40))
	if !strings.Contains(screen, itoa(len(outputs))+" other files") {
		t.Fatalf("screen:\n%s", screen)
	}
	// enter opens a folder, h climbs back.
	f.picker, _ = f.picker.Update(keyPress("enter"))
	if f.picker.CurrentDirectory != filepath.Join(dir, "old") {
		t.Fatalf("in %s", f.picker.CurrentDirectory)
	}
}

// A file name that holds terminal controls is shown escaped.
func TestFilePickerEscapesNames(t *testing.T) {
	dir := t.TempDir()
	name := "evil\x1b[2J\u202e.csv"
	if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFileScreen(Defaults{StartDir: dir})
	f.setSize(80, 24)
	f.picker, _ = f.picker.Update(f.picker.Init()())
	screen := f.view(NewStyles(true, true), nil, 80, 24)
	if strings.Contains(screen, "\x1b[2J") || strings.Contains(screen, "\u202e") || !strings.Contains(screen, `evil\x1b[2J\u202e.csv`) {
		t.Fatalf("screen %q", screen)
	}
}
