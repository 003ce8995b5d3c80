package ui

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"usersync/csvfile"
	"usersync/csvfile/workbook"
)

// bookBackend reads workbooks as cmd_tui's backend does.
type bookBackend struct {
	*memBackend
	asked []string // the sheet of each OpenFile
}

func (b *bookBackend) OpenFile(ctx context.Context, req OpenRequest) (*csvfile.File, error) {
	b.asked = append(b.asked, req.Sheet)
	if workbook.Detect(req.Path) {
		return workbook.Open(req.Path, req.Schema, csvfile.Options{Mapping: req.Mapping, Sheet: req.Sheet, AskSheet: req.Sheet == ""})
	}
	return b.memBackend.OpenFile(ctx, req)
}

func TestWorkbookWithSeveralSheetsAsksWhich(t *testing.T) {
	x := excelize.NewFile()
	x.SetSheetName("Sheet1", "Old list")
	x.NewSheet("Staff")
	hdr := []any{"First Name", "Last Name", "Email", "Products", "Department"}
	x.SetSheetRow("Old list", "A1", &hdr)
	x.SetSheetRow("Old list", "A2", &[]any{"Old", "Timer", "old@example.edu", "events", "Mathematics"})
	x.SetSheetRow("Staff", "A1", &hdr)
	x.SetSheetRow("Staff", "A2", &[]any{"Ada", "Lovelace", "ada@example.edu", "scheduling", "Mathematics"})
	x.SetSheetRow("Staff", "A3", &[]any{"Alan", "Turing", "alan@example.edu", "catalog", "Mathematics"})
	path := filepath.Join(t.TempDir(), "staff.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	b := &bookBackend{memBackend: newMemBackend(seededTarget())}
	d := newDriver(t, New(b, sandboxDefaults(path), true), 120, 40)
	d.keys("enter")
	d.until("the sheet choice", func(m *Model) bool { return m.file.choice != nil })
	d.sees("staff.xlsx has 2 sheets with data. Which one holds the users?", "› Old list", "Staff")
	d.keys("down", "enter")
	d.until("the preview", func(m *Model) bool { return m.screen == ScreenPreview })
	if f := d.m.preview.file; f.Len() != 2 || f.Value(0, "email") != "ada@example.edu" || f.Kind() != "Excel workbook, sheet Staff" {
		t.Fatalf("previewed %d rows of %s", f.Len(), f.Kind())
	}
	if len(b.asked) != 2 || b.asked[0] != "" || b.asked[1] != "Staff" {
		t.Errorf("opened with sheets %q", b.asked)
	}
	// A fix saved from the preview goes into the workbook, on that sheet.
	p := &d.m.preview
	p.moveTo(1)
	p.col, p.colRow = fieldIndex(t, p, "lastName"), 1 // as ←/→ choose it
	d.keys("e")
	d.typeText("-Fixed")
	d.keys("enter", "ctrl+s")
	d.until("the save", func(m *Model) bool { return m.preview.saved != "" })
	y, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if v, _ := y.GetCellValue("Staff", "B3"); v != "Turing-Fixed" {
		t.Errorf("Staff!B3 saved as %q", v)
	}
	if v, _ := y.GetCellValue("Old list", "B2"); v != "Timer" {
		t.Errorf("the other sheet changed: %q", v)
	}
}

func TestFilePickerOffersWorkbooks(t *testing.T) {
	for _, target := range []string{"coursedog", "ccai"} {
		found := false
		for _, ext := range fileTypes(target) {
			found = found || ext == ".xlsx"
		}
		if !found {
			t.Errorf("%s: the picker offers %q", target, fileTypes(target))
		}
	}
}
