//go:build linux

package atomicfile_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/xuri/excelize/v2"

	"usersync/csvfile"
	"usersync/csvfile/workbook"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// writer is one of usersync's file writers: write (re)writes the file at
// path (call n, from 0), check reads it back the way its reader does.
type writer struct {
	name  string
	mode  os.FileMode // the mode the file has after a write
	setup func(t *testing.T, path string)
	write func(path string, n int) error
	check func(t *testing.T, path string)
}

// Every file usersync writes survives a write (content and mode), and a
// write that fails half way (the file size limit stops it after a few
// bytes, as a full disk would) leaves the old file byte for byte, with its
// mode, and nothing else beside it.
func TestEveryWriterSurvivesAndFailsWhole(t *testing.T) {
	schema := coursedog.NewSchema(nil, nil)
	csvUsers := "First Name,Last Name,Email,Products\nAda,Lovelace,ada@example.edu,scheduling\nAlan,Turing,alan@example.edu,curriculum\n"
	editAndSave := func(open func(string) (*csvfile.File, error)) func(string, int) error {
		return func(path string, n int) error {
			f, err := open(path)
			if err != nil {
				return err
			}
			ed := csvfile.NewEditor(f, csvfile.Validate(f))
			if err := ed.Set(0, "lastName", "Lovelace-"+strings.Repeat("x", n+1)); err != nil {
				return err
			}
			_, err = ed.Save()
			return err
		}
	}
	lastNameIs := func(open func(string) (*csvfile.File, error)) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			f, err := open(path)
			if err != nil {
				t.Fatal(err)
			}
			if v := f.Value(0, "lastName"); !strings.HasPrefix(v, "Lovelace-x") {
				t.Errorf("saved last name %q", v)
			}
		}
	}
	openCSV := func(p string) (*csvfile.File, error) { return csvfile.Open(p, schema, csvfile.Options{}) }
	openXLSX := func(p string) (*csvfile.File, error) { return workbook.Open(p, schema, csvfile.Options{}) }

	writers := []writer{
		{name: "the sandbox's state", mode: 0o600,
			write: func(path string, n int) error {
				srv, err := sandbox.Start(sandbox.Options{Users: 3, StateFile: path})
				if err != nil {
					return err
				}
				return srv.Close()
			},
			check: func(t *testing.T, path string) {
				srv, err := sandbox.Start(sandbox.Options{StateFile: path})
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Close()
				if n := len(srv.Users()); n != 3 {
					t.Errorf("state holds %d users", n)
				}
			}},
		{name: "the token file", mode: 0o600,
			setup: func(t *testing.T, path string) { // readable by others before: 0600 after
				os.WriteFile(path, []byte("# mine\n"), 0o644)
			},
			write: func(path string, n int) error {
				return coursedog.SaveToken(path, "tok-"+strings.Repeat("t", n+1), "https://staging.coursedog.com", "uni", "a@example.edu")
			},
			check: func(t *testing.T, path string) {
				ts, err := coursedog.FindToken(func(string) string { return "" }, path)
				if err != nil || !strings.HasPrefix(ts.Token, "tok-t") {
					t.Errorf("token %v", err)
				}
			}},
		{name: "a saved plan", mode: 0o600,
			write: func(path string, n int) error {
				return sync.SavePlan(path, &sync.Plan{Target: "coursedog", File: strings.Repeat("u", n+1) + ".csv", FileFingerprint: "f", UsersFingerprint: "u"})
			},
			check: func(t *testing.T, path string) {
				if p, err := sync.LoadPlan(path); err != nil || !strings.HasSuffix(p.File, ".csv") {
					t.Errorf("plan %+v %v", p, err)
				}
			}},
		{name: "a report", mode: 0o600,
			write: func(path string, n int) error {
				return sync.WriteReport(path, &sync.Plan{Target: "coursedog", File: strings.Repeat("u", n+1) + ".csv"}, &sync.Run{})
			},
			check: func(t *testing.T, path string) {
				if b, err := os.ReadFile(path); err != nil || len(b) == 0 {
					t.Errorf("report %q %v", b, err)
				}
			}},
		{name: "a mapping", mode: 0o644,
			write: func(path string, n int) error {
				return csvfile.SaveMapping(path, map[string]string{"Mail" + strings.Repeat("l", n): "Email", "Vorname": "First Name"})
			},
			check: func(t *testing.T, path string) {
				if m, err := csvfile.LoadMapping(path); err != nil || m["Vorname"] != "First Name" {
					t.Errorf("mapping %v %v", m, err)
				}
			}},
		{name: "fixes saved into a CSV", mode: 0o640,
			setup: func(t *testing.T, path string) { os.WriteFile(path, []byte(csvUsers), 0o640) },
			write: editAndSave(openCSV), check: lastNameIs(openCSV)},
		{name: "fixes saved into a workbook", mode: 0o640,
			setup: func(t *testing.T, path string) {
				x := excelize.NewFile()
				for r, line := range strings.Split(strings.TrimSpace(csvUsers), "\n") {
					for c, v := range strings.Split(line, ",") {
						cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
						x.SetCellStr("Sheet1", cell, v)
					}
				}
				if err := x.SaveAs(path); err != nil {
					t.Fatal(err)
				}
				os.Chmod(path, 0o640)
			},
			write: editAndSave(openXLSX), check: lastNameIs(openXLSX)},
	}
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "file")
			if w.name == "fixes saved into a workbook" {
				path += ".xlsx"
			}
			if w.setup != nil {
				w.setup(t, path)
			}
			if err := w.write(path, 0); err != nil {
				t.Fatal(err)
			}
			w.check(t, path)
			assertMode(t, path, w.mode)
			old, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			before := names(t, dir)

			// The same write again (a little longer), stopped half way.
			err = withFileSizeLimit(t, uint64(len(old)/2), func() error { return w.write(path, 1) })
			if err == nil {
				t.Fatal("the write did not fail under the size limit")
			}
			if now, _ := os.ReadFile(path); string(now) != string(old) {
				t.Fatalf("a failed write changed the file (%v)", err)
			}
			assertMode(t, path, w.mode)
			w.check(t, path)
			if after := names(t, dir); after != before {
				t.Errorf("left behind: %s, before %s", after, before)
			}

			if err := w.write(path, 2); err != nil {
				t.Fatal(err)
			}
			w.check(t, path)
			assertMode(t, path, w.mode)
		})
	}
}

// withFileSizeLimit runs f with the process's file size limit at n bytes
// (RLIMIT_FSIZE; Go ignores the SIGXFSZ it raises, so writes past it fail
// with EFBIG). The tests of this package do not run in parallel.
func withFileSizeLimit(t *testing.T, n uint64, f func() error) error {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	lim := old
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	defer func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Fatal(err)
		}
	}()
	return f()
}

func assertMode(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != mode {
		t.Errorf("mode %v (%v), want %v", st.Mode().Perm(), err, mode)
	}
}

func names(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, e := range es {
		s = append(s, e.Name())
	}
	return strings.Join(s, " ")
}
