package workbook

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Excel's own bounds: no sheet has more rows or columns.
const (
	maxRows = excelize.TotalRows      // 1,048,576
	maxCols = excelize.MaxColumns     // 16,384 (XFD)
	maxText = excelize.TotalCellChars // characters Excel keeps in a cell
)

// cellMeta is what the sheet's XML says of one cell, besides its text
// (which excelize formats): where it is, its type, what it stores.
type cellMeta struct {
	col      int    // 0-based
	typ      string // the t attribute: "" or n (number), s, str, inlineStr, b, e, d
	raw      string // the stored <v>
	style    int
	value    bool // has a stored value (<v> or <is>)
	formula  bool
	arrayRef string // the range an array formula fills, on its first cell
}

// sheetRow is one <row> of sheetData.
type sheetRow struct {
	num    int // 1-based, as Excel shows it
	hidden bool
	cells  []cellMeta
}

// sheetReader reads a worksheet's XML strictly, row by row: anything
// malformed, out of order or out of Excel's bounds is an error, where
// excelize's own row iterator would stop quietly and lose the rest.
type sheetReader struct {
	d       *xml.Decoder
	lastRow int
	inData  bool
	done    bool // past sheetData
	// What the sheet says about itself, filled in as it is read.
	hiddenCols []colRange
	merges     []cellRange
}

type colRange struct{ min, max int } // 1-based, inclusive

// cellRange is a rectangle of cells, 1-based and inclusive.
type cellRange struct {
	ref                    string
	col1, row1, col2, row2 int
}

func (r cellRange) contains(col, row int) bool {
	return col >= r.col1 && col <= r.col2 && row >= r.row1 && row <= r.row2
}

func newSheetReader(r io.Reader) *sheetReader {
	d := xml.NewDecoder(r)
	d.Strict = true
	return &sheetReader{d: d}
}

// sheetError is malformed sheet XML; the reader names the sheet.
type sheetError struct{ msg string }

func (e *sheetError) Error() string { return e.msg }

func malformed(format string, args ...any) error {
	return &sheetError{fmt.Sprintf(format, args...)}
}

// token reads the next token, refusing a DOCTYPE: Excel never writes one,
// and entity declarations are how XML readers are attacked.
func (s *sheetReader) token() (xml.Token, error) {
	t, err := s.d.Token()
	if err != nil {
		if err == io.EOF {
			return nil, err
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, malformed("its XML is malformed at line %d: %s", se.Line, se.Msg)
		}
		return nil, malformed("its XML cannot be read: %v", err)
	}
	if _, ok := t.(xml.Directive); ok {
		return nil, malformed("its XML declares a DOCTYPE or entities, which Excel never writes")
	}
	return t, nil
}

// next returns the next row with any cell in it; ok is false after the
// last one, once the rest of the sheet (merged cells) has been read.
func (s *sheetReader) next() (row sheetRow, ok bool, err error) {
	for {
		t, err := s.token()
		if err == io.EOF {
			if !s.done {
				return row, false, malformed("its XML ends before the end of the sheet's data")
			}
			return row, false, nil
		}
		if err != nil {
			return row, false, err
		}
		switch el := t.(type) {
		case xml.StartElement:
			switch {
			case el.Name.Local == "sheetData" && !s.done:
				s.inData = true
			case el.Name.Local == "row" && s.inData:
				row, err := s.row(el)
				if err != nil {
					return row, false, err
				}
				if len(row.cells) == 0 { // formatting only
					continue
				}
				return row, true, nil
			case el.Name.Local == "cols" && !s.inData:
				if err := s.cols(); err != nil {
					return row, false, err
				}
			case el.Name.Local == "mergeCell":
				ref := attr(el, "ref")
				r, err := parseRange(ref)
				if err != nil {
					return row, false, malformed("a merged cell range %q is not a range of cells", clip(ref))
				}
				s.merges = append(s.merges, r)
				if len(s.merges) > maxMerges {
					return row, false, malformed("it has more than %d merged ranges", maxMerges)
				}
				if err := s.d.Skip(); err != nil {
					return row, false, malformed("its XML cannot be read: %v", err)
				}
			case el.Name.Local == "worksheet" || el.Name.Local == "mergeCells":
				// descend
			default:
				if strays(el) {
					return row, false, errStray
				}
				if err := s.skip(); err != nil {
					return row, false, err
				}
			}
		case xml.EndElement:
			if el.Name.Local == "sheetData" && s.inData {
				s.inData, s.done = false, true
			}
		}
	}
}

