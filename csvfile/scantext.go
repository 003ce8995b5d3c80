package csvfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
	"usersync/csvfile/textsafe"

	"golang.org/x/text/encoding/unicode"
)

// scanHead is how much of a file Scan reads before deciding how it is
// stored; a file no longer than that is decoded whole, by decode itself.
// Tests make it small so that every file takes the block-by-block path.
var scanHead = 64 << 10

const minScanHead = 16

// scanBlock is how many bytes Scan reads at a time.
var scanBlock = 64 << 10

// textReader turns a file's bytes into the text Open would make of them,
// block by block: decoded as decode does (its first bytes go through
// decode itself, so what it recognises or refuses there is the same) and
// with lone CR line ends read as line feeds, as parse does.
type textReader struct {
	src  io.Reader
	enc  string // decode's verdict on the first bytes
	done bool   // src is at its end
	// whole is the file's text when it fit in the first read, and
	// wholeWarning decode's warning about it.
	whole        []byte
	wholeWarning string
	decodedWhole bool

	// UTF-8 and Windows-1252: raw bytes, some held back at a block's end
	// (a character cut in two).
	raw, held []byte
	// what decode would say about the whole file, learnt block by block
	sawInvalid   bool
	sawMultibyte bool
	invalidLine  int
	lines        int // line feeds before the block being decoded

	utf16 *utf16Blocks // UTF-16: what is known of the code units read

	// Line ends: 0 while undecided, else crYes or crNo; inQuote carries
	// the decision's scan across blocks, heldCR a CR at a block's end.
	cr      int
	scanned int
	inQuote bool
	heldCR  bool
	pending []byte // text read while the line ends are undecided
	out     []byte
}

const (
	crYes = 1 + iota
	crNo
)

// newTextReader reads the first bytes of src and decides how the file is
// stored. Failures are *FileErrors without a path.
func newTextReader(src io.Reader) (*textReader, *FileError) {
	t := &textReader{src: src}
	// decode needs a few bytes at least to know a byte order mark, UTF-16
	// without one, or a workbook.
	first := make([]byte, max(scanHead, minScanHead)+1)
	n, err := io.ReadFull(src, first)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		t.done = true
	case err != nil:
		return nil, &FileError{Msg: "cannot read the file: " + err.Error(), Err: err}
	}
	first = first[:n]
	if n == 0 {
		return nil, &FileError{Msg: "the file is empty"}
	}
	if t.done { // the whole file: decode decodes it
		dec, ferr := decode(string(first))
		if ferr != nil {
			return nil, ferr
		}
		if dec.text == "" {
			return nil, &FileError{Msg: "the file is empty"}
		}
		t.enc, t.whole, t.wholeWarning, t.decodedWhole = dec.encoding, []byte(dec.text), dec.warning, true
		return t, nil
	}
	// Judged from its first bytes as the whole would be (sniffText, which
	// Input.CheckText uses too); the rest is decoded block by block.
	if ferr := sniffText(string(first), false); ferr != nil {
		return nil, ferr
	}
	t.enc = encodingOf(first)
	switch t.enc {
	case EncUTF16LE, EncUTF16BE:
		t.utf16 = &utf16Blocks{be: t.enc == EncUTF16BE, line: 1, first: true}
		t.held = first
	case EncUTF8BOM:
		t.held = first[3:]
	default:
		t.held = first
	}
	return t, nil
}

// encoding and warning are what decode says of the whole file; they are
// final once next has returned io.EOF.
func (t *textReader) encoding() (string, string) {
	if t.decodedWhole {
		return t.enc, t.wholeWarning
	}
	switch {
	case !t.sawInvalid || t.utf16 != nil:
		return t.enc, ""
	case t.enc == EncUTF8BOM:
		return EncUTF8BOM, mixedWarning(EncUTF8BOM, t.invalidLine)
	case t.sawMultibyte:
		return EncUTF8, mixedWarning(EncUTF8, t.invalidLine)
	}
	return EncWindows1252, ansiWarning(t.invalidLine)
}

// next returns the next block of text, valid until the next call, and
// io.EOF after the last. Other failures are *FileErrors without a path.
func (t *textReader) next() ([]byte, error) {
	for {
		text, err := t.decoded()
		if err != nil && err != io.EOF {
			return nil, err
		}
		last := err == io.EOF
		out, ok := t.lineEnds(text, last)
		if ok && (len(out) > 0 || last) {
			if last && len(out) == 0 {
				return nil, io.EOF
			}
			return out, nil
		}
		if last {
			return nil, io.EOF
		}
	}
}

// decoded returns the next block of decoded text.
func (t *textReader) decoded() ([]byte, error) {
	if t.decodedWhole {
		w := t.whole
		t.whole = nil
		return w, io.EOF
	}
	if t.utf16 != nil {
		return t.decodedUTF16()
	}
	return t.decodedUTF8()
}

