package csvfile

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"usersync/csvfile/textsafe"
)

// checkEmail says why s (trimmed, not empty) is not a bare email address,
// and offers a repaired address when the repair is obvious. It is a plain
// byte scan (no regexp): it runs once per row of files with a million rows.
func checkEmail(s string) (problem, fix string) {
	if emailValid(s) {
		return "", ""
	}
	why := emailProblem(s)
	if why == "" {
		return "", ""
	}
	// "Jane Doe <jane@x.edu>" and "mailto:jane@x.edu" hold a good address.
	if lt, gt := strings.LastIndexByte(s, '<'), strings.LastIndexByte(s, '>'); lt >= 0 && gt > lt {
		if inner := strings.TrimSpace(s[lt+1 : gt]); emailProblem(inner) == "" {
			return quote(s) + " is not a bare address; use " + quote(inner), inner
		}
	}
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		if inner := strings.TrimSpace(s[7:]); emailProblem(inner) == "" {
			return quote(s) + " is not a bare address; use " + quote(inner), inner
		}
	}
	// "ada@x.edu; ada@y.org": several people, or one person twice.
	if strings.Count(s, "@") > 1 {
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
		ok := len(parts) > 1
		for _, p := range parts {
			ok = ok && emailProblem(p) == ""
		}
		if ok {
			return quote(s) + " holds " + strconv.Itoa(len(parts)) + " addresses; a row is one user: keep one here and give the others rows of their own", ""
		}
	}
	problem = quote(s) + " is not an email address: " + why
	for _, repair := range []func(string) string{
		func(s string) string { return strings.Join(strings.Fields(s), "") },
		func(s string) string { return strings.Map(dropInvisible, s) },
		func(s string) string { return strings.Trim(s, "\"'“”‘’«»") },
		func(s string) string { return strings.TrimRight(s, ".,;") },
		func(s string) string { return strings.ReplaceAll(s, ",", ".") },
		func(s string) string { return strings.ReplaceAll(s, "..", ".") },
	} {
		if r := repair(s); r != s && emailProblem(r) == "" {
			return problem, r
		}
	}
	return problem, ""
}

// emailValid is emailProblem(s) == "" in one pass over the bytes, for the
// million addresses that are fine; emailProblem then explains the others.
func emailValid(s string) bool {
	at, prev, label, dots := -1, byte('.'), 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !emailRune(r) {
				return false
			}
			i += size - 1
			prev = 'a'
			continue
		}
		if at < 0 {
			if emailClass[c]&inLocal == 0 {
				if c != '@' || prev == '.' || i > 64 {
					return false
				}
				at, label = i, i+1
				continue
			}
			if c == '.' && prev == '.' {
				return false
			}
			prev = c
			continue
		}
		if emailClass[c]&inDomain == 0 {
			return false
		}
		if c == '.' {
			if i == label || s[label] == '-' || s[i-1] == '-' {
				return false
			}
			dots++
			label = i + 1
		}
	}
	n := len(s)
	return at > 0 && label < n && s[label] != '-' && s[n-1] != '-' && dots > 0 && n-at-1 <= 253
}

// emailProblem returns "" for a valid address, else the reason in a few
// words. Letters beyond ASCII are allowed (internationalized addresses).
func emailProblem(s string) string {
	at := -1
	for i := 0; i < len(s); i++ {
		// Runs of allowed bytes in tight loops; stop only at something else.
		if at < 0 {
			for i < len(s) && emailClass[s[i]]&inLocal != 0 {
				i++
			}
		} else {
			for i < len(s) && emailClass[s[i]]&inDomain != 0 {
				i++
			}
		}
		if i == len(s) {
			break
		}
		switch c := s[i]; {
		case c == '@':
			if at >= 0 {
				return `it has more than one "@"`
			}
			at = i
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return "it contains a space"
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case emailRune(r):
				i += size - 1
				continue
			case textsafe.Classify(r) != textsafe.Plain:
				return "it contains " + textsafe.Describe(r)
			case unicode.IsSpace(r):
				return "it contains a space"
			case !unicode.IsGraphic(r):
				return "it contains " + textsafe.Describe(r)
			}
			return "it contains " + quote(string(r))
		case c < ' ' || c == 0x7f:
			return "it contains " + textsafe.Describe(rune(c))
		default:
			return "it contains " + quote(string(c))
		}
	}
	switch {
	case at < 0:
		return `it has no "@"`
	case at == 0:
		return `nothing comes before the "@"`
	case at == len(s)-1:
		return `nothing comes after the "@"`
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return `the part before "@" is longer than 64 characters`
	}
	prev := byte('.') // so a leading dot reads as two in a row
	for i := 0; i < len(local); i++ {
		if local[i] == '.' && prev == '.' {
			return `the part before "@" starts or ends with a dot or has two dots in a row`
		}
		prev = local[i]
	}
	if prev == '.' {
		return `the part before "@" starts or ends with a dot or has two dots in a row`
	}
	if len(domain) > 253 {
		return "the domain is longer than 253 characters"
	}
	dots, start := 0, 0
	for i := 0; i <= len(domain); i++ {
		if i < len(domain) && domain[i] != '.' {
			continue
		}
		label := domain[start:i]
		if label == "" {
			return "the domain " + quote(domain) + " has an empty part"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "a part of the domain " + quote(domain) + ` starts or ends with "-"`
		}
		dots++
		start = i + 1
	}
	if dots < 2 {
		return "the domain " + quote(domain) + " has no dot"
	}
	return ""
}

// emailRune reports whether a character beyond ASCII may appear in an
// address: letters, digits and the marks that accent them (internationalized
// addresses), but not the no-break spaces, zero-width spaces and curly
// quotes that come along when an address is copied from a web page or a
// document.
func emailRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// dropInvisible is for strings.Map: it removes what does not show or
// steers a terminal (zero-width spaces, bidi controls, control characters).
func dropInvisible(r rune) rune {
	if textsafe.Classify(r) != textsafe.Plain {
		return -1
	}
	return r
}

// emailClass says where each ASCII byte may appear in an address: the local
// part (before "@") takes letters, digits and !#$%&'*+/=?^_`{|}~.- ; the
// domain letters, digits, dots and dashes. Characters beyond ASCII are
// checked whole, by emailRune.
var emailClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.':
			t[c] = inLocal | inDomain
		case strings.IndexByte("!#$%&'*+/=?^_`{|}~", byte(c)) >= 0:
			t[c] = inLocal
		}
	}
	return t
}()

const (
	inLocal = 1 << iota
	inDomain
)
