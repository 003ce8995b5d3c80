package csvfile

import (
	"errors"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// win1252 is Windows-1252 as Windows itself reads it: the five bytes the
// code page gives no character (0x81, 0x8D, 0x8F, 0x90, 0x9D) are the C1
// controls of the same number. x/text reads them as U+FFFD, which would
// lose the byte and leave a cell no save can write back; as controls they
// are kept, flagged by the character rule, and written back as they were.
var win1252 = func() (t [256]rune) {
	for b := range t {
		if t[b] = charmap.Windows1252.DecodeByte(byte(b)); t[b] == utf8.RuneError {
			t[b] = rune(b)
		}
	}
	return t
}()

// encode1252 is the byte Windows-1252 writes r as, as win1252 reads it.
func encode1252(r rune) (byte, bool) {
	if r >= 0x80 && r <= 0x9f && win1252[r] == r {
		return byte(r), true
	}
	return charmap.Windows1252.EncodeRune(r)
}

var errUnencodable1252 = errors.New("a character Windows-1252 has no byte for")

// encoder1252 writes UTF-8 text as Windows-1252 through encode1252.
type encoder1252 struct{ transform.NopResetter }

func (encoder1252) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if nDst >= len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		if c := src[nSrc]; c < utf8.RuneSelf {
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		if !atEOF && !utf8.FullRune(src[nSrc:]) {
			return nDst, nSrc, transform.ErrShortSrc
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		b, ok := encode1252(r)
		if !ok || (r == utf8.RuneError && size == 1) {
			return nDst, nSrc, errUnencodable1252
		}
		dst[nDst] = b
		nDst++
		nSrc += size
	}
	return nDst, nSrc, nil
}