func (t *textReader) decodedUTF16() ([]byte, error) {
	u := t.utf16
	if t.done && len(t.held) == 0 {
		return nil, io.EOF
	}
	b, err := t.readBlock()
	if err != nil {
		return nil, err
	}
	// Whole code units only, and a high surrogate waits for its partner.
	n := len(b) &^ 1
	if !t.done && n >= 2 {
		if v := u.unit(b, n-2); v >= 0xD800 && v < 0xDC00 {
			n -= 2
		}
	}
	t.held = append(t.held[:0:0], b[n:]...)
	if ferr := u.check(b[:n], t.done && len(t.held) == 0, t.done); ferr != nil {
		return nil, ferr
	}
	if t.done && len(t.held) > 0 { // an odd byte, or a high surrogate, last
		return nil, u.cutShort()
	}
	e, bom := unicode.LittleEndian, unicode.IgnoreBOM
	if u.be {
		e = unicode.BigEndian
	}
	if u.first { // the decoder decode uses: a byte order mark only first
		bom, u.first = unicode.UseBOM, false
	}
	out, derr := unicode.UTF16(e, bom).NewDecoder().Bytes(b[:n])
	if derr != nil {
		return nil, &FileError{Msg: "cannot read the file as " + t.enc + ": " + derr.Error()}
	}
	if i := bytes.IndexByte(out, 0); i >= 0 { // as decodeUTF16's refuseBinary
		return nil, &FileError{Line: t.lines + 1 + bytes.Count(out[:i], nl),
			Msg: "binary data (a NUL byte): this is not a CSV text file"}
	}
	t.lines += bytes.Count(out, nl)
	if t.done && len(t.held) == 0 {
		return out, io.EOF
	}
	return out, nil
}

// utf16Blocks is brokenUTF16 over a file read block by block: the line of
// the code units checked so far.
type utf16Blocks struct {
	be    bool
	line  int
	first bool // no block decoded yet
}

func (u *utf16Blocks) unit(b []byte, i int) uint16 {
	if u.be {
		return uint16(b[i])<<8 | uint16(b[i+1])
	}
	return uint16(b[i+1])<<8 | uint16(b[i])
}

func (u *utf16Blocks) name() string {
	if u.be {
		return EncUTF16BE
	}
	return EncUTF16LE
}

func (u *utf16Blocks) cutShort() *FileError {
	return &FileError{Line: u.line, Msg: "the file is " + u.name() + " but ends in the middle of a character; it was cut short: export it again"}
}

// check finds in whole code units what brokenUTF16 finds: half of a
// surrogate pair (last: nothing follows b).
func (u *utf16Blocks) check(b []byte, last, done bool) *FileError {
	for i := 0; i+1 < len(b); i += 2 {
		v := u.unit(b, i)
		if v == '\n' {
			u.line++
		}
		if v < 0xD800 || v > 0xDFFF {
			continue
		}
		if v < 0xDC00 { // a high surrogate wants a low one next
			if i+2 >= len(b) {
				if last || done {
					return u.cutShort()
				}
				continue // held back: never here
			}
			if w := u.unit(b, i+2); w >= 0xDC00 && w <= 0xDFFF {
				i += 2
				continue
			}
		}
		return &FileError{Line: u.line, Msg: "the file is " + u.name() + " but has a broken character here " +
			"(half of a surrogate pair); it was damaged: export it again"}
	}
	return nil
}

// readBlock reads the next block of raw bytes, the held ones first.
func (t *textReader) readBlock() ([]byte, error) {
	if cap(t.raw) < scanBlock+len(t.held)+utf8.UTFMax {
		t.raw = make([]byte, 0, scanBlock+len(t.held)+utf8.UTFMax)
	}
	b := append(t.raw[:0], t.held...)
	t.held = nil
	for target := len(b) + scanBlock; !t.done && len(b) < target; {
		n, err := t.src.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			t.done = true
		} else if err != nil {
			return nil, &FileError{Msg: "cannot read the file: " + err.Error(), Err: err}
		}
	}
	t.raw = b
	return b, nil
}

var nl = []byte{'\n'}

