package workbook

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"usersync/csvfile"
)

// source is one sheet of a workbook as csvfile sees it: it names places
// as Excel does and writes edited cells back into the workbook.
type source struct {
	path, sheet string
	size        uint64 // the sheet's XML, unzipped
	// What must not be written over, as read: formula cells (Excel row,
	// 0-based column), merged ranges, array formulas' ranges.
	formulas map[[2]int]bool
	merges   []cellRange
	arrays   []cellRange
	// early are the first rows whole, to find a header that is not on
	// row 1.
	early []earlyRow
}

type earlyRow struct {
	num   int
	cells []string
}

// Place names a cell as Excel does, "Users!C15", or a row, "Users row 15".
func (s *source) Place(line, col int) string {
	if col < 0 {
		return s.sheetRef() + " row " + strconv.Itoa(line)
	}
	return s.sheetRef() + "!" + cellName(col, line)
}

// maxSaveSheet bounds the sheet a save rewrites: excelize holds the whole
// sheet in memory to change a cell, about 13 times its XML.
var maxSaveSheet uint64 = MaxInMemory

// Kind says what the file is.
func (s *source) Kind() string { return "Excel workbook, sheet " + sheetName(s.sheet) }

// sheetRef is the sheet's name as a reference writes it: quoted when it
// holds anything but letters, digits and underscores ('Staff 2026'!A1).
func (s *source) sheetRef() string { return sheetName(s.sheet) }

// sheetName writes a sheet name for a message: as a reference to it, and
// with anything a terminal would act on escaped (the name is the file's).
func sheetName(name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			plain = false
			break
		}
	}
	if !plain {
		name = "'" + strings.ReplaceAll(name, "'", "''") + "'"
	}
	return safeText(name)
}

// safeText escapes what is not printable, bidi controls included.
func safeText(s string) string {
	if len(s) > 100 {
		cut := 100
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) || unicode.Is(unicode.Bidi_Control, r) {
			q := strconv.QuoteToGraphic(s)
			return q[1 : len(q)-1]
		}
	}
	return s
}

// quoteText quotes a cell's value for a message.
func quoteText(s string) string {
	if len(s) > 60 {
		cut := 57
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return `"` + safeText(s) + `"`
}

// Write writes the workbook with the edited cells of the sheet set, each
// as text (a value that starts with = stays text, never a formula); every
// other cell, sheet, format and formula is left as it is. It refuses,
// before writing anything, an edit it cannot make faithfully: a cell
// computed by a formula, one in a merged range or an array formula, a
// value longer than Excel's cell or with characters a workbook cannot
// hold.
func (s *source) Write(w io.Writer, edits []csvfile.CellEdit) (err error) {
	if s.size > maxSaveSheet {
		return fmt.Errorf("sheet %s is too large to write fixes back into (%s of XML; the limit is %s): "+
			"make the fixes in Excel, where the messages name each cell, or save the sheet as CSV UTF-8 and import that",
			sheetName(s.sheet), sizeText(s.size), sizeText(maxSaveSheet))
	}
	for _, e := range edits {
		if err := s.writable(e); err != nil {
			return err
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write %s: %v", s.path, p)
		}
	}()
	// Read through a handle, not by name: excelize would refuse to write a
	// workbook whose name does not end .xlsx (one sent as users.csv).
	fh, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("open %s to save it: %w", s.path, err)
	}
	defer fh.Close()
	ex, err := excelize.OpenReader(fh, options())
	if err != nil {
		return fmt.Errorf("open %s to save it: %w", s.path, err)
	}
	defer ex.Close()
	for _, e := range edits {
		if err := ex.SetCellStr(s.sheet, cellName(e.Col, e.Line), e.Value); err != nil {
			return fmt.Errorf("set %s: %w", s.Place(e.Line, e.Col), err)
		}
	}
	return ex.Write(w)
}

func (s *source) writable(e csvfile.CellEdit) error {
	where := s.Place(e.Line, e.Col)
	if s.formulas[[2]int{e.Line, e.Col}] {
		return fmt.Errorf("%s is computed by a formula; change the formula or what it reads in Excel "+
			"(usersync writes plain values only, so it leaves formulas alone)", where)
	}
	for _, m := range s.merges {
		if m.contains(e.Col+1, e.Line) {
			return fmt.Errorf("%s is part of the merged cells %s; unmerge them in Excel, or make the change there", where, m.ref)
		}
	}
	for _, m := range s.arrays {
		if m.contains(e.Col+1, e.Line) {
			return fmt.Errorf("%s is part of an array formula (%s); change it in Excel", where, m.ref)
		}
	}
	if n := len(utf16.Encode([]rune(e.Value))); n > maxText {
		return fmt.Errorf("%s: the new value has %d characters, more than an Excel cell holds (%d)", where, n, maxText)
	}
	for _, r := range e.Value {
		if r == utf8.RuneError || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			return fmt.Errorf("%s: the new value holds the control character %U, which a workbook cannot store", where, r)
		}
	}
	return nil
}
