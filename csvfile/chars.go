package csvfile

import (
	"strconv"
	"strings"
	"unicode"

	"usersync/csvfile/textsafe"
)

// checkChars is the rule for characters that steer a terminal or hide in
// a field sent to the server (every reader's rows meet it, CSV or not). A
// control character or bidi control would reach the directory and every
// screen that later shows the value: an error. A zero-width or other
// invisible character makes two values that look alike differ: a
// warning. The fix removes them. Emails have their own rule (checkEmail),
// and a field with choices meets no value holding one: the choice check
// says what is wrong there. val is trimmed and not empty.
func checkChars(fd *Field, val string, line int) (Message, bool) {
	found := textsafe.Scan(val)
	if found.Class == textsafe.Plain {
		return Message{}, false
	}
	what := textsafe.Describe(found.First)
	m := Message{Line: line, Column: fd.Header, Rule: RuleChars}
	var drop func(textsafe.Class) bool
	switch found.Class {
	case textsafe.Control, textsafe.Bidi:
		m.Severity = Error
		kind := "a control character"
		if found.Class == textsafe.Bidi {
			kind = "a bidi control, which reorders what is shown"
		}
		m.Text = quote(val) + " contains " + what + ", " + kind
		if found.Count > 1 {
			m.Text = quote(val) + " contains " + what + " and " + more(found.Count-1, "control or bidi character")
		}
		drop = func(c textsafe.Class) bool { return c == textsafe.Control || c == textsafe.Bidi }
	default:
		m.Severity = Warning
		m.Text = quote(val) + " contains " + what + ", which does not show"
		if found.Count > 1 {
			m.Text = quote(val) + " contains " + what + " and " + more(found.Count-1, "invisible character")
		}
		drop = func(c textsafe.Class) bool { return c != textsafe.Plain }
	}
	label := "remove " + what
	switch {
	case found.Count > 1:
		label = "remove them"
	case unicode.IsSpace(found.First):
		label = "put a space for " + what
	}
	m.Fix = &Fix{Column: fd.Header, Value: withoutChars(val, drop), Label: label}
	return m, true
}

// withoutChars removes the characters of the classes drop reports, but
// turns a line break or tab into one space (none where a space is beside
// it already): a cell typed on two lines means two words, not one. Cells
// are decoded text, so every byte is part of a character.
func withoutChars(s string, drop func(textsafe.Class) bool) string {
	var b strings.Builder
	b.Grow(len(s))
	lastSpace, lastRepl := false, false // b ends with a space; one put for a line break
	for _, r := range s {
		switch {
		case !drop(textsafe.Classify(r)):
			if r == ' ' && lastRepl {
				continue
			}
			b.WriteRune(r)
			lastSpace, lastRepl = r == ' ', false
		case unicode.IsSpace(r) || r == '\u2028' || r == '\u2029':
			if !lastSpace {
				b.WriteByte(' ')
				lastSpace, lastRepl = true, true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// more writes "1 more character" or "3 more characters".
func more(n int, what string) string {
	if n == 1 {
		return "1 more " + what
	}
	return strconv.Itoa(n) + " more " + what + "s"
}
