package workbook

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"usersync/csvfile"
)

// maxHeaderCols bounds the columns of a header; a user list has a dozen.
const maxHeaderCols = 1024

// maxSpan bounds the cells excelize's row iterator lays out: it fills
// each row with empty strings up to its last value, so one value in column
// XFD costs 16,384 cells. A dense list of users that fits MaxUnzipped
// spans about 3 million.
const maxSpan = 1 << 24

// maxNotices bounds the warnings of one kind (values right of the
// header, and so on) before the rest are counted.
const maxNotices = 20

// readSheet reads one sheet into records: row 1 the header, each row with
// a value a record on the line Excel numbers it. The sheet's XML is read
// twice in step: by this package's strict reader, which says what each
// cell is, and by excelize's row iterator, which formats it; where the
// two disagree the workbook is refused as damaged.
func readSheet(a *archive, ex *excelize.File, sh sheetRef, src *source) (recs csvfile.Records, err error) {
	damaged := func(format string, args ...any) error {
		return fmt.Errorf("sheet %s is damaged: %s; open the workbook in Excel and save it again",
			sheetName(sh.name), fmt.Sprintf(format, args...))
	}
	rc, err := a.parts[sh.part].Open()
	if err != nil {
		return recs, damaged("%v", err)
	}
	defer rc.Close()
	sr := newSheetReader(rc)
	rows, err := ex.Rows(sh.name)
	if err != nil {
		return recs, damaged("%v", err)
	}
	defer rows.Close()
	fm := &formats{ex: ex}
	r := &reading{src: src, width: -1, notes: map[[2]int]string{}}
	src.formulas = map[[2]int]bool{}
	at := 0 // the rows excelize has been moved past
	span, farRow, farCol := 0, 0, -1
	// The strict reader keeps a row ahead: excelize's Columns goes on
	// from a row's start to the next row's, so whatever lies between
	// (a stray cell) has been checked before excelize formats it.
	ahead, more, err := sr.next()
	if err != nil {
		return recs, damaged("%v", err)
	}
	for more {
		row := ahead
		if ahead, more, err = sr.next(); err != nil {
			return recs, damaged("%v", err)
		}
		// next returns rows with cells only; excelize will lay this one
		// out up to its last.
		last := row.cells[len(row.cells)-1].col
		span += last + 1
		if last > farCol {
			farRow, farCol = row.num, last
		}
		if span > maxSpan {
			return recs, fmt.Errorf("sheet %s has values too far right: together its rows span more than %d cells up to their last values "+
				"(row %d reaches column %s), far more than a list of users; delete the columns right of the list in Excel, then open it again",
				sheetName(sh.name), maxSpan, farRow, colName(farCol))
		}
		for at < row.num {
			if !rows.Next() {
				return recs, damaged("row %d cannot be read", row.num)
			}
			at++
		}
		texts, err := rows.Columns()
		if err != nil {
			return recs, damaged("row %d: %v", row.num, err)
		}
		if err := r.add(row, texts, fm); err != nil {
			return recs, err
		}
	}
	// Whatever excelize finds after the last row the strict reader saw is
	// a disagreement too.
	for rows.Next() {
		texts, err := rows.Columns()
		if err != nil {
			return recs, damaged("%v", err)
		}
		for _, t := range texts {
			if t != "" {
				return recs, damaged("it holds cells that cannot be read in order")
			}
		}
	}
	if r.width < 0 {
		return recs, fmt.Errorf("sheet %s has no data", sheetName(sh.name))
	}
	if r.mismatch != "" {
		return recs, damaged("%s", r.mismatch)
	}
	src.merges, src.arrays = sr.merges, r.arrays
	r.finish(sr)
	return r.recs, nil
}

// reading is the records of a sheet as they are built.
type reading struct {
	src      *source
	recs     csvfile.Records
	width    int // header columns; -1 before the header
	notes    map[[2]int]string
	arrays   []cellRange
	hidden   []int // hidden data rows
	right    []string
	nRight   int
	mismatch string
}

