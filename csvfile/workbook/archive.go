package workbook

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// The limits a workbook must keep; they bound the memory and time a
// hostile one can take. They are set on excelize explicitly as well.
const (
	// MaxFileSize is the largest workbook file read. A workbook of a
	// hundred thousand users is a few MB.
	MaxFileSize = 100 << 20
	// MaxUnzipped bounds every part of the archive unzipped, together
	// (excelize's UnzipSizeLimit). A zip bomb is refused from the sizes
	// its archive declares, before anything is unzipped; a part that
	// unzips to more than it declares is refused as damaged.
	MaxUnzipped = 64 << 20
	// MaxInMemory is the size from which excelize keeps a sheet or the
	// shared strings in a temporary file rather than in memory
	// (its UnzipXMLSizeLimit).
	MaxInMemory = 16 << 20
	// maxParts bounds the files in the archive; Excel writes a dozen.
	maxParts = 10000
	// maxRatio bounds how much smaller than its XML a large part may be
	// stored: spreadsheet XML compresses 5 to 20 times; a zip bomb 1000.
	maxRatio, ratioFrom = 100, 4 << 20
)

const (
	zipMagic  = "PK\x03\x04"
	zipEmpty  = "PK\x05\x06"
	oleMagic  = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" // an OLE compound file: .xls, or an encrypted .xlsx
	xmlSuffix = ".xml"
)

// workbookExts are the names of files Excel writes as workbooks.
var workbookExts = []string{".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb"}

// Detect reports whether the file at path is to be read as a workbook: it
// starts as a zip archive or an Office compound file does (whatever its
// name), or its name says it is one. It looks only at regular files (a
// FIFO would block the open) and any failure says no, so the CSV reader
// reports the problem. This is the one place that decides.
func Detect(name string) bool {
	st, err := os.Stat(name)
	if err != nil || !st.Mode().IsRegular() {
		return false
	}
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range workbookExts {
		if ext == e {
			return true
		}
	}
	fh, err := os.Open(name)
	if err != nil {
		return false
	}
	defer fh.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(fh, head)
	return IsWorkbook(head[:n])
}

// IsWorkbook reports whether a file that starts with head is a zip archive
// (an .xlsx) or an Office compound file (an .xls or an encrypted .xlsx).
func IsWorkbook(head []byte) bool {
	return bytes.HasPrefix(head, []byte(zipMagic)) || bytes.HasPrefix(head, []byte(zipEmpty)) ||
		bytes.HasPrefix(head, []byte(oleMagic))
}

// compoundFile says what an Office compound file holds, from the names of
// its streams (UTF-16 in its directory): an encrypted workbook keeps its
// zip in "EncryptedPackage"; an Excel 97-2003 workbook is a "Workbook" (or
// "Book") stream. The file is read in pieces, so its size bounds the time
// and not the memory.
func compoundFile(r io.Reader) string {
	names := []struct {
		name, msg string
	}{
		{"EncryptedPackage", "the workbook is encrypted (it has a password to open it), so it cannot be read: " +
			"in Excel open it, choose File → Info → Protect Workbook → Encrypt with Password, clear the password " +
			"and save it, then open it here again"},
		{"Workbook", msgXLS},
		{"Book\x00", msgXLS},
		{"WordDocument", "this is a Word document, not an Excel workbook"},
		{"PowerPoint Document", "this is a PowerPoint file, not an Excel workbook"},
	}
	pats := make([][]byte, len(names)+1)
	for i, n := range names {
		pats[i] = utf16le(n.name)
	}
	// The record an Excel 97-2003 workbook's stream begins with (BOF,
	// BIFF8, workbook globals), for a file whose directory is not found.
	pats[len(names)] = []byte("\x09\x08\x10\x00\x00\x06\x05\x00")
	names = append(names, struct{ name, msg string }{"BOF", msgXLS})
	buf := make([]byte, 64<<10)
	var carry []byte
	found := make([]bool, len(names))
	for {
		n, err := r.Read(buf)
		chunk := append(carry, buf[:n]...)
		for i, p := range pats {
			if !found[i] && bytes.Contains(chunk, p) {
				found[i] = true
			}
		}
		if keep := 64; len(chunk) > keep {
			carry = append(carry[:0], chunk[len(chunk)-keep:]...)
		} else {
			carry = chunk
		}
		if err != nil {
			break
		}
	}
	for i, n := range names {
		if found[i] {
			return n.msg
		}
	}
	return "this is an old Office document (a compound file), not an Excel workbook (.xlsx)"
}

const msgXLS = "this is an Excel 97-2003 workbook (.xls), which cannot be read: " +
	"in Excel use File → Save As and choose Excel Workbook (.xlsx), then open that file"

func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

