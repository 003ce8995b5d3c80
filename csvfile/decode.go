package csvfile

import (
	"strconv"
	"strings"
	"unicode/utf8"
	"usersync/csvfile/textsafe"

	"golang.org/x/text/encoding/unicode"
)

// Encoding names as File.Encoding reports them.
const (
	EncUTF8        = "UTF-8"
	EncUTF8BOM     = "UTF-8 with BOM"
	EncUTF16LE     = "UTF-16LE"
	EncUTF16BE     = "UTF-16BE"
	EncWindows1252 = "Windows-1252"
)

// decoded is the file's text as UTF-8, with how it was stored.
type decoded struct {
	text     string
	encoding string
	warning  string // set when the reader had to guess
}

// decode turns the raw bytes into UTF-8 text. Support staff hand us what
// Excel wrote: UTF-8 with or without a BOM, "Unicode text" (UTF-16 with a
// BOM), or an ANSI code page, which in practice is Windows-1252. Anything
// that is not text (a workbook, a PDF) is refused with a clear message.
func decode(raw string) (decoded, *FileError) {
	if isUTF32(raw) {
		return decoded{}, &FileError{Msg: msgUTF32}
	}
	switch {
	case strings.HasPrefix(raw, "\xEF\xBB\xBF"):
		text := raw[3:]
		if err := refuseBinary(text); err != nil {
			return decoded{}, err
		}
		if !utf8.ValidString(text) {
			// Rows pasted in from an ANSI export: their bytes are
			// Windows-1252, the rest is UTF-8.
			line := 1 + strings.Count(text[:textsafe.FirstInvalidUTF8(text)], "\n")
			return decoded{text: readInvalidAs1252(text), encoding: EncUTF8BOM, warning: mixedWarning(EncUTF8BOM, line)}, nil
		}
		return decoded{text: text, encoding: EncUTF8BOM}, nil
	case strings.HasPrefix(raw, "\xFF\xFE"):
		return decodeUTF16(raw, unicode.LittleEndian, EncUTF16LE)
	case strings.HasPrefix(raw, "\xFE\xFF"):
		return decodeUTF16(raw, unicode.BigEndian, EncUTF16BE)
	}
	// UTF-16 saved without a BOM: every other byte of ASCII text is NUL.
	if len(raw) >= 4 && raw[0] != 0 && raw[1] == 0 && raw[2] != 0 && raw[3] == 0 {
		return decodeUTF16(raw, unicode.LittleEndian, EncUTF16LE)
	}
	if len(raw) >= 4 && raw[0] == 0 && raw[1] != 0 && raw[2] == 0 && raw[3] != 0 {
		return decodeUTF16(raw, unicode.BigEndian, EncUTF16BE)
	}
	if err := refuseBinary(raw); err != nil {
		return decoded{}, err
	}
	if utf8.ValidString(raw) {
		return decoded{text: raw, encoding: EncUTF8}, nil
	}
	if hasMultibyteUTF8(raw) {
		// UTF-8 with some rows from an ANSI export: reading it all as
		// Windows-1252 would garble every UTF-8 letter (Renée → RenÃ©e).
		line := 1 + strings.Count(raw[:textsafe.FirstInvalidUTF8(raw)], "\n")
		return decoded{text: readInvalidAs1252(raw), encoding: EncUTF8, warning: mixedWarning(EncUTF8, line)}, nil
	}
	// No UTF-8 beyond ASCII: every byte that is not ASCII is Windows-1252.
	text := readInvalidAs1252(raw)
	line := 1 + strings.Count(raw[:textsafe.FirstInvalidUTF8(raw)], "\n")
	return decoded{text: text, encoding: EncWindows1252, warning: ansiWarning(line)}, nil
}

// mixedWarning is the warning about a UTF-8 file (enc: with or without a
// BOM) with bytes from an ANSI export in it, the first on line.
func mixedWarning(enc string, line int) string {
	says := "is"
	if enc == EncUTF8BOM {
		says = "says it is"
	}
	return "the file " + says + " UTF-8 but has bytes that are not (first on line " +
		strconv.Itoa(line) + "); they were read as Windows-1252, so check accented letters"
}

// ansiWarning is the warning about a file read as Windows-1252 whose first
// byte beyond ASCII is on line.
func ansiWarning(line int) string {
	return "the file is not UTF-8 (first on line " + strconv.Itoa(line) +
		"); it was read as Windows-1252, so check accented letters"
}

func decodeUTF16(raw string, e unicode.Endianness, name string) (decoded, *FileError) {
	if ferr := brokenUTF16(raw, e == unicode.BigEndian, name); ferr != nil {
		return decoded{}, ferr
	}
	text, err := unicode.UTF16(e, unicode.UseBOM).NewDecoder().String(raw)
	if err != nil {
		return decoded{}, &FileError{Msg: "cannot read the file as " + name + ": " + err.Error()}
	}
	if err := refuseBinary(text); err != nil {
		return decoded{}, err
	}
	return decoded{text: text, encoding: name}, nil
}