// add takes one row of the sheet: its cells as the strict reader saw them
// and as excelize formats them (texts, by column).
func (r *reading) add(row sheetRow, texts []string, fm *formats) error {
	src := r.src
	text := func(col int) string {
		if col < len(texts) {
			return texts[col]
		}
		return ""
	}
	// Cells excelize reads where the strict reader saw none.
	have := make(map[int]bool, len(row.cells))
	for _, c := range row.cells {
		have[c.col] = true
	}
	for col, t := range texts {
		if t != "" && !have[col] && r.mismatch == "" {
			r.mismatch = fmt.Sprintf("cell %s cannot be read in order", cellName(col, row.num))
		}
	}
	if len(src.early) < 20 {
		er := earlyRow{num: row.num}
		for _, c := range row.cells {
			if c.col < maxHeaderCols {
				for len(er.cells) < c.col {
					er.cells = append(er.cells, "")
				}
				er.cells = append(er.cells, strings.TrimSpace(text(c.col)))
			}
		}
		src.early = append(src.early, er)
	}
	if r.width < 0 { // the header
		if row.num != 1 {
			return &csvfile.FileError{Line: 1, Where: src.Place(1, 0),
				Msg: fmt.Sprintf("row 1 of sheet %s is empty, and the header must be on row 1 (the first values are on row %d): "+
					"delete the rows above the header in Excel", sheetName(src.sheet), row.num)}
		}
		width := 0
		for _, c := range row.cells {
			if strings.TrimSpace(text(c.col)) != "" {
				width = c.col + 1
			}
		}
		if width == 0 {
			return &csvfile.FileError{Line: 1, Where: src.Place(1, 0),
				Msg: "the header row (row 1) has only empty cells"}
		}
		if width > maxHeaderCols {
			return &csvfile.FileError{Line: 1, Where: src.Place(1, -1),
				Msg: fmt.Sprintf("the header has %d columns; a list of users has far fewer", width)}
		}
		r.width = width
		r.recs.HeaderLine = 1
		r.recs.Header = make([]string, width)
		for _, c := range row.cells {
			if c.col < width {
				r.recs.Header[c.col] = text(c.col)
			}
		}
		return nil
	}
	rec := make([]string, r.width)
	hasValue := false
	i := len(r.recs.Rows)
	for _, c := range row.cells {
		t := cellText(c, text(c.col), fm)
		if c.formula {
			src.formulas[[2]int{row.num, c.col}] = true
			if c.arrayRef != "" {
				if ar, err := parseRange(c.arrayRef); err == nil && len(r.arrays) < maxMerges {
					r.arrays = append(r.arrays, ar)
				}
			}
		}
		if c.col >= r.width {
			if strings.TrimSpace(t) != "" {
				r.nRight++
				if len(r.right) < maxNotices {
					r.right = append(r.right, src.Place(row.num, c.col))
				}
			}
			continue
		}
		rec[c.col] = t
		if strings.TrimSpace(t) != "" {
			hasValue = true
		}
		if note := cellNote(c, t); note != "" {
			r.notes[[2]int{i, c.col}] = note
		}
	}
	if !hasValue {
		for k := range r.notes {
			if k[0] == i {
				delete(r.notes, k)
			}
		}
		return nil
	}
	if row.hidden {
		r.hidden = append(r.hidden, row.num)
	}
	r.recs.Rows = append(r.recs.Rows, rec)
	r.recs.Lines = append(r.recs.Lines, row.num)
	return nil
}

// cellText is how a cell reads: excelize's formatted text, but for
// numbers stored as numbers (see numberCell).
func cellText(c cellMeta, formatted string, fm *formats) string {
	switch c.typ {
	case "", "n":
		if c.value {
			return numberCell(c.raw, formatted, fm.isDate(c.style))
		}
	}
	return formatted
}

