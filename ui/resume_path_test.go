package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"usersync/sync"
)

// The guided import started with a file named relative to the folder it
// ran in (`usersync users.csv`), interrupted: the printed resume command
// named the file as typed, so in a new shell (another folder) it failed.
// It names the file by its full path.
func TestResumeCommandNamesTheFileFromAnywhere(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	t.Chdir(filepath.Dir(file))
	tgt := seededTarget()
	tgt.hold = make(chan struct{})
	d, _ := loginToPreview(t, "users.csv", tgt)
	fixAndPlan(t, d)
	d.keys("enter", "y")
	d.until("the progress screen", func(m *Model) bool { return m.screen == ScreenProgress })
	d.keys("ctrl+c")
	d.until("the interrupted summary", func(m *Model) bool { return m.screen == ScreenSummary })
	c := d.m.ResumeCommand()
	if !strings.HasPrefix(c, "usersync apply "+file+" ") {
		t.Fatalf("resume command %q, want it to name %s", c, file)
	}
	tgt.mu.Lock()
	tgt.hold = nil
	tgt.mu.Unlock()
}

// A workbook read from the sheet the operator chose (not the first with
// data): the printed resume command left out --sheet, so it read another
// sheet and was refused as another file.
func TestResumeCommandNamesTheChosenSheet(t *testing.T) {
	x := excelize.NewFile()
	x.SetSheetName("Sheet1", "Old list")
	x.NewSheet("Staff 2026")
	hdr := []any{"First Name", "Last Name", "Email", "Products", "Department"}
	x.SetSheetRow("Old list", "A1", &hdr)
	x.SetSheetRow("Old list", "A2", &[]any{"Old", "Timer", "old@example.edu", "events", "Mathematics"})
	x.SetSheetRow("Staff 2026", "A1", &hdr)
	x.SetSheetRow("Staff 2026", "A2", &[]any{"Ada", "Lovelace", "ada@example.edu", "scheduling", "Mathematics"})
	path := filepath.Join(t.TempDir(), "staff.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	b := &bookBackend{memBackend: newMemBackend(seededTarget())}
	d := newDriver(t, New(b, sandboxDefaults(path), true), 120, 40)
	d.keys("enter")
	d.until("the sheet choice", func(m *Model) bool { return m.file.choice != nil })
	d.keys("down", "enter")
	d.until("the preview", func(m *Model) bool { return m.screen == ScreenPreview })
	c := d.m.resumeCommand(&sync.Run{JournalPath: "j.jsonl"})
	if !strings.Contains(c, " --sheet 'Staff 2026' ") {
		t.Fatalf("resume command %q, want --sheet 'Staff 2026'", c)
	}
}
