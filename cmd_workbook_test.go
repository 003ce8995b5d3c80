package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"usersync/sandbox"
)

// writeWorkbook builds users.xlsx in dir: one sheet, "Staff", with the
// rows (row 1 the header).
func writeWorkbook(t *testing.T, dir string, rows [][]any) string {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", "Staff")
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Staff", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "users.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidateWorkbookNamesExcelCells(t *testing.T) {
	dir := t.TempDir()
	path := writeWorkbook(t, dir, [][]any{
		{"First Name", "Last Name", "Email", "Products", "Unique ID"},
		{"Ada", "Lovelace", "ada@example.edu", "scheduling", int64(123456789012345)},
		{"Alan", "Turing", "alan at example.edu", "catalog"},
		{"Grace", "Hopper", "grace@example.edu", "curriculm"},
		{"Ada", "Byron", "ADA@example.edu", "events"},
	})
	code, stdout, stderr := runOffline(t, "validate", path)
	want := path + `: 4 rows for coursedog (Excel workbook, sheet Staff)

Errors (4 in 4 rows; Email 3, Products 1):
  on more than one row (2):
` + path + `: Staff!C2 (Email): this email is also on row 5
` + path + `: Staff!C5 (Email): this email is also on row 2
  not a bare email address (1):
` + path + `: Staff!C3 (Email): "alan at example.edu" is not an email address: it contains a space
  not an allowed value (1):
` + path + `: Staff!D4 (Products): "curriculm" is not a product key; did you mean "curriculum"?
    fix: use "curriculum"

` + path + `: 0 rows valid, 4 rows with errors; 4 errors, 0 warnings
`
	if code != exitRowsFailed || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr\n%s\nwant\n%s", code, stdout, stderr, want)
	}

	code, stdout, _ = runOffline(t, "validate", path, "--json")
	var r validateReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || code != exitRowsFailed {
		t.Fatalf("exit %d: %v\n%s", code, err, stdout)
	}
	var wheres []string
	for _, m := range r.Messages {
		wheres = append(wheres, m.Where)
	}
	if got := strings.Join(wheres, " "); got != "Staff!C2 (Email) Staff!C3 (Email) Staff!D4 (Products) Staff!C5 (Email)" || r.Messages[1].Line != 3 {
		t.Errorf("JSON places %q, line %d", got, r.Messages[1].Line)
	}

	// A sheet that is not there, in JSON: the error says where it looked.
	code, stdout, _ = runOffline(t, "validate", path, "--json", "--sheet", "Nope")
	if code != exitUsage || !strings.Contains(stdout, `"message":"the workbook has no sheet Nope; its sheets are Staff"`) {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

// TestApplyWorkbook imports a workbook into the sandbox: the 15-digit ID
// arrives whole, and the report names the Excel cell of a skipped row.
func TestApplyWorkbook(t *testing.T) {
	srv, tok := sandboxToken(t, sandbox.Options{Users: 5, Seed: 17})
	dir := t.TempDir()
	path := writeWorkbook(t, dir, [][]any{
		{"First Name", "Last Name", "Email", "Products", "Unique ID"},
		{"Ada", "Lovelace", "ada.xlsx@example.edu", "scheduling", int64(123456789012345)},
		{"Alan", "Turing", "alan at example.edu", "catalog"},
	})
	report := filepath.Join(dir, "report.csv")
	code, _, stderr := runCmd(t, tok, "apply", path, "--env", srv.URL(), "--school", sandbox.DemoSchool, "--yes",
		"--no-registration-mail", "--sheet", "staff", "--report", report)
	if code != exitRowsFailed {
		t.Fatalf("apply exit %d:\n%s", code, stderr)
	}
	u, ok := srv.User("ada.xlsx@example.edu")
	if !ok || u.ExternalID != "123456789012345" || u.LastName != "Lovelace" {
		t.Errorf("created %v %+v", ok, u)
	}
	fh, err := os.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var skipped string
	for _, r := range recs[1:] {
		if r[0] == "3" {
			skipped = r[3] + ": " + r[6]
		}
	}
	if want := `skipped: Staff!C3 (Email): "alan at example.edu" is not an email address: it contains a space`; skipped != want {
		t.Errorf("report row 3 %q, want %q", skipped, want)
	}
	if srv.Stats().MailsSent != 0 {
		t.Error("a registration mail was sent")
	}
}

// TestWorkbookOnStandardInput: a workbook piped in (`usersync validate -
// < users.xlsx`, or process substitution) is refused, as a zip cannot be
// read as it streams; the message told the operator to save it as CSV,
// although the very same workbook is read when given by its name.
func TestWorkbookOnStandardInput(t *testing.T) {
	dir := t.TempDir()
	path := writeWorkbook(t, dir, [][]any{{"First Name", "Last Name", "Email", "Products"}, {"Ada", "Lovelace", "ada@example.edu", "events"}})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	env := &cmdEnv{stdin: strings.NewReader(string(data)), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := run(env, []string{"validate", "-"})
	want := "usersync validate: <stdin>: this is an Excel workbook or a zip archive, not a CSV file; " +
		"a workbook is read from its file, not from standard input or a pipe: give its name (usersync validate users.xlsx)\n"
	if code != exitUsage || errb.String() != want {
		t.Errorf("exit %d, stderr\n%s\nwant\n%s", code, errb.String(), want)
	}
	if code, _, stderr := runOffline(t, "validate", path); code != exitOK {
		t.Errorf("by its name: exit %d\n%s", code, stderr)
	}
}
