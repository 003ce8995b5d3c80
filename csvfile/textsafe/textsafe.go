// Package textsafe renders untrusted text for people. File cells, headers,
// mapping files and server messages can hold bytes that steer a terminal
// (an escape sequence that sets the clipboard, clears the screen or
// retitles the window), reorder what is shown (bidi overrides) or do not
// show at all (zero-width characters). Show makes every such character
// visible as an escape; Classify tells validation which is which, so the
// renderer and the rules can never disagree about a character.
package textsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Class says what a character is to a person reading it on a screen.
type Class uint8

const (
	// Plain characters show as themselves.
	Plain Class = iota
	// Control characters steer a terminal: C0 controls (tab and line
	// breaks included), DEL, C1 controls, the line and paragraph
	// separators, and bytes that are not UTF-8.
	Control
	// Bidi controls (U+202A–U+202E, U+2066–U+2069) reorder the text
	// around them, so what is shown is not what is stored.
	Bidi
	// ZeroWidth characters (U+200B–U+200D, U+2060, U+FEFF) take no room:
	// two strings that look the same differ.
	ZeroWidth
	// Format characters are the other invisible ones (Unicode category
	// Cf): direction marks, the soft hyphen, tag characters.
	Format
)

// Classify returns the class of r. (A byte that is not UTF-8 is a
// Control wherever this package meets one; U+FFFD itself is Plain.)
func Classify(r rune) Class {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return Control
	case r < 0x7f:
		return Plain
	case r == '\u2028' || r == '\u2029':
		return Control
	case (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
		return Bidi
	case (r >= '\u200b' && r <= '\u200d') || r == '\u2060' || r == '\ufeff':
		return ZeroWidth
	case unicode.Is(unicode.Cf, r):
		return Format
	}
	return Plain
}

// Show returns s with every character that is not Plain replaced by a
// visible escape: \t, \n and \r; \xNN for the other ASCII controls and
// for bytes that are not UTF-8; \uXXXX for the rest (DEL, C1 controls,
// bidi, zero-width and format characters; a surrogate pair beyond U+FFFF).
// The result holds printable characters only. The \u form is JSON's own,
// so JSON text passed through Show stays JSON and keeps its data. A
// backslash is left as it is, so Show(Show(s)) == Show(s) and text may
// pass through it at every layer without piling up escapes. Text that is
// all plain comes back as it is, without a copy.
func Show(s string) string {
	i := firstUnsafe(s)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += size
		if Classify(r) == Plain {
			b.WriteRune(r)
			continue
		}
		switch {
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// FirstInvalidUTF8 is the index of the first byte of s that is not UTF-8,
// or len(s) when all of it is.
func FirstInvalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return len(s)
}

// firstUnsafe returns the index of the first byte of s that starts a
// character Show must escape, or len(s).
func firstUnsafe(s string) int {
	i := 0
	// Eight bytes at a time while all are printable ASCII (0x20 to 0x7e):
	// no high bit, none below 0x20 (subtracting 0x20 from each sets a high
	// bit), none 0x7f (adding 1 to each sets one). A cell is mostly that.
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if (x|(x-0x2020202020202020)|(x+0x0101010101010101))&0x8080808080808080 != 0 {
			break
		}
	}
	return firstUnsafeFrom(s, i)
}

// firstUnsafeFrom is firstUnsafe a character at a time, from byte i.
func firstUnsafeFrom(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return i
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || Classify(r) != Plain {
			return i
		}
		i += size
	}
	return len(s)
}

// Safe reports whether Show would return s unchanged.
func Safe(s string) bool { return firstUnsafe(s) == len(s) }

// Found is what Scan reports about a string.
type Found struct {
	First rune  // the first character of the worst class found (utf8.RuneError: a byte that is not UTF-8)
	Class Class // that class: Control and Bidi before ZeroWidth before Format
	Count int   // how many characters of that rank
}

// Scan finds the characters of s that are not Plain and reports the worst
// class among them (Plain when there are none). A byte that is not UTF-8
// counts as utf8.RuneError, a Control. Plain ASCII costs one comparison a
// byte; nothing is allocated.
func Scan(s string) Found {
	var f Found
	for i := firstUnsafe(s); i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		cl := Classify(r)
		if r == utf8.RuneError && size == 1 {
			cl = Control
		}
		if cl == Plain {
			continue
		}
		switch {
		case rank(cl) > rank(f.Class):
			f = Found{First: r, Class: cl, Count: 1}
		case rank(cl) == rank(f.Class):
			f.Count++
		}
	}
	return f
}

// rank orders classes by harm: controls and bidi steer what is shown,
// zero-width and format characters only hide.
func rank(c Class) int {
	switch c {
	case Control, Bidi:
		return 3
	case ZeroWidth:
		return 2
	case Format:
		return 1
	}
	return 0
}

// Remove returns s without the characters of the classes drop reports
// (a byte that is not UTF-8 counts as a Control).
func Remove(s string, drop func(Class) bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		cl := Classify(r)
		if r == utf8.RuneError && size == 1 {
			cl = Control
		}
		if !drop(cl) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Describe names a character for a message: "U+001B (ESC)",
// "U+202E (RIGHT-TO-LEFT OVERRIDE)", "U+00E9".
func Describe(r rune) string {
	if r == utf8.RuneError {
		return "a byte that is not UTF-8"
	}
	code := fmt.Sprintf("U+%04X", r)
	if n := name(r); n != "" {
		return code + " (" + n + ")"
	}
	return code
}

var c0Names = [...]string{"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LINE FEED", "VT",
	"FF", "CARRIAGE RETURN", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
	"SUB", "ESC", "FS", "GS", "RS", "US"}

var otherNames = map[rune]string{
	0x7f:     "DEL",
	0x85:     "NEXT LINE",
	0x9b:     "CSI",
	0x9d:     "OSC",
	0x90:     "DCS",
	0x9c:     "ST",
	0xad:     "SOFT HYPHEN",
	'\u200b': "ZERO WIDTH SPACE",
	'\u200c': "ZERO WIDTH NON-JOINER",
	'\u200d': "ZERO WIDTH JOINER",
	'\u200e': "LEFT-TO-RIGHT MARK",
	'\u200f': "RIGHT-TO-LEFT MARK",
	'\u2028': "LINE SEPARATOR",
	'\u2029': "PARAGRAPH SEPARATOR",
	'\u202a': "LEFT-TO-RIGHT EMBEDDING",
	'\u202b': "RIGHT-TO-LEFT EMBEDDING",
	'\u202c': "POP DIRECTIONAL FORMATTING",
	'\u202d': "LEFT-TO-RIGHT OVERRIDE",
	'\u202e': "RIGHT-TO-LEFT OVERRIDE",
	'\u2060': "WORD JOINER",
	'\u2066': "LEFT-TO-RIGHT ISOLATE",
	'\u2067': "RIGHT-TO-LEFT ISOLATE",
	'\u2068': "FIRST STRONG ISOLATE",
	'\u2069': "POP DIRECTIONAL ISOLATE",
	'\ufeff': "BYTE ORDER MARK",
}

func name(r rune) string {
	if r >= 0 && r < 0x20 {
		return c0Names[r]
	}
	return otherNames[r]
}

// ShellQuote is s as one word of a POSIX shell command line, quoted when
// it needs it, for the commands usersync tells the operator to run: a path
// with a space in it still works when the line is pasted. Characters a
// terminal would act on are shown escaped (Show), never raw.
func ShellQuote(s string) string {
	s = Show(s)
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
