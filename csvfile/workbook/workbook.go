// Package workbook reads a user list straight from an Excel workbook
// (.xlsx) into a csvfile.File, naming places as Excel does ("Users!C15"),
// and writes the operator's fixes back into the same workbook. It reads
// hostile workbooks in bounded memory and time: see the limits in
// archive.go. excelize formats the cells; this package's own strict
// reader of the sheet's XML says what each cell is and refuses damage
// that excelize's row iterator would pass over in silence.
package workbook

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"

	"usersync/csvfile"
)

// options are the excelize options of every open: the limits explicit,
// and the locale's short date (Excel's default date format) read as an
// ISO date, which no one reads the wrong way round.
func options() excelize.Options {
	return excelize.Options{
		UnzipSizeLimit:    MaxUnzipped,
		UnzipXMLSizeLimit: MaxInMemory,
		ShortDatePattern:  "yyyy-mm-dd",
	}
}

// Open reads the user list on one sheet of the workbook at path: the
// sheet opts.Sheet names, or else the first visible sheet with data (with
// a warning when others have data too; opts.AskSheet makes that an error
// listing them). Row 1 is the header. Every failure is a
// *csvfile.FileError.
func Open(path string, schema *csvfile.Schema, opts csvfile.Options) (f *csvfile.File, err error) {
	fail := func(format string, args ...any) (*csvfile.File, error) {
		return nil, &csvfile.FileError{Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	// failWith names the file in a sheet's error: a *csvfile.FileError
	// keeps its line and column, anything else becomes one.
	failWith := func(err error) (*csvfile.File, error) {
		var fe *csvfile.FileError
		if errors.As(err, &fe) {
			fe.Path = path
			return nil, fe
		}
		return fail("%v", err)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, "cannot open the file", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fileError(path, "cannot open the file", err)
	}
	switch {
	case st.IsDir():
		return fail("this is a folder, not a file")
	case !st.Mode().IsRegular():
		return fail("this is not a regular file; save the workbook to a file and open that")
	case st.Size() > MaxFileSize:
		return fail("the workbook is %s, larger than the %d MiB a list of users needs; "+
			"save the list on its own (or as CSV UTF-8)", sizeText(uint64(st.Size())), MaxFileSize>>20)
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(fh, head)
	switch h := string(head[:n]); {
	case h == oleMagic:
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			return nil, fileError(path, "cannot read the file", err)
		}
		return fail("%s", compoundFile(io.LimitReader(fh, MaxFileSize)))
	case n == 0:
		return fail("the file is empty")
	case h[:min(n, 4)] != zipMagic[:min(n, 4)] && h[:min(n, 4)] != zipEmpty[:min(n, 4)]:
		return fail("the file is named like an Excel workbook but is not one (an .xlsx is a zip archive); " +
			"if it is a CSV file, give it a .csv name")
	}
	zr, err := zip.NewReader(fh, st.Size())
	if err != nil {
		return fail("the workbook is damaged: it is not a readable zip archive (%v); open it in Excel and save it again", err)
	}
	// excelize is trusted with checked input only, and even so a panic
	// in it on a workbook no one foresaw is a message, not a crash.
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, &csvfile.FileError{Path: path, Msg: fmt.Sprintf("the workbook cannot be read (%v); open it in Excel and save it again", p)}
		}
	}()
	a, err := checkArchive(zr)
	if err != nil {
		return fail("%v", err)
	}
	sheets, err := a.sheets()
	if err != nil {
		return fail("%v", err)
	}
	ex, err := excelize.OpenReader(io.NewSectionReader(fh, 0, st.Size()), options())
	if err != nil {
		return fail("the workbook cannot be read (%v); open it in Excel and save it again", err)
	}
	defer ex.Close()

	sh, warns, err := chooseSheet(a, sheets, opts)
	if err != nil {
		return failWith(err)
	}
	src := &source{path: path, sheet: sh.name, size: a.parts[sh.part].UncompressedSize64}
	recs, err := readSheet(a, ex, sh, src)
	if err != nil {
		return failWith(err)
	}
	recs.Warnings = append(warns, recs.Warnings...)
	recs.Mapping = opts.Mapping
	recs.Disk = st
	if now, err := os.Stat(path); err == nil && changed(st, now) {
		return fail("the file changed while it was being read; wait until the program writing it has finished, then open it again")
	}
	f, err = csvfile.FromSource(path, schema, src, recs)
	if err != nil {
		var fe *csvfile.FileError
		if errors.As(err, &fe) && len(fe.Missing) > 0 {
			// A workbook has no delimiter to get wrong.
			if i := strings.Index(fe.Msg, " (one column holding "); i >= 0 {
				if j := strings.IndexByte(fe.Msg[i:], ')'); j >= 0 {
					fe.Msg = fe.Msg[:i] + fe.Msg[i+j+1:]
				}
			}
			if row := headerBelow(schema, src.early, opts.Mapping); row > 0 {
				fe.Msg = fmt.Sprintf("%s; the header seems to be on row %d: it must be on row 1, so delete the rows above it in Excel", fe.Msg, row)
			}
		}
		return nil, err
	}
	return f, nil
}