// maxMerges bounds the merged ranges kept; a user list has a handful.
const maxMerges = 10000

// errStray is a row or cell where this reader does not read one.
// excelize's row iterator takes every <row> and <c> it meets, wherever it
// is, and formats it: what it would read and this reader would not is
// refused, so excelize formats only cells checked here (see cell).
var errStray = malformed("it holds a row or a cell outside the rows of its data")

func strays(el xml.StartElement) bool { return el.Name.Local == "row" || el.Name.Local == "c" }

// skip skips the element just started, refusing a DOCTYPE, a row or a
// cell inside it.
func (s *sheetReader) skip() error {
	depth := 1
	for depth > 0 {
		t, err := s.token()
		if err == io.EOF {
			return malformed("its XML ends in the middle of an element")
		}
		if err != nil {
			return err
		}
		switch el := t.(type) {
		case xml.StartElement:
			if strays(el) {
				return errStray
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

func (s *sheetReader) cols() error {
	for {
		t, err := s.token()
		if err != nil {
			if err == io.EOF {
				return malformed("its XML ends in the list of columns")
			}
			return err
		}
		switch el := t.(type) {
		case xml.StartElement:
			if el.Name.Local == "col" && truthy(attr(el, "hidden")) {
				lo, err1 := strconv.Atoi(attr(el, "min"))
				hi, err2 := strconv.Atoi(attr(el, "max"))
				if err1 == nil && err2 == nil && lo >= 1 && lo <= hi && len(s.hiddenCols) < maxCols {
					s.hiddenCols = append(s.hiddenCols, colRange{lo, min(hi, maxCols)})
				}
			}
			if err := s.skip(); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

func (s *sheetReader) row(start xml.StartElement) (sheetRow, error) {
	row := sheetRow{num: s.lastRow + 1, hidden: truthy(attr(start, "hidden"))}
	if r := attr(start, "r"); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil || n < 1 {
			return row, malformed("a row is numbered %q", clip(r))
		}
		row.num = n
	}
	if row.num <= s.lastRow {
		return row, malformed("row %d comes after row %d", row.num, s.lastRow)
	}
	if row.num > maxRows {
		return row, malformed("row %d is beyond Excel's last row (%d)", row.num, maxRows)
	}
	s.lastRow = row.num
	lastCol := 0
	for {
		t, err := s.token()
		if err != nil {
			if err == io.EOF {
				return row, malformed("its XML ends in row %d", row.num)
			}
			return row, err
		}
		switch el := t.(type) {
		case xml.StartElement:
			if el.Name.Local != "c" {
				if err := s.skip(); err != nil {
					return row, err
				}
				continue
			}
			c, err := s.cell(el, row.num, lastCol)
			if err != nil {
				return row, err
			}
			lastCol = c.col + 1
			if c.value || c.formula {
				row.cells = append(row.cells, c)
			}
		case xml.EndElement:
			return row, nil
		}
	}
}

func (s *sheetReader) cell(start xml.StartElement, rowNum, lastCol int) (cellMeta, error) {
	c := cellMeta{col: lastCol, typ: attr(start, "t")}
	if ref := attr(start, "r"); ref != "" {
		col, r, err := excelize.CellNameToCoordinates(ref)
		if err != nil || r != rowNum {
			return c, malformed("row %d holds a cell named %q", rowNum, clip(ref))
		}
		c.col = col - 1
	}
	if c.col < lastCol {
		return c, malformed("in row %d, cell %s comes after a cell to its right", rowNum, cellName(c.col, rowNum))
	}
	if c.col >= maxCols {
		return c, malformed("row %d has a cell beyond Excel's last column", rowNum)
	}
	if st := attr(start, "s"); st != "" {
		n, err := strconv.Atoi(st)
		if err != nil || n < 0 {
			return c, malformed("cell %s has the style %q", cellName(c.col, rowNum), clip(st))
		}
		c.style = n
	}
	for {
		t, err := s.token()
		if err != nil {
			if err == io.EOF {
				return c, malformed("its XML ends in cell %s", cellName(c.col, rowNum))
			}
			return c, err
		}
		switch el := t.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "v":
				v, err := s.text()
				if err != nil {
					return c, err
				}
				c.raw, c.value = v, v != ""
			case "f":
				c.formula = true
				if attr(el, "t") == "array" {
					c.arrayRef = attr(el, "ref")
				}
				if err := s.skip(); err != nil {
					return c, err
				}
			case "is":
				if err := s.skip(); err != nil { // excelize reads its text
					return c, err
				}
				c.value = true
			default:
				if err := s.skip(); err != nil {
					return c, err
				}
			}
		case xml.EndElement:
			return c, checkNumber(c, rowNum)
		}
	}
}

// checkNumber refuses a stored value that excelize formats as a number
// (every type but strings and booleans) and that reads as NaN or an
// infinity: Excel never stores one, and excelize's fraction formats
// ("# ?/?", built in as 12) loop for ever on it.
func checkNumber(c cellMeta, rowNum int) error {
	switch c.typ {
	case "s", "str", "inlineStr", "b":
		return nil
	}
	if v, _ := strconv.ParseFloat(c.raw, 64); math.IsNaN(v) || math.IsInf(v, 0) {
		return malformed("cell %s stores %q, which is not a number Excel can hold", cellName(c.col, rowNum), clip(c.raw))
	}
	return nil
}

// text reads the character data of the element just started.
func (s *sheetReader) text() (string, error) {
	var b strings.Builder
	for {
		t, err := s.token()
		if err != nil {
			if err == io.EOF {
				return "", malformed("its XML ends in a cell value")
			}
			return "", err
		}
		switch el := t.(type) {
		case xml.CharData:
			if b.Len()+len(el) > 4*maxText { // UTF-8 of Excel's longest cell
				return "", malformed("a cell holds more than Excel's %d characters", maxText)
			}
			b.Write(el)
		case xml.StartElement:
			if err := s.skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return b.String(), nil
		}
	}
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

func truthy(s string) bool { return s == "1" || s == "true" }

// parseRange reads "A1:C3" (or one cell, "B2").
func parseRange(ref string) (cellRange, error) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		b = a
	}
	c1, r1, err := excelize.CellNameToCoordinates(a)
	if err != nil {
		return cellRange{}, err
	}
	c2, r2, err := excelize.CellNameToCoordinates(b)
	if err != nil {
		return cellRange{}, err
	}
	if c2 < c1 {
		c1, c2 = c2, c1
	}
	if r2 < r1 {
		r1, r2 = r2, r1
	}
	return cellRange{ref: cellName(c1-1, r1) + ":" + cellName(c2-1, r2), col1: c1, row1: r1, col2: c2, row2: r2}, nil
}

// cellName names a cell: column 0-based, row 1-based ("C15").
func cellName(col, row int) string { return colName(col) + strconv.Itoa(row) }

// colName names a column, 0-based: A … Z, AA …
func colName(col int) string {
	name, err := excelize.ColumnNumberToName(col + 1)
	if err != nil {
		return "?"
	}
	return name
}

// clip cuts untrusted text short for a message (quoted with %q, which
// escapes what a terminal would run).
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