// notText names the files people pick by mistake, by how they start: a
// workbook (an .xlsx is a zip archive; an .xls a compound document), a PDF
// or a screenshot. Saying what the file is beats pointing at a line of a
// file that has none.
var notText = []struct{ magic, msg string }{
	// A workbook given by its name is read as one (workbook.Detect), so
	// a CSV reader meets one only on standard input or a pipe.
	{"PK\x03\x04", "this is an Excel workbook or a zip archive, not a CSV file; " +
		"a workbook is read from its file, not from standard input or a pipe: give its name (usersync validate users.xlsx)"},
	{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "this is an Excel 97-2003 workbook (or another Office document), not a CSV file; " +
		"in Excel use Save As and choose CSV UTF-8"},
	{"%PDF-", "this is a PDF document, not a CSV file"},
	{"\x89PNG\r\n\x1a\n", "this is a PNG image, not a CSV file"},
	{"\xFF\xD8\xFF", "this is a JPEG image, not a CSV file"},
}

// refuseBinary rejects data that is not text.
func refuseBinary(s string) *FileError {
	for _, k := range notText {
		if strings.HasPrefix(s, k.magic) {
			return &FileError{Msg: k.msg}
		}
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		return &FileError{Line: 1 + strings.Count(s[:i], "\n"),
			Msg: "binary data (a NUL byte): this is not a CSV text file"}
	}
	return nil
}

// hasMultibyteUTF8 reports whether s holds a character beyond ASCII
// written as UTF-8.
func hasMultibyteUTF8(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			if _, size := utf8.DecodeRuneInString(s[i:]); size > 1 {
				return true
			}
		}
	}
	return false
}

// readInvalidAs1252 keeps the UTF-8 of s and reads each byte that is not
// UTF-8 as Windows-1252.
func readInvalidAs1252(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(win1252[s[i]])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

const msgUTF32 = "this is UTF-32 text, which spreadsheets do not write and usersync does not read; " +
	"save it as UTF-8 (in Excel: Save As, CSV UTF-8)"

// isUTF32 recognises UTF-32 by its byte order mark, or by ASCII text with
// three NULs beside every character.
func isUTF32(s string) bool {
	if strings.HasPrefix(s, "\xFF\xFE\x00\x00") || strings.HasPrefix(s, "\x00\x00\xFE\xFF") {
		return true
	}
	if len(s) < 8 {
		return false
	}
	le := s[0] != 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] != 0 && s[5] == 0 && s[6] == 0 && s[7] == 0
	be := s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] != 0 && s[4] == 0 && s[5] == 0 && s[6] == 0 && s[7] != 0
	return le || be
}

// brokenUTF16 finds what a UTF-16 decoder would silently turn into U+FFFD:
// an odd number of bytes (the file was cut in the middle of a character)
// and half a surrogate pair. It names the line.
func brokenUTF16(raw string, bigEndian bool, name string) *FileError {
	unit := func(i int) uint16 {
		if bigEndian {
			return uint16(raw[i])<<8 | uint16(raw[i+1])
		}
		return uint16(raw[i+1])<<8 | uint16(raw[i])
	}
	cut := &FileError{Msg: "the file is " + name + " but ends in the middle of a character; it was cut short: export it again"}
	line := 1
	n := len(raw) &^ 1
	for i := 0; i < n; i += 2 {
		u := unit(i)
		if u == '\n' {
			line++
		}
		if u < 0xD800 || u > 0xDFFF {
			continue
		}
		if u < 0xDC00 { // a high surrogate wants a low one next
			if i+2 >= n {
				cut.Line = line
				return cut
			}
			if v := unit(i + 2); v >= 0xDC00 && v <= 0xDFFF {
				i += 2
				continue
			}
		}
		return &FileError{Line: line, Msg: "the file is " + name + " but has a broken character here " +
			"(half of a surrogate pair); it was damaged: export it again"}
	}
	if len(raw)%2 == 1 {
		cut.Line = line
		return cut
	}
	return nil
}

// sniffText judges the first bytes of a file (all of it when complete):
// what is not text is refused before the rest is read, with the message
// decode would give for the whole file.
func sniffText(head string, complete bool) *FileError {
	if isUTF32(head) {
		return &FileError{Msg: msgUTF32}
	}
	if len(head) < 2 || strings.HasPrefix(head, "\xEF\xBB\xBF") {
		return refuseBinary(strings.TrimPrefix(head, "\xEF\xBB\xBF"))
	}
	var e unicode.Endianness
	switch {
	case strings.HasPrefix(head, "\xFF\xFE"), len(head) >= 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0:
		e = unicode.LittleEndian
	case strings.HasPrefix(head, "\xFE\xFF"), len(head) >= 4 && head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0:
		e = unicode.BigEndian
	default:
		return refuseBinary(head)
	}
	if !complete { // a character may be cut at the end of the part read
		head = head[:len(head)&^3]
	}
	text, err := unicode.UTF16(e, unicode.UseBOM).NewDecoder().String(head)
	if err != nil {
		return nil // decode says what is wrong once it has the whole file
	}
	return refuseBinary(text)
}