func changed(was, now os.FileInfo) bool {
	return now.Size() != was.Size() || !now.ModTime().Equal(was.ModTime()) || !os.SameFile(was, now)
}

func fileError(path, what string, err error) *csvfile.FileError {
	msg := err.Error()
	var pe *os.PathError
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	return &csvfile.FileError{Path: path, Msg: what + ": " + msg, Err: err}
}

// chooseSheet picks the sheet to read and warns of the others with data.
func chooseSheet(a *archive, sheets []sheetRef, opts csvfile.Options) (sheetRef, []csvfile.Message, error) {
	if len(sheets) == 0 {
		return sheetRef{}, nil, errors.New("the workbook has no sheets")
	}
	if opts.Sheet != "" {
		for _, s := range sheets {
			if strings.EqualFold(s.name, opts.Sheet) {
				if s.part == "" {
					return s, nil, fmt.Errorf("sheet %s is a chart, not a sheet of cells", sheetName(s.name))
				}
				return s, nil, nil
			}
		}
		return sheetRef{}, nil, fmt.Errorf("the workbook has no sheet %s; its sheets are %s", sheetName(opts.Sheet), sheetList(sheets, false))
	}
	var withData []sheetRef
	for _, s := range sheets {
		if s.hidden || s.part == "" {
			continue
		}
		has, err := hasData(a.parts[s.part])
		if err != nil {
			return s, nil, fmt.Errorf("sheet %s is damaged: %v; open the workbook in Excel and save it again", sheetName(s.name), err)
		}
		if has {
			withData = append(withData, s)
		}
	}
	switch {
	case len(withData) == 0:
		return sheetRef{}, nil, errors.New("the workbook has no visible sheet with data")
	case len(withData) > 1 && opts.AskSheet:
		names := make([]string, len(withData))
		for i, s := range withData {
			names[i] = s.name
		}
		return sheetRef{}, nil, &csvfile.FileError{Sheets: names,
			Msg: "the workbook has " + fmt.Sprint(len(withData)) + " sheets with data (" + sheetList(withData, true) + "); choose one"}
	case len(withData) > 1:
		return withData[0], []csvfile.Message{{Severity: csvfile.Warning,
			Text: "read sheet " + sheetName(withData[0].name) + "; the workbook has other sheets with data (" +
				sheetList(withData[1:], true) + "): --sheet NAME reads another"}}, nil
	}
	return withData[0], nil, nil
}

// hasData reports whether a sheet has any cell with a value.
func hasData(f *zip.File) (bool, error) {
	rc, err := f.Open()
	if err != nil {
		return false, err
	}
	defer rc.Close()
	sr := newSheetReader(rc)
	for {
		row, ok, err := sr.next()
		if err != nil || !ok {
			return false, err
		}
		for _, c := range row.cells {
			if c.value {
				return true, nil
			}
		}
	}
}

func sheetList(sheets []sheetRef, onlyShown bool) string {
	var names []string
	for _, s := range sheets {
		if onlyShown && s.hidden {
			continue
		}
		n := sheetName(s.name)
		if s.hidden {
			n += " (hidden)"
		}
		names = append(names, n)
		if len(names) == 10 {
			names = append(names, fmt.Sprintf("%d more", len(sheets)-10))
			break
		}
	}
	return strings.Join(names, ", ")
}

// headerBelow finds, among the first rows, one that holds the header the
// first row lacks: a title above the header is a common layout.
func headerBelow(schema *csvfile.Schema, early []earlyRow, mapping map[string]string) int {
	for _, r := range early {
		if _, _, ferr := csvfile.MatchHeaders(schema, r.cells, mapping); ferr == nil {
			return r.num
		}
	}
	return 0
}
