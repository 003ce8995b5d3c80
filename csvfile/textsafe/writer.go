package textsafe

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// Writer renders everything written through it with Show, keeping only
// its line feeds as they are and turning tabs into spaces (to the next
// multiple of 8 columns: help text from the flag package lays out so). A program puts one in front of its standard
// output and error, so that whatever reaches them (a message built from a
// cell, a header or a server's answer, JSON) holds no character that
// steers a terminal; JSON stays JSON (see Show). The program's own escape
// sequences (colours on a terminal, a progress bar) go to Unwrap, around
// text already rendered with Show.
type Writer struct {
	w       io.Writer
	pending []byte // the start of a character cut by the end of a Write
	col     int    // characters written since the last line feed
}

// NewWriter returns a Writer in front of w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Unwrap returns the writer underneath.
func (w *Writer) Unwrap() io.Writer { return w.w }

// Write renders p and writes it; it reports len(p) on success.
func (w *Writer) Write(p []byte) (int, error) {
	data := p
	if len(w.pending) > 0 {
		data = append(w.pending, p...)
		w.pending = nil
	}
	// Keep a character cut at the end for the next Write.
	if cut := incompleteTail(data); cut > 0 {
		w.pending = append([]byte(nil), data[len(data)-cut:]...)
		data = data[:len(data)-cut]
	}
	if safeLines(data) {
		if _, err := w.w.Write(data); err != nil {
			return 0, err
		}
		w.advance(data)
		return len(p), nil
	}
	out := make([]byte, 0, len(data)+16)
	for len(data) > 0 {
		line := data
		nl := bytes.IndexByte(data, '\n')
		if nl >= 0 {
			line = data[:nl]
		}
		for len(line) > 0 {
			part := line
			tab := bytes.IndexByte(line, '\t')
			if tab >= 0 {
				part = line[:tab]
			}
			shown := Show(string(part))
			out = append(out, shown...)
			w.col += utf8.RuneCountInString(shown)
			if tab < 0 {
				break
			}
			n := 8 - w.col%8
			out = append(out, "        "[:n]...)
			w.col += n
			line = line[tab+1:]
		}
		if nl < 0 {
			break
		}
		out = append(out, '\n')
		w.col = 0
		data = data[nl+1:]
	}
	if _, err := w.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// advance follows the column over text written as it is.
func (w *Writer) advance(b []byte) {
	if nl := bytes.LastIndexByte(b, '\n'); nl >= 0 {
		w.col, b = 0, b[nl+1:]
	}
	w.col += utf8.RuneCount(b)
}

// Flush writes what is left of a character cut short (rendered as the
// bytes it is).
func (w *Writer) Flush() error {
	if len(w.pending) == 0 {
		return nil
	}
	s := Show(string(w.pending))
	w.pending = nil
	_, err := io.WriteString(w.w, s)
	return err
}

// safeLines reports whether b needs no rendering but its line feeds.
func safeLines(b []byte) bool {
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return Safe(string(b))
		}
		if !Safe(string(b[:nl])) {
			return false
		}
		b = b[nl+1:]
	}
	return true
}

// incompleteTail returns how many bytes at the end of b start a UTF-8
// character that is not complete yet (0 to 3).
func incompleteTail(b []byte) int {
	for n := 1; n <= 3 && n <= len(b); n++ {
		c := b[len(b)-n]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-n:]) {
				return n
			}
			return 0
		}
	}
	return 0
}

// WriteString renders s and writes it (io.StringWriter, for writers that
// build a document piece by piece).
func (w *Writer) WriteString(s string) (int, error) { return w.Write([]byte(s)) }