// decodedUTF8 reads a block of UTF-8 (or Windows-1252) and decodes it as
// decode decodes the whole: UTF-8 as it is, every byte that is not UTF-8
// as Windows-1252 (which for a file without any UTF-8 beyond ASCII is the
// same as reading it all as Windows-1252, as decode then does).
func (t *textReader) decodedUTF8() ([]byte, error) {
	if t.done && len(t.held) == 0 {
		return nil, io.EOF
	}
	b, err := t.readBlock()
	if err != nil {
		return nil, err
	}
	if !t.done {
		// Hold back a character cut at the block's end.
		for k := 1; k <= utf8.UTFMax-1 && k <= len(b); k++ {
			c := b[len(b)-k]
			if c < utf8.RuneSelf {
				break
			}
			if utf8.RuneStart(c) {
				if !utf8.FullRune(b[len(b)-k:]) {
					t.held = append(t.held[:0:0], b[len(b)-k:]...)
					b = b[:len(b)-k]
				}
				break
			}
		}
	}
	if i := bytes.IndexByte(b, 0); i >= 0 { // as refuseBinary
		return nil, &FileError{Line: t.lines + 1 + bytes.Count(b[:i], nl),
			Msg: "binary data (a NUL byte): this is not a CSV text file"}
	}
	out := b
	if !utf8.Valid(b) {
		if !t.sawInvalid {
			t.sawInvalid = true
			at := textsafe.FirstInvalidUTF8(string(b))
			t.invalidLine = t.lines + 1 + bytes.Count(b[:at], nl)
		}
		if !t.sawMultibyte {
			t.sawMultibyte = hasMultibyteUTF8(string(b))
		}
		out = []byte(readInvalidAs1252(string(b)))
	} else if !t.sawMultibyte && !asciiOnly(b) {
		t.sawMultibyte = true
	}
	t.lines += bytes.Count(b, nl)
	if t.done && len(t.held) == 0 {
		return out, io.EOF
	}
	return out, nil
}

// asciiOnly reports whether b is all ASCII, 64 bytes at a time.
func asciiOnly(b []byte) bool {
	for len(b) >= 64 {
		var acc uint64
		for k := 0; k < 64; k += 8 {
			acc |= binary.LittleEndian.Uint64(b[k:])
		}
		if acc&0x8080808080808080 != 0 {
			return false
		}
		b = b[64:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lineEnds applies parse's reading of line ends to a block of text: a file
// whose first line end outside quotes is a lone CR (crLineEnds) has every
// lone CR read as a line feed (crToLF). Until that first line end is seen
// the text is held; ok is false while it is. last says no text follows.
func (t *textReader) lineEnds(text []byte, last bool) (out []byte, ok bool) {
	if t.cr == 0 {
		t.pending = append(t.pending, text...)
		t.decideCR(last)
		if t.cr == 0 {
			return nil, false
		}
		text, t.pending = t.pending, nil
	}
	if t.cr == crNo {
		return text, true
	}
	out = t.out[:0]
	if t.heldCR {
		if len(text) > 0 && text[0] == '\n' {
			out = append(out, '\r')
		} else {
			out = append(out, '\n')
		}
		t.heldCR = false
	}
	from := 0
	for i := bytes.IndexByte(text, '\r'); i >= 0; i = bytes.IndexByte(text[from:], '\r') {
		i += from
		out = append(out, text[from:i]...)
		switch {
		case i+1 < len(text):
			if text[i+1] == '\n' {
				out = append(out, '\r')
			} else {
				out = append(out, '\n')
			}
		case last:
			out = append(out, '\n')
		default:
			t.heldCR = true // the next block says whether a line feed follows
		}
		from = i + 1
	}
	out = append(out, text[from:]...)
	t.out = out
	return out, true
}

// decideCR looks for the first line end outside quotes in the pending
// text, as crLineEnds does in the whole; the scan resumes where it
// stopped when more text is pending.
func (t *textReader) decideCR(last bool) {
	s := t.pending
	for ; t.scanned < len(s); t.scanned++ {
		switch s[t.scanned] {
		case '"':
			t.inQuote = !t.inQuote
		case '\n':
			if !t.inQuote {
				t.cr = crNo
				return
			}
		case '\r':
			if t.inQuote {
				continue
			}
			switch {
			case t.scanned+1 < len(s):
				t.cr = crNo
				if s[t.scanned+1] != '\n' {
					t.cr = crYes
				}
			case last:
				t.cr = crYes
			}
			return // else the next block says whether a line feed follows
		}
	}
	if last {
		t.cr = crNo
	}
}

// encodingOf says, from the first bytes, how decode will read the file:
// UTF-8 with a BOM, UTF-16 (with a BOM or without), else UTF-8 or
// Windows-1252, which only the whole can tell apart.
func encodingOf(head []byte) string {
	switch h := string(head[:min(len(head), 4)]); {
	case strings.HasPrefix(h, "\xEF\xBB\xBF"):
		return EncUTF8BOM
	case strings.HasPrefix(h, "\xFF\xFE"), len(h) >= 4 && h[0] != 0 && h[1] == 0 && h[2] != 0 && h[3] == 0:
		return EncUTF16LE
	case strings.HasPrefix(h, "\xFE\xFF"), len(h) >= 4 && h[0] == 0 && h[1] != 0 && h[2] == 0 && h[3] != 0:
		return EncUTF16BE
	}
	return EncUTF8
}