// cellNote is what the reader has to say of a cell, if anything.
func cellNote(c cellMeta, text string) string {
	switch {
	case c.formula && !c.value:
		return "a formula whose result the workbook does not hold (it was never calculated); " +
			"open the workbook in Excel and save it, so the result is stored"
	case c.typ == "e":
		return "Excel shows an error here (" + text + "), not a value"
	}
	return ""
}

// finish adds what the sheet says about its rows as a whole: merged
// cells (read into each cell they cover), hidden rows and columns, values
// right of the header, empty rows between rows.
func (r *reading) finish(sr *sheetReader) {
	src, recs := r.src, &r.recs
	warn := func(line int, where, text string) {
		recs.Warnings = append(recs.Warnings, csvfile.Message{Severity: csvfile.Warning, Line: line, Where: where, Text: text})
	}
	indexOf := func(line int) int {
		k := sort.SearchInts(recs.Lines, line)
		if k < len(recs.Lines) && recs.Lines[k] == line {
			return k
		}
		return -1
	}
	for k, m := range sr.merges {
		if k == maxNotices {
			warn(0, "", fmt.Sprintf("and %d more merged ranges", len(sr.merges)-k))
			break
		}
		where := src.sheetRef() + "!" + m.ref
		if m.row1 == 1 {
			warn(1, where, "merged cells in the header: only the first names a column")
			continue
		}
		top := indexOf(m.row1)
		if m.col1 > r.width || top < 0 {
			continue
		}
		value := recs.Rows[top][m.col1-1]
		for line := m.row1; line <= m.row2; line++ {
			i := indexOf(line)
			if i < 0 {
				// A row whose only value is the merged one was not kept:
				// it is a row of the range all the same.
				continue
			}
			for col := m.col1; col <= min(m.col2, r.width); col++ {
				if line != m.row1 || col != m.col1 {
					recs.Rows[i][col-1] = value
				}
			}
		}
		warn(m.row1, where, fmt.Sprintf("merged cells: each cell of the range reads %s, as the first one does", quoteText(value)))
	}
	for _, hc := range sr.hiddenCols {
		for col := hc.min; col <= min(hc.max, r.width); col++ {
			if h := strings.TrimSpace(recs.Header[col-1]); h != "" {
				recs.Warnings = append(recs.Warnings, csvfile.Message{Severity: csvfile.Warning, Line: 1, Column: h,
					Text: "the column is hidden in Excel; it is imported all the same"})
			}
		}
	}
	if len(r.hidden) > 0 {
		warn(r.hidden[0], "", "hidden in Excel, and imported all the same: "+rowList(r.hidden))
	}
	if r.nRight > 0 {
		more := ""
		if r.nRight > len(r.right) {
			more = fmt.Sprintf(" and %d more", r.nRight-len(r.right))
		}
		warn(0, "", fmt.Sprintf("values right of the last header column (%s) are not imported: %s%s",
			colName(r.width-1), strings.Join(r.right, ", "), more))
	}
	// Empty rows between rows with values, as a CSV's blank lines are.
	var gaps []int
	for k := 1; k < len(recs.Lines); k++ {
		for line := recs.Lines[k-1] + 1; line < recs.Lines[k] && len(gaps) < 1000; line++ {
			gaps = append(gaps, line)
		}
	}
	if len(gaps) > 0 {
		warn(gaps[0], "", "empty rows ignored: "+rowList(gaps))
	}
	recs.Notes = r.notes
}

// rowList writes row numbers as "row 5", "rows 5, 7 and 9 to 12".
func rowList(rows []int) string {
	var parts []string
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1] == rows[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, strconv.Itoa(rows[i])+" to "+strconv.Itoa(rows[j]))
		case j > i:
			parts = append(parts, strconv.Itoa(rows[i]), strconv.Itoa(rows[j]))
		default:
			parts = append(parts, strconv.Itoa(rows[i]))
		}
		i = j + 1
		if len(parts) >= maxNotices {
			break
		}
	}
	word := "rows "
	if len(rows) == 1 {
		word = "row "
	}
	if len(parts) == 1 {
		return word + parts[0]
	}
	return word + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