// partName is how excelize keys a part: forward slashes. Names compare
// without case, as Excel's do.
func partName(name string) string { return strings.ToLower(strings.ReplaceAll(name, `\`, "/")) }

// archive is a workbook's zip, checked.
type archive struct {
	zr    *zip.Reader
	parts map[string]*zip.File // by partName
}

// checkArchive refuses what no spreadsheet program writes and what would
// cost unbounded memory or time: too many parts, parts that unzip beyond
// MaxUnzipped, parts that say two things under one name, damaged data,
// XML that declares entities. It unzips every part once, into nothing.
func checkArchive(zr *zip.Reader) (*archive, error) {
	if len(zr.File) > maxParts {
		return nil, fmt.Errorf("the archive holds %d files; a workbook holds a few dozen", len(zr.File))
	}
	a := &archive{zr: zr, parts: make(map[string]*zip.File, len(zr.File))}
	var total uint64
	for _, f := range zr.File {
		n := partName(f.Name)
		if _, dup := a.parts[n]; dup {
			return nil, fmt.Errorf("the archive holds two files named %q; it is damaged", clip(f.Name))
		}
		a.parts[n] = f
		total += f.UncompressedSize64
		if f.UncompressedSize64 > MaxUnzipped || total > MaxUnzipped {
			return nil, fmt.Errorf("it would unzip to more than %d MiB (%q alone is %s), "+
				"far more than a list of users takes; this is not a workbook to import (a zip bomb?)",
				MaxUnzipped>>20, clip(f.Name), sizeText(f.UncompressedSize64))
		}
		if f.UncompressedSize64 > ratioFrom && f.UncompressedSize64/max(f.CompressedSize64, 1) > maxRatio {
			return nil, fmt.Errorf("its part %q would unzip to %s from %s (%d times smaller), which no spreadsheet program writes; "+
				"this is not a workbook to import (a zip bomb?)", clip(f.Name), sizeText(f.UncompressedSize64),
				sizeText(f.CompressedSize64), f.UncompressedSize64/max(f.CompressedSize64, 1))
		}
	}
	for _, f := range zr.File {
		if err := checkPart(f); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// checkPart unzips one part, checking its size and checksum, and that
// its XML declares no DOCTYPE.
func checkPart(f *zip.File) error {
	if f.FileInfo().IsDir() {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("its part %q cannot be unzipped (%v); the workbook is damaged", clip(f.Name), err)
	}
	defer rc.Close()
	var scan *doctypeScan
	var w io.Writer = io.Discard
	if n := partName(f.Name); strings.HasSuffix(n, xmlSuffix) || strings.HasSuffix(n, ".rels") || strings.HasSuffix(n, ".vml") {
		scan = &doctypeScan{}
		w = scan
	}
	if _, err := io.Copy(w, io.LimitReader(rc, MaxUnzipped+1)); err != nil {
		if errors.Is(err, errUTF16) {
			return fmt.Errorf("its part %q is XML in UTF-16, which Excel never writes; open the workbook in Excel and save it again", clip(f.Name))
		}
		if errors.Is(err, errDoctype) {
			return fmt.Errorf("its part %q declares a DOCTYPE or XML entities, which Excel never writes; "+
				"the workbook may be built to attack programs that read it, so it is not read", clip(f.Name))
		}
		return fmt.Errorf("its part %q is damaged (%v); open the workbook in Excel and save it again", clip(f.Name), err)
	}
	return nil
}

var (
	errDoctype = errors.New("DOCTYPE")
	errUTF16   = errors.New("UTF-16")
)

// doctypeScan fails a write that holds "<!DOCTYPE" or "<!ENTITY",
// across write boundaries, and XML in UTF-16, where it would not see them.
type doctypeScan struct {
	tail    []byte
	started bool
}

func (d *doctypeScan) Write(p []byte) (int, error) {
	if !d.started && len(p) > 0 {
		d.started = true
		if bytes.HasPrefix(p, []byte("\xFF\xFE")) || bytes.HasPrefix(p, []byte("\xFE\xFF")) ||
			(len(p) > 1 && (p[0] == 0 || p[1] == 0)) {
			return 0, errUTF16
		}
	}
	buf := append(d.tail, p...)
	if bytes.Contains(buf, []byte("<!DOCTYPE")) || bytes.Contains(buf, []byte("<!ENTITY")) {
		return 0, errDoctype
	}
	keep := min(len(buf), 8)
	d.tail = append(d.tail[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

func sizeText(n uint64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", (n+1023)>>10)
}

// sheetRef is one sheet of the workbook as workbook.xml lists it.
type sheetRef struct {
	name   string
	part   string // partName of its XML; "" when it is not a worksheet (a chart sheet)
	hidden bool
}

// sheets lists the workbook's sheets in tab order, from the workbook part
// that _rels/.rels names and its relationships. Other zips get a message
// saying what they are.
func (a *archive) sheets() ([]sheetRef, error) {
	wbPath, exPath := "xl/workbook.xml", "xl/workbook.xml"
	if rels, ok := a.parts["_rels/.rels"]; ok {
		rs, err := readRels(rels)
		if err != nil {
			return nil, err
		}
		main := 0
		for _, r := range rs {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				main++
				wbPath = resolve("", r.target)
				exPath = strings.TrimPrefix(r.target, "/") // as excelize's getWorkbookPath
			}
		}
		if main > 1 {
			return nil, fmt.Errorf("the archive names %d main workbook parts, where a workbook has one; it is damaged", main)
		}
	}
	wb, ok := a.parts[wbPath]
	if !ok {
		return nil, a.notWorkbook()
	}
	if err := a.sameForExcelize(wb, exPath); err != nil {
		return nil, err
	}
	var doc struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			State string     `xml:"state,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(wb, &doc); err != nil {
		return nil, err
	}
	dir := path.Dir(wbPath)
	targets := map[string]string{}
	if rf, ok := a.parts[path.Join(dir, "_rels", path.Base(wbPath)+".rels")]; ok {
		rs, err := readRels(rf)
		if err != nil {
			return nil, err
		}
		ids := map[string]bool{}
		for _, r := range rs {
			if ids[r.id] {
				return nil, fmt.Errorf("the workbook's relationships name %q twice; it is damaged", clip(r.id))
			}
			ids[r.id] = true
			if strings.HasSuffix(r.typ, "/worksheet") {
				targets[r.id] = resolve(dir, r.target)
				if f, ok := a.parts[targets[r.id]]; ok {
					if err := a.sameForExcelize(f, excelizeSheetPath(exPath, r.target)); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	var out []sheetRef
	seen := map[string]bool{}
	for _, s := range doc.Sheets {
		// Excel refuses two sheets of one name in any letter case; a
		// workbook that has them could be read one way here and another
		// by excelize.
		k := strings.ToLower(s.Name)
		if seen[k] {
			return nil, fmt.Errorf("the workbook has two sheets named %q; it is damaged", clip(s.Name))
		}
		seen[k] = true
		ref := sheetRef{name: s.Name, hidden: s.State == "hidden" || s.State == "veryHidden"}
		ids := 0
		for _, at := range s.Attrs {
			if at.Name.Local == "id" && strings.Contains(at.Name.Space, "relationships") {
				ref.part = targets[at.Value]
				ids++
			}
		}
		if ids > 1 {
			return nil, fmt.Errorf("the workbook's sheet %q names %d parts; it is damaged", clip(s.Name), ids)
		}
		if _, ok := a.parts[ref.part]; !ok {
			ref.part = ""
		}
		out = append(out, ref)
	}
	return out, nil
}

// sameForExcelize refuses a part that excelize, which formats the cells,
// would look for under another name than this package found it: it takes
// names as they are (but for backslashes) and joins relationship targets
// without first turning backslashes into slashes. Read two ways, a
// workbook could show one sheet to the checks here and another to
// excelize.
func (a *archive) sameForExcelize(f *zip.File, exName string) error {
	if strings.ReplaceAll(f.Name, `\`, "/") != exName {
		return fmt.Errorf("its part %q is named %q where the workbook points to it, which programs read in different ways; "+
			"open the workbook in Excel and save it again", clip(f.Name), clip(exName))
	}
	return nil
}

// excelizeSheetPath is where excelize looks for a sheet whose relationship
// target is target, in a workbook at wb (its getWorksheetPath).
func excelizeSheetPath(wb, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(target), `\`, "/"), "/")
	}
	return strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(filepath.Dir(wb)+"/"+target), `\`, "/"), "/")
}

// notWorkbook says what a zip without a workbook part is.
func (a *archive) notWorkbook() error {
	switch {
	case a.parts["xl/workbook.bin"] != nil:
		return errors.New("this is an Excel binary workbook (.xlsb), which cannot be read: " +
			"in Excel use File → Save As and choose Excel Workbook (.xlsx)")
	case a.parts["mimetype"] != nil || a.parts["content.xml"] != nil:
		return errors.New("this is an OpenDocument file (LibreOffice, .ods), not an Excel workbook: " +
			"save it as Excel 2007-365 (.xlsx) or as CSV")
	case a.parts["word/document.xml"] != nil:
		return errors.New("this is a Word document, not an Excel workbook")
	}
	return errors.New("this is a zip archive, not an Excel workbook (it has no workbook part)")
}

type rel struct{ id, typ, target string }

func readRels(f *zip.File) ([]rel, error) {
	var doc struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(f, &doc); err != nil {
		return nil, err
	}
	out := make([]rel, len(doc.Rels))
	for i, r := range doc.Rels {
		out[i] = rel{r.ID, r.Type, r.Target}
	}
	return out, nil
}

// decodePart decodes a small XML part (checked by checkArchive).
func decodePart(f *zip.File, v any) error {
	if f.UncompressedSize64 > MaxInMemory {
		return fmt.Errorf("its part %q is %s, far larger than Excel writes it", clip(f.Name), sizeText(f.UncompressedSize64))
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("its part %q cannot be unzipped (%v); the workbook is damaged", clip(f.Name), err)
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("its part %q is not readable XML (%v); the workbook is damaged", clip(f.Name), err)
	}
	return nil
}

// resolve turns a relationship's target into a part name.
func resolve(dir, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return partName(strings.TrimPrefix(path.Clean(target), "/"))
	}
	return partName(strings.TrimPrefix(path.Join(dir, target), "/"))
}
