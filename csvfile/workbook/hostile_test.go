package workbook

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"usersync/csvfile"
)

// The parts of a minimal workbook, as hostile ones are built from them.
const (
	ctypes    = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`
	rootRels  = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	wbXML     = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Users" sheetId="1" r:id="rId1"/></sheets></workbook>`
	wbRels    = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	sheetHead = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>First Name</t></is></c><c r="B1" t="inlineStr"><is><t>Last Name</t></is></c><c r="C1" t="inlineStr"><is><t>Email</t></is></c><c r="D1" t="inlineStr"><is><t>Products</t></is></c></row>`
	sheetUser = `<row r="2"><c r="A2" t="inlineStr"><is><t>Ada</t></is></c><c r="B2" t="inlineStr"><is><t>Lovelace</t></is></c><c r="C2" t="inlineStr"><is><t>ada@example.edu</t></is></c><c r="D2" t="inlineStr"><is><t>events</t></is></c></row>`
	sheetTail = `</sheetData></worksheet>`
)

type part struct {
	name string
	body string
	// A part made of body repeated: written as one deflate stream of the
	// same compressed block again and again, so a small file unzips huge.
	head, unit, tail string
	repeat           int
	declare          uint64 // the size to declare, when not the true one
}

func zipParts(t *testing.T, path string, ps ...part) string {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, p := range ps {
		if p.repeat == 0 {
			w, err := z.Create(p.name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(p.body))
			continue
		}
		deflate := func(s string, final bool) []byte {
			var out bytes.Buffer
			fw, _ := flate.NewWriter(&out, flate.BestCompression)
			fw.Write([]byte(s))
			if final {
				fw.Close()
			} else {
				fw.Flush()
			}
			return out.Bytes()
		}
		head, unit, tail := deflate(p.head, false), deflate(p.unit, false), deflate(p.tail, true)
		crc := crc32.Update(0, crc32.IEEETable, []byte(p.head))
		for range p.repeat {
			crc = crc32.Update(crc, crc32.IEEETable, []byte(p.unit))
		}
		crc = crc32.Update(crc, crc32.IEEETable, []byte(p.tail))
		size := uint64(len(p.head) + p.repeat*len(p.unit) + len(p.tail))
		if p.declare != 0 {
			size = p.declare
		}
		w, err := z.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(head) + p.repeat*len(unit) + len(tail)), UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(head)
		for range p.repeat {
			w.Write(unit)
		}
		w.Write(tail)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// minimal is a readable workbook whose sheet (or another part) a case
// replaces.
func minimal(replace ...part) []part {
	ps := []part{{name: "[Content_Types].xml", body: ctypes}, {name: "_rels/.rels", body: rootRels},
		{name: "xl/workbook.xml", body: wbXML}, {name: "xl/_rels/workbook.xml.rels", body: wbRels},
		{name: "xl/worksheets/sheet1.xml", body: sheetHead + sheetUser + sheetTail}}
	for _, r := range replace {
		found := false
		for i := range ps {
			if ps[i].name == r.name {
				ps[i], found = r, true
			}
		}
		if !found {
			ps = append(ps, r)
		}
	}
	return ps
}

// bigRow is a row of a zip bomb's sheet: 1 KiB that compresses to nothing.
var bigRow = `<row><c t="inlineStr"><is><t>` + strings.Repeat("A", 980) + `</t></is></c></row>`

// hostileCases builds each hostile workbook and says what reading it
// must answer.
func hostileCases(t *testing.T, dir string) []struct{ name, path, want string } {
	p := func(name string) string { return filepath.Join(dir, name) }
	rows64 := strings.Repeat(bigRow, 64) // 64 KiB
	bomb := part{name: "xl/worksheets/sheet1.xml", head: sheetHead, unit: rows64, tail: sheetTail, repeat: 400 << 4}
	liar := bomb
	liar.declare = 2 << 20
	dense := bomb
	dense.repeat = 50 << 4 // 50 MiB: under the size limit, far over any ratio a sheet has
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>`
	external := `<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
		strings.TrimPrefix(sheetHead, `<?xml version="1.0" encoding="UTF-8"?>`) + `<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>` + sheetTail
	good := zipParts(t, p("good.xlsx"), minimal()...)
	data, _ := os.ReadFile(good)
	truncated := p("truncated.xlsx")
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	flipped := p("flipped.xlsx")
	bad := bytes.Clone(data)
	if i := bytes.Index(bad, []byte("xl/worksheets/sheet1.xml")); i >= 0 {
		// The first local header of the sheet is followed by its data:
		// flip a byte inside it.
		k := i + len("xl/worksheets/sheet1.xml") + 40
		bad[k] ^= 0xFF
	}
	os.WriteFile(flipped, bad, 0o644)

	encrypted := p("encrypted.xlsx")
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"First Name", "Last Name", "Email", "Products"})
	if err := x.SaveAs(encrypted, excelize.Options{Password: "secret"}); err != nil {
		t.Fatal(err)
	}
	x.Close()

	xls := p("old.xls")
	cfb := make([]byte, 4096)
	copy(cfb, oleMagic)
	copy(cfb[1024:], utf16le("Root Entry"))
	copy(cfb[1024+128:], utf16le("Workbook"))
	os.WriteFile(xls, cfb, 0o644)

	// Just under every limit: 60 MiB of rows that compress as real ones do.
	var noisy strings.Builder
	for i := range 64 {
		fmt.Fprintf(&noisy, `<row><c t="inlineStr"><is><t>%x</t></is></c><c t="inlineStr"><is><t>Doe</t></is></c>`+
			`<c t="inlineStr"><is><t>u%d@example.edu</t></is></c><c t="inlineStr"><is><t>%s</t></is></c></row>`,
			crc32.ChecksumIEEE([]byte{byte(i)}), i, strings.Repeat("events,", 130))
	}
	size := MaxUnzipped - 4<<20
	if raceEnabled {
		size = 6 << 20
	}
	large := part{name: "xl/worksheets/sheet1.xml", head: sheetHead, unit: noisy.String(), tail: sheetTail,
		repeat: size / noisy.Len()}
	return []struct{ name, path, want string }{
		{"large sheet under the limits", zipParts(t, p("large.xlsx"), minimal(large)...), "read"},
		{"zip bomb", zipParts(t, p("bomb.xlsx"), minimal(bomb)...),
			`it would unzip to more than 64 MiB ("xl/worksheets/sheet1.xml" alone is 401 MiB), far more than a list of users takes; this is not a workbook to import (a zip bomb?)`},
		{"zip bomb that lies about its size", zipParts(t, p("liar.xlsx"), minimal(liar)...),
			`its part "xl/worksheets/sheet1.xml" is damaged (zip: not a valid zip file); open the workbook in Excel and save it again`},
		{"dense zip bomb under the size limit", zipParts(t, p("dense.xlsx"), minimal(dense)...),
			`its part "xl/worksheets/sheet1.xml" would unzip to 50 MiB from * KiB (* times smaller), which no spreadsheet program writes; this is not a workbook to import (a zip bomb?)`},
		{"billion laughs", zipParts(t, p("laughs.xlsx"), minimal(part{name: "xl/sharedStrings.xml", body: laughs})...),
			`its part "xl/sharedStrings.xml" declares a DOCTYPE or XML entities, which Excel never writes; the workbook may be built to attack programs that read it, so it is not read`},
		{"external entity", zipParts(t, p("xxe.xlsx"), minimal(part{name: "xl/worksheets/sheet1.xml", body: external})...),
			`its part "xl/worksheets/sheet1.xml" declares a DOCTYPE or XML entities, which Excel never writes; the workbook may be built to attack programs that read it, so it is not read`},
		{"UTF-16 XML", zipParts(t, p("utf16.xlsx"), minimal(part{name: "xl/sharedStrings.xml", body: "\xFF\xFE<\x00s\x00s\x00t\x00/\x00>\x00"})...),
			`its part "xl/sharedStrings.xml" is XML in UTF-16, which Excel never writes; open the workbook in Excel and save it again`},
		{"truncated archive", truncated,
			`the workbook is damaged: it is not a readable zip archive (zip: not a valid zip file); open it in Excel and save it again`},
		{"corrupt sheet data", flipped, ""},
		{"encrypted workbook", encrypted,
			"the workbook is encrypted (it has a password to open it), so it cannot be read: in Excel open it, choose File → Info → Protect Workbook → Encrypt with Password, clear the password and save it, then open it here again"},
		{"Excel 97-2003 workbook", xls,
			"this is an Excel 97-2003 workbook (.xls), which cannot be read: in Excel use File → Save As and choose Excel Workbook (.xlsx), then open that file"},
		{"rows out of order", zipParts(t, p("order.xlsx"), minimal(part{name: "xl/worksheets/sheet1.xml",
			body: sheetHead + strings.ReplaceAll(sheetUser, `2"`, `5"`) + sheetUser + sheetTail})...),
			"sheet Users is damaged: row 2 comes after row 5; open the workbook in Excel and save it again"},
		{"two sheets with one name", zipParts(t, p("names.xlsx"), minimal(part{name: "xl/workbook.xml",
			body: strings.Replace(wbXML, `</sheets>`, `<sheet name="USERS" sheetId="2" r:id="rId1"/></sheets>`, 1)})...),
			`the workbook has two sheets named "USERS"; it is damaged`},
		{"two parts with one name", zipParts(t, p("twice.xlsx"), append(minimal(), part{name: "XL/worksheets/sheet1.xml", body: sheetHead + sheetTail})...),
			`the archive holds two files named "XL/worksheets/sheet1.xml"; it is damaged`},
	}
}

// TestHostileWorkbooks reads each hostile workbook in a child process and
// measures it: a clear message, under 10 s and 500 MB each.
func TestHostileWorkbooks(t *testing.T) {
	if path := os.Getenv("WORKBOOK_HOSTILE_CHILD"); path != "" {
		t.Skip("the child is TestHostileWorkbookChild")
	}
	dir := t.TempDir()
	for _, c := range hostileCases(t, dir) {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHostileWorkbookChild$", "-test.v")
			cmd.Env = append(os.Environ(), "WORKBOOK_HOSTILE_CHILD="+c.path, "TMPDIR="+t.TempDir(), "GORACE=atexit_sleep_ms=0")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			took := time.Since(start)
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			peak := ru.Maxrss << 10 // KiB on Linux
			msg := ""
			for _, line := range strings.Split(string(out), "\n") {
				if m, ok := strings.CutPrefix(strings.TrimSpace(line), "hostile_test.go:"); ok {
					_, msg, _ = strings.Cut(m, " ")
				}
			}
			t.Logf("%s: %v, peak RSS %d MB: %s", c.name, took.Round(time.Millisecond), peak>>20, msg)
			want := c.path + ": " + c.want
			if c.want == "read" {
				if !strings.HasPrefix(msg, "read ") {
					t.Errorf("got %q, want the rows read", msg)
				}
			} else if c.want == "" { // damaged data: which check finds it depends on where the byte fell
				if !strings.Contains(msg, "damaged") {
					t.Errorf("got %q, want a message that the workbook is damaged", msg)
				}
			} else if !matches(msg, want) {
				t.Errorf("got\n%s\nwant\n%s", msg, want)
			}
			if took > 10*time.Second || peak > 500<<20 {
				t.Errorf("took %v and %d MB; the bounds are 10 s and 500 MB", took, peak>>20)
			}
		})
	}
}

// matches reports whether s is pattern, each * standing for anything.
func matches(s, pattern string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1:] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return s == ""
}

// TestHostileWorkbookChild reads the workbook named in its environment
// and logs what Open answers (run by TestHostileWorkbooks).
func TestHostileWorkbookChild(t *testing.T) {
	path := os.Getenv("WORKBOOK_HOSTILE_CHILD")
	if path == "" {
		t.Skip("run by TestHostileWorkbooks")
	}
	f, err := Open(path, schema(), csvfile.Options{})
	if err == nil {
		t.Logf("read %d rows", f.Len())
		return
	}
	if _, ok := err.(*csvfile.FileError); !ok {
		t.Logf("%T %s", err, err)
		return
	}
	t.Log(err)
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "excelize-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestValuesFarRightCostLittle: excelize lays out every cell up to a
// row's last value, so a sheet of 20,000 rows each holding one value in
// column XFD (a 1 MB file) took 11 s to read (91 s for 200,000 rows). A
// stray value far right on a few rows is read with a warning; rows that
// together span more cells than a list of users can are refused at once.
func TestValuesFarRightCostLittle(t *testing.T) {
	dir := t.TempDir()
	row := func(n int, far string) string {
		return fmt.Sprintf(`<row r="%d"><c r="A%d" t="inlineStr"><is><t>Ada</t></is></c><c r="B%d" t="inlineStr"><is><t>Lovelace</t></is></c>`+
			`<c r="C%d" t="inlineStr"><is><t>u%d@example.edu</t></is></c><c r="D%d" t="inlineStr"><is><t>events</t></is></c>`+
			`<c r="%s%d" t="inlineStr"><is><t>note</t></is></c></row>`, n, n, n, n, n, n, far, n)
	}
	var few, many strings.Builder
	for n := 2; n <= 50; n++ {
		few.WriteString(row(n, "XFD"))
	}
	for n := 2; n <= 20000; n++ {
		many.WriteString(row(n, "XFD"))
	}
	stray := zipParts(t, filepath.Join(dir, "stray.xlsx"), minimal(part{name: "xl/worksheets/sheet1.xml", body: sheetHead + few.String() + sheetTail})...)
	f, err := Open(stray, schema(), csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != 49 {
		t.Errorf("read %d rows, want 49", f.Len())
	}
	far := zipParts(t, filepath.Join(dir, "far.xlsx"), minimal(part{name: "xl/worksheets/sheet1.xml", body: sheetHead + many.String() + sheetTail})...)
	start := time.Now()
	_, err = Open(far, schema(), csvfile.Options{})
	took := time.Since(start)
	want := far + ": sheet Users has values too far right: together its rows span more than 16777216 cells up to their last values " +
		"(row 2 reaches column XFD), far more than a list of users; delete the columns right of the list in Excel, then open it again"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if limit := 2 * time.Second; took > limit && !raceEnabled {
		t.Errorf("took %v; the bound is %v", took, limit)
	}
}

// openWithin opens path, failing the test if Open has not answered in
// time (excelize's formatting can loop forever; the goroutine is left).
func openWithin(t *testing.T, path string, limit time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Open(path, schema(), csvfile.Options{})
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("%s: Open had not answered after %v", filepath.Base(path), limit)
		return nil
	}
}

// TestWhatExcelizeWouldLoopOn: a number cell storing NaN or Inf in a
// fraction format (Excel's built-in 12, "# ?/?") sent excelize's
// formatter into an endless loop, so a 2 KB workbook hung validate, plan
// and the guided import for ever; so did such a cell where the strict
// reader does not look (outside sheetData, or not inside a row), since
// excelize's row iterator takes any <row> and <c> it meets.
func TestWhatExcelizeWouldLoopOn(t *testing.T) {
	dir := t.TempDir()
	styles := part{name: "xl/styles.xml", body: `<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="12" applyNumberFormat="1"/></cellXfs></styleSheet>`}
	head, header, _ := strings.Cut(sheetHead, `<sheetData>`)
	user := strings.Replace(sheetUser, `</row>`, `<c r="E2" s="1"%s><v>%s</v></c></row>`, 1)
	for _, c := range []struct{ name, sheet, want string }{
		{"NaN", sheetHead + fmt.Sprintf(user, "", "NaN") + sheetTail, `cell E2 stores "NaN", which is not a number Excel can hold`},
		{"Inf", sheetHead + fmt.Sprintf(user, "", "-Inf") + sheetTail, `cell E2 stores "-Inf", which is not a number Excel can hold`},
		{"an error cell", sheetHead + fmt.Sprintf(user, ` t="e"`, "nan") + sheetTail, `cell E2 stores "nan", which is not a number Excel can hold`},
		{"a date cell", sheetHead + fmt.Sprintf(user, ` t="d"`, "Infinity") + sheetTail, `cell E2 stores "Infinity", which is not a number Excel can hold`},
		{"a row before the data", head + `<sheetPr><row r="2"><c r="E2" s="1"><v>NaN</v></c></row></sheetPr><sheetData>` +
			header + sheetUser + sheetTail, `it holds a row or a cell outside the rows of its data`},
		{"a row after the data", sheetHead + sheetUser + `</sheetData><extLst><row r="3"><c r="E3" s="1"><v>NaN</v></c></row></extLst></worksheet>`,
			`it holds a row or a cell outside the rows of its data`},
		{"a cell between rows", sheetHead + sheetUser + `<c r="E2" s="1"><v>NaN</v></c>` + sheetTail, `it holds a row or a cell outside the rows of its data`},
		{"a cell inside a cell's child", sheetHead + strings.Replace(sheetUser, `</row>`, `<x><c r="E2" s="1"><v>NaN</v></c></x></row>`, 1) + sheetTail,
			`it holds a row or a cell outside the rows of its data`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := zipParts(t, filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".xlsx"), minimal(styles, part{name: "xl/worksheets/sheet1.xml", body: c.sheet})...)
			err := openWithin(t, path, 5*time.Second)
			want := path + ": sheet Users is damaged: " + c.want + "; open the workbook in Excel and save it again"
			if err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		})
	}
}

// TestOneReadingOfTheParts: the strict reader and excelize must read the
// same sheet, or excelize formats cells nobody checked (the NaN that
// loops for ever, above). A workbook naming two main parts (excelize takes
// the first, the strict reader took the last), a target excelize joins
// without turning its backslashes into slashes, a relationship id given
// twice and a sheet with two relationship ids could each point the two
// at different parts; each is refused as damaged.
func TestOneReadingOfTheParts(t *testing.T) {
	dir := t.TempDir()
	styles := part{name: "xl/styles.xml", body: `<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="12"/></cellXfs></styleSheet>`}
	looping := sheetHead + strings.Replace(sheetUser, `</row>`, `<c r="E2" s="1"><v>NaN</v></c></row>`, 1) + sheetTail
	plain := sheetHead + sheetUser + sheetTail
	rel := func(id, typ, target string) string {
		return `<Relationship Id="` + id + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/` + typ + `" Target="` + target + `"/>`
	}
	addRel := func(rels, r string) string { return strings.Replace(rels, `</Relationships>`, r+`</Relationships>`, 1) }
	for _, c := range []struct {
		name  string
		parts []part
		want  string
	}{
		{"two main parts", []part{{name: "_rels/.rels", body: addRel(rootRels, rel("rId9", "officeDocument", "safe/workbook.xml"))},
			{name: "xl/worksheets/sheet1.xml", body: looping}, {name: "safe/workbook.xml", body: wbXML},
			{name: "safe/_rels/workbook.xml.rels", body: wbRels}, {name: "safe/worksheets/sheet1.xml", body: plain}},
			"the archive names 2 main workbook parts, where a workbook has one; it is damaged"},
		{"a backslash in a target", []part{{name: "xl/_rels/workbook.xml.rels", body: strings.Replace(wbRels, `worksheets/sheet1.xml`, `worksheets\..\x.xml`, 1)},
			{name: "xl/x.xml", body: plain}, {name: `xl/worksheets\..\x.xml`, body: looping}},
			`its part "xl/x.xml" is named "xl/worksheets/../x.xml" where the workbook points to it, which programs read in different ways; open the workbook in Excel and save it again`},
		{"a relationship id twice", []part{{name: "xl/_rels/workbook.xml.rels", body: addRel(wbRels, rel("rId1", "chartsheet", "worksheets/sheet2.xml"))},
			{name: "xl/worksheets/sheet2.xml", body: looping}},
			`the workbook's relationships name "rId1" twice; it is damaged`},
		{"a sheet with two ids", []part{{name: "xl/workbook.xml", body: strings.Replace(wbXML, `r:id="rId1"`,
			`r:id="rId1" xmlns:s="http://purl.oclc.org/ooxml/officeDocument/relationships" s:id="rId2"`, 1)},
			{name: "xl/_rels/workbook.xml.rels", body: addRel(wbRels, rel("rId2", "worksheet", "worksheets/sheet2.xml"))},
			{name: "xl/worksheets/sheet2.xml", body: looping}},
			`the workbook's sheet "Users" names 2 parts; it is damaged`},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := zipParts(t, filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".xlsx"), minimal(append([]part{styles}, c.parts...)...)...)
			err := openWithin(t, path, 5*time.Second)
			if want := path + ": " + c.want; err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		})
	}
}
