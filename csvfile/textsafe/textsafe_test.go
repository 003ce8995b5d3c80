package textsafe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestShow(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Ada Lovelace", "Ada Lovelace"},
		{"Renée Núñez 日本", "Renée Núñez 日本"},
		{"\x1b]52;c;cm0gLXJmIH4=\x07", `\x1b]52;c;cm0gLXJmIH4=\x07`},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"tab\there\r\nnext", `tab\there\r\nnext`},
		{"bell\x07 bs\x08 del\x7f", `bell\x07 bs\x08 del\u007f`},
		{"c1 \u009b31m \u0085", `c1 \u009b31m \u0085`},
		{"abc\u202edcba", `abc\u202edcba`},
		{"\u2066x\u2069", `\u2066x\u2069`},
		{"jo\u200bhn\u2060\ufeff", `jo\u200bhn\u2060\ufeff`},
		{"ls\u2028x", `ls\u2028x`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"cut \xe2\x82", `cut \xe2\x82`},
		{`already \x1b`, `already \x1b`},
		{"\ufffd stays", "\ufffd stays"},
	} {
		if got := Show(c.in); got != c.want {
			t.Errorf("Show(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := Show(Show(c.in)); got != Show(c.in) {
			t.Errorf("Show is not idempotent on %q: %q", c.in, got)
		}
	}
}

func TestShowDoesNotCopyPlainText(t *testing.T) {
	s := strings.Repeat("plain text, Renée ", 100)
	if n := testing.AllocsPerRun(100, func() { _ = Show(s) }); n != 0 {
		t.Errorf("%v allocations for plain text", n)
	}
}

func TestScan(t *testing.T) {
	for _, c := range []struct {
		in    string
		want  Found
		descr string
	}{
		{"Ada", Found{}, ""},
		{"A\x1b[2Jd\x07a", Found{First: 0x1b, Class: Control, Count: 2}, "U+001B (ESC)"},
		{"x\u200by\u202ez", Found{First: '\u202e', Class: Bidi, Count: 1}, "U+202E (RIGHT-TO-LEFT OVERRIDE)"},
		{"x\u200by\u200cz", Found{First: '\u200b', Class: ZeroWidth, Count: 2}, "U+200B (ZERO WIDTH SPACE)"},
		{"x\u200ey", Found{First: '\u200e', Class: Format, Count: 1}, "U+200E (LEFT-TO-RIGHT MARK)"},
		{"x\xffy", Found{First: utf8.RuneError, Class: Control, Count: 1}, "a byte that is not UTF-8"},
		{"x\u0085y", Found{First: 0x85, Class: Control, Count: 1}, "U+0085 (NEXT LINE)"},
	} {
		got := Scan(c.in)
		if got != c.want {
			t.Errorf("Scan(%q) = %+v, want %+v", c.in, got, c.want)
		}
		if c.descr != "" && Describe(got.First) != c.descr {
			t.Errorf("Describe(%U) = %q, want %q", got.First, Describe(got.First), c.descr)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = Scan("Ada Lovelace\x1b") }); n != 0 {
		t.Errorf("Scan allocates %v", n)
	}
}

func TestRemove(t *testing.T) {
	steer := func(c Class) bool { return c == Control || c == Bidi }
	if got := Remove("A\x1b[2Jda\u202e\u200b\xff", steer); got != "A[2Jda\u200b" {
		t.Errorf("Remove = %q", got)
	}
}

// TestEveryRuneClassified checks the classes against the Unicode tables:
// everything Show leaves alone is graphic or a space, and every control,
// format and separator character is escaped.
func TestEveryRuneClassified(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		plain := Classify(r) == Plain
		dangerous := unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)
		if plain && dangerous {
			t.Fatalf("%U is Plain but a control, format or separator character", r)
		}
	}
}

// FuzzShow feeds random bytes to the renderer: what comes out is valid
// UTF-8 of printable characters only (no control, bidi, zero-width or
// format character), Show of it changes nothing, and text without
// anything to escape comes back as it went in.
func FuzzShow(f *testing.F) {
	for _, s := range []string{"", "Ada", "\x1b]52;c;cm0gLXJmIH4=\x07", "a\u202eb", "\xff\xfe\x00\x01", "\u009b2J", "x\u200by\ufeff", `\x1b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Show(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Show(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if Classify(r) != Plain || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("Show(%q) = %q holds %U", s, out, r)
			}
		}
		if Show(out) != out {
			t.Fatalf("Show(Show(%q)) changed it again", s)
		}
		if Safe(s) != (out == s) {
			t.Fatalf("Safe(%q) = %v but Show gave %q", s, Safe(s), out)
		}
		if Scan(s).Class == Plain != Safe(s) {
			t.Fatalf("Scan(%q) = %+v disagrees with Safe", s, Scan(s))
		}
	})
}

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	for _, part := range []string{"plain line\n", "a\x1b]52;c;eA==\x07b\n", "cut \xe2\x80", "\xae here\n", `{"name": "x` + "\u202e\x7f" + `"}` + "\n", "end \xe2"} {
		if n, err := w.Write([]byte(part)); err != nil || n != len(part) {
			t.Fatalf("write %q: %d, %v", part, n, err)
		}
	}
	w.Flush()
	want := "plain line\n" + `a\x1b]52;c;eA==\x07b` + "\n" + `cut \u202e here` + "\n" + `{"name": "x\u202e\u007f"}` + "\n" + `end \xe2`
	if b.String() != want {
		t.Errorf("wrote\n%q\nwant\n%q", b.String(), want)
	}
}

func TestWriterExpandsTabs(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	w.Write([]byte("  -json\n    \tprint one JSON document\nab\tc\x1b\td\n"))
	want := "  -json\n        print one JSON document\nab      c\\x1b   d\n"
	if b.String() != want {
		t.Errorf("wrote\n%q\nwant\n%q", b.String(), want)
	}
}

// slowFirstUnsafe is firstUnsafe a character at a time from the start:
// what the word-at-a-time skip must agree with.
func slowFirstUnsafe(s string) int { return firstUnsafeFrom(s, 0) }

// TestFirstUnsafeEveryByteEveryPlace: every byte value at every place of
// strings of 1 to 24 bytes, among printable ASCII, is found where the
// byte-at-a-time loop finds it.
func TestFirstUnsafeEveryByteEveryPlace(t *testing.T) {
	for n := 1; n <= 24; n++ {
		for at := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("a~ ", n)[:n])
				b[at] = byte(c)
				s := string(b)
				if got, want := firstUnsafe(s), slowFirstUnsafe(s); got != want {
					t.Fatalf("firstUnsafe(%q) = %d, want %d", s, got, want)
				}
			}
		}
	}
	for _, s := range []string{"", "Müller-Lüdenscheidt, Jürgen", "abcdefgh\u202eevil", "abcdefg\u00e9", "\x7f" + strings.Repeat("a", 20)} {
		if got, want := firstUnsafe(s), slowFirstUnsafe(s); got != want {
			t.Fatalf("firstUnsafe(%q) = %d, want %d", s, got, want)
		}
	}
}
