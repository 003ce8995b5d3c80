// Package properties reads and writes Java .properties files, the
// vendor's format for token files (token=…): coursedog.properties, and the
// file --properties names for any target.
package properties

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"usersync/csvfile/atomicfile"
)

// File is a Java .properties file, read and written faithfully:
// comments (# and !), blank lines and entries nobody changed are written
// back exactly as read; entries set since are written escaped.
type File struct {
	lines []propLine
}

// propLine is one logical line: a comment or blank (key == "" and !entry)
// or an entry. raw is its original text, continuations and line ends
// included; it is "" for an entry set since, which is written fresh.
type propLine struct {
	entry      bool
	key, value string
	raw        string
}

// Error is a malformed file, with the place of the fault.
type Error struct {
	Path         string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Column, e.Msg)
}

// Parse reads a .properties file. Text is UTF-8, or ISO-8859-1
// (Java's historical encoding) when it is not valid UTF-8; \uXXXX escapes
// work in both. name is used in errors.
func Parse(r io.Reader, name string) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	text := string(data)
	if !utf8.ValidString(text) {
		runes := make([]rune, len(data))
		for i, b := range data {
			runes[i] = rune(b)
		}
		text = string(runes)
	}
	text = strings.TrimPrefix(text, "\uFEFF")

	p := &File{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	sc.Split(scanLinesKeepEnd)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		first := lineNo
		raw := sc.Text()
		line := trimEnd(raw)
		trimmed := strings.TrimLeft(line, " \t\f")
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == '!' {
			p.lines = append(p.lines, propLine{raw: raw})
			continue
		}
		// Join continuation lines: an odd number of trailing backslashes.
		// pieceStart and pieceCol map an offset in the joined line back to
		// its natural line and column, for errors.
		logical := trimmed
		pieceStart, pieceCol := []int{0}, []int{len(line) - len(trimmed)}
		for continues(logical) && sc.Scan() {
			lineNo++
			raw += sc.Text()
			next := trimEnd(sc.Text())
			nextTrim := strings.TrimLeft(next, " \t\f")
			logical = logical[:len(logical)-1]
			pieceStart = append(pieceStart, len(logical))
			pieceCol = append(pieceCol, len(next)-len(nextTrim))
			logical += nextTrim
		}
		if continues(logical) {
			logical = logical[:len(logical)-1] // a backslash at the end of the file
		}
		key, value, off, err := splitEntry(logical)
		if err != nil {
			k := len(pieceStart) - 1
			for pieceStart[k] > off {
				k--
			}
			return nil, &Error{Path: name, Line: first + k, Column: off - pieceStart[k] + pieceCol[k] + 1, Msg: err.Error()}
		}
		p.lines = append(p.lines, propLine{entry: true, key: key, value: value, raw: raw})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// Read reads the file at path, refusing by its stat anything
// that is not a regular file (a named pipe with no writer would wait
// forever; a device never ends).
func Read(path string) (*File, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

func scanLinesKeepEnd(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		end := i + 1
		if data[i] == '\r' {
			if i+1 == len(data) && !atEOF {
				return 0, nil, nil // a \n may follow
			}
			if i+1 < len(data) && data[i+1] == '\n' {
				end++
			}
		}
		return end, data[:end], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

func trimEnd(s string) string { return strings.TrimRight(s, "\r\n") }

// continues reports whether a line ends in an odd number of backslashes.
func continues(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitEntry splits a logical line (leading blanks gone) into key and
// value. The key ends at the first unescaped =, : or blank; blanks and then
// one = or : (and blanks again) separate it from the value. off is the byte
// offset of a malformed escape.
func splitEntry(s string) (key, value string, off int, err error) {
	end := 0
	for end < len(s) {
		c := s[end]
		if c == '\\' {
			end += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		end++
	}
	end = min(end, len(s))
	rest := end
	for rest < len(s) && (s[rest] == ' ' || s[rest] == '\t' || s[rest] == '\f') {
		rest++
	}
	if rest < len(s) && (s[rest] == '=' || s[rest] == ':') {
		rest++
		for rest < len(s) && (s[rest] == ' ' || s[rest] == '\t' || s[rest] == '\f') {
			rest++
		}
	}
	if key, off, err = unescape(s[:end]); err != nil {
		return "", "", off, err
	}
	value, voff, err := unescape(s[rest:])
	if err != nil {
		return "", "", rest + voff, err
	}
	return key, value, 0, nil
}

// unescape resolves \t \n \r \f \uXXXX and \c (any other character stands
// for itself).
func unescape(s string) (string, int, error) {
	if !strings.Contains(s, `\`) {
		return s, 0, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", i - 1, errors.New(`malformed \uXXXX escape`)
			}
			n, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", i - 1, errors.New(`malformed \uXXXX escape`)
			}
			r := rune(n)
			// A surrogate pair arrives as two escapes.
			if r >= 0xD800 && r < 0xDC00 && i+11 <= len(s) && s[i+5:i+7] == `\u` {
				if lo, err := strconv.ParseUint(s[i+7:i+11], 16, 16); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000
					i += 6
				}
			}
			b.WriteRune(r)
			i += 4
		default:
			// \\ \= \: \# \! \space, and any other character: itself. The
			// byte may start a multi-byte rune; the rest follows as is.
			b.WriteByte(s[i])
		}
	}
	return b.String(), 0, nil
}

// Get returns the value of key (the last one, as Java reads it).
func (p *File) Get(key string) (string, bool) {
	for i := len(p.lines) - 1; i >= 0; i-- {
		if l := p.lines[i]; l.entry && l.key == key {
			return l.value, true
		}
	}
	return "", false
}

// Keys lists the keys in file order, each once.
func (p *File) Keys() []string {
	var keys []string
	seen := map[string]bool{}
	for _, l := range p.lines {
		if l.entry && !seen[l.key] {
			seen[l.key] = true
			keys = append(keys, l.key)
		}
	}
	return keys
}

// Set gives key the value, in place of its first entry (later duplicates
// are dropped, so no old value lingers) or at the end.
func (p *File) Set(key, value string) {
	out := p.lines[:0]
	done := false
	for _, l := range p.lines {
		if l.entry && l.key == key {
			if done {
				continue
			}
			l, done = propLine{entry: true, key: key, value: value}, true
		}
		out = append(out, l)
	}
	if !done {
		out = append(out, propLine{entry: true, key: key, value: value})
	}
	p.lines = out
}

// Delete removes every entry of key.
func (p *File) Delete(key string) {
	out := p.lines[:0]
	for _, l := range p.lines {
		if !(l.entry && l.key == key) {
			out = append(out, l)
		}
	}
	p.lines = out
}

// WriteTo writes the file: unchanged lines as read, new entries as
// key=value with Java's escapes (non-ASCII as \uXXXX, so any Java reader
// gets it right).
func (p *File) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	for _, l := range p.lines {
		if l.raw != "" {
			b.WriteString(l.raw)
			if !strings.HasSuffix(l.raw, "\n") && !strings.HasSuffix(l.raw, "\r") {
				b.WriteString("\n")
			}
			continue
		}
		b.WriteString(escape(l.key, true))
		b.WriteByte('=')
		b.WriteString(escape(l.value, false))
		b.WriteByte('\n')
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func escape(s string, isKey bool) string {
	var b strings.Builder
	for i, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\f':
			b.WriteString(`\f`)
		case '=', ':', '#', '!':
			// Only a key needs these escaped; a value keeps them readable
			// (url=https://…).
			if isKey {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case ' ':
			if isKey || i == 0 {
				b.WriteString(`\ `)
			} else {
				b.WriteByte(' ')
			}
		default:
			switch {
			case r < 0x20 || (r >= 0x7f && r <= 0xffff):
				fmt.Fprintf(&b, `\u%04X`, r)
			case r > 0xffff:
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04X\u%04X`, 0xD800+(r>>10), 0xDC00+(r&0x3ff))
			default:
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// Comment appends a comment line ("# text").
func (p *File) Comment(text string) {
	p.lines = append(p.lines, propLine{raw: "# " + text + "\n"})
}

// Write writes p to path atomically (see atomicfile) with mode
// 0600, creating the directory (0700) if needed. A file that was readable
// by others before is 0600 after.
func Write(path string, p *File) error {
	return atomicfile.Write(path, atomicfile.Secret, func(w *bufio.Writer) error {
		_, err := p.WriteTo(w)
		return err
	}, atomicfile.MakeDir())
}
