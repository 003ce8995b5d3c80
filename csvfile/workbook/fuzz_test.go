package workbook

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
)

// FuzzOpen reads fuzzed workbooks: the sheet's XML and the shared strings
// put into a well-formed archive (where the readers' disagreements live),
// or, with whole set, the bytes as the whole file. Every failure is a
// *csvfile.FileError naming the file; what is read validates, with each
// row message placed on an Excel cell or row.
var fuzzStyles = part{name: "xl/styles.xml", body: `<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="12" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>`}

func FuzzOpen(f *testing.F) {
	f.Add([]byte(sheetHead+sheetUser+sheetTail), []byte(""), false)
	f.Add([]byte(sheetHead+`<row r="3" hidden="1"><c r="A3" t="s"><v>0</v></c><c r="C3"><v>1.2345678901234567E+19</v></c><c r="D3" t="e"><v>#N/A</v></c><c r="F3"><f>A1</f></c></row>`+
		sheetTail+`<mergeCells><mergeCell ref="A3:B4"/></mergeCells>`),
		[]byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>x</t></si><si><r><t>a</t></r><r><t>b</t></r></si></sst>`), false)
	f.Add([]byte(`<worksheet><cols><col min="2" max="3" hidden="1"/></cols><sheetData><row><c t="inlineStr"><is><t>Email</t></is></c></row><row><c><v>5</v></c></row></sheetData></worksheet>`), []byte(""), false)
	f.Add([]byte(sheetHead+`<row r="2"><c r="A2" s="1"><v>0.25</v></c><c r="B2" s="2"><v>45000</v></c><c r="C2" s="1" t="e"><v>#NUM!</v></c></row>`+sheetTail), []byte(""), false)
	f.Add([]byte("PK\x03\x04\x14\x00\x00\x00"), []byte(""), true)
	f.Add([]byte(oleMagic+"EncryptedPackage"), []byte(""), true)
	f.Fuzz(func(t *testing.T, sheet, sst []byte, whole bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, "fuzz.xlsx")
		if whole {
			if err := os.WriteFile(path, sheet, 0o600); err != nil {
				t.Fatal(err)
			}
		} else {
			// Styles with the built-in formats the formatter has looped on
			// (12, a fraction) and dates, for s="1" and s="2".
			ps := minimal(part{name: "xl/worksheets/sheet1.xml", body: string(sheet)}, fuzzStyles)
			if len(sst) > 0 {
				ps = append(ps, part{name: "xl/sharedStrings.xml", body: string(sst)})
			}
			zipParts(t, path, ps...)
		}
		// Go's fuzzing does not see an input that never ends: one that
		// takes 10 s is a failure.
		err := openWithin(t, path, 10*time.Second)
		if err != nil {
			var fe *csvfile.FileError
			if !errors.As(err, &fe) || fe.Msg == "" || !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("error %T %q", err, err)
			}
			return
		}
		file, err := Open(path, schema(), csvfile.Options{})
		if err != nil {
			t.Fatalf("the second open failed: %v", err)
		}
		v := csvfile.Validate(file)
		for _, m := range v.Messages() {
			if m.Line > 0 && !strings.HasPrefix(m.Where, "Users") {
				t.Fatalf("message on line %d placed at %q: %+v", m.Line, m.Where, m)
			}
		}
		for i := range file.Len() {
			if file.Line(i) < 2 || (i > 0 && file.Line(i) <= file.Line(i-1)) {
				t.Fatalf("row %d on line %d after %d", i, file.Line(i), file.Line(max(i-1, 0)))
			}
		}
	})
}
