package ui

import (
	"strings"

	"usersync/csvfile/textsafe"
)

// show renders untrusted text (cells, headers, messages, server errors,
// file names) for a screen: control, bidi and invisible characters
// escaped and visible. Every screen puts such text through it before
// styling it, so widths are measured on what is shown.
func show(s string) string { return textsafe.Show(s) }

// safeFrame is the last guard on a frame: the program's own styles (SGR
// sequences, ESC [ … m) and line feeds pass, and everything else that
// could steer a terminal (an escape sequence a screen forgot to render
// with show, a bidi control) is escaped with textsafe.Show.
func safeFrame(frame string) string {
	if plainLines(frame) {
		return frame // nothing styled or strange
	}
	var b strings.Builder
	b.Grow(len(frame) + 16)
	from := 0 // start of the text not yet written
	flush := func(to int) {
		b.WriteString(textsafe.Show(frame[from:to]))
	}
	for i := 0; i < len(frame); i++ {
		switch frame[i] {
		case '\n':
			flush(i)
			b.WriteByte('\n')
			from = i + 1
		case 0x1b:
			if n := sgrLen(frame[i:]); n > 0 {
				flush(i)
				b.WriteString(frame[i : i+n])
				from = i + n
				i += n - 1
			}
		}
	}
	flush(len(frame))
	return b.String()
}

// sgrLen returns the length of the SGR sequence (ESC [ digits ; : m) s
// starts with, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s) && i < 64; i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case (c >= '0' && c <= '9') || c == ';' || c == ':':
		default:
			return 0
		}
	}
	return 0
}

// plainLines reports whether s is safe text and line feeds only.
func plainLines(s string) bool {
	for {
		nl := strings.IndexByte(s, '\n')
		if nl < 0 {
			return textsafe.Safe(s)
		}
		if !textsafe.Safe(s[:nl]) {
			return false
		}
		s = s[nl+1:]
	}
}
