package properties_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"usersync/sync/properties"
)

func parse(t *testing.T, text string) *properties.File {
	t.Helper()
	p, err := properties.Parse(strings.NewReader(text), "test.properties")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPropertiesRead(t *testing.T) {
	const text = "# a comment\n" +
		"! another comment \\\n" + // a comment does not continue
		"token=abc123\n" +
		"   spaced   =   value with spaces  \n" +
		"colon:value\n" +
		"blank sep\n" +
		"empty=\n" +
		"bare\n" +
		"multi = first, \\\n" +
		"        second, \\\n" +
		"        third\n" +
		"esc\\=aped\\:key\\ x = tab\\there\\nnewline \\\\ back\n" +
		"unicode=caf\\u00e9 \\uD83D\\uDE00 and ü\n" +
		"crlf=yes\r\n" +
		"dup=one\n" +
		"dup=two\n" +
		"\\#notcomment=1\n" +
		"end=at eof \\"
	p := parse(t, text)
	for key, want := range map[string]string{
		"token":              "abc123",
		"spaced":             "value with spaces  ",
		"colon":              "value",
		"blank":              "sep",
		"empty":              "",
		"bare":               "",
		"multi":              "first, second, third",
		"esc=aped:key x":     "tab\there\nnewline \\ back",
		"unicode":            "café 😀 and ü",
		"crlf":               "yes",
		"dup":                "two",
		"#notcomment":        "1",
		"end":                "at eof ",
		"! another comment ": "",
	} {
		got, ok := p.Get(key)
		if key == "! another comment " {
			if ok {
				t.Errorf("a comment line became key %q", key)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("%q = %q (%v), want %q", key, got, ok, want)
		}
	}
	if keys := p.Keys(); len(keys) != 13 || keys[0] != "token" {
		t.Errorf("keys %q", keys)
	}

	// ISO-8859-1, Java's historical encoding, is read when the bytes are not UTF-8.
	latin := parse(t, "name=Jos\xe9\n")
	if v, _ := latin.Get("name"); v != "José" {
		t.Errorf("latin-1: %q", v)
	}
}

func TestPropertiesMalformedEscape(t *testing.T) {
	_, err := properties.Parse(strings.NewReader("ok=1\nkey = a \\\n  b\\u12G4\n"), "bad.properties")
	var pe *properties.Error
	if !errors.As(err, &pe) || pe.Line != 3 || pe.Column != 4 || err.Error() != `bad.properties:3:4: malformed \uXXXX escape` {
		t.Errorf("got %v (%+v)", err, pe)
	}
}

func TestPropertiesRoundTrip(t *testing.T) {
	const text = "# keep me\n\n! and me\nurl = https://app.coursedog.com\nmulti = a, \\\n   b\ntoken=old\ntoken=older\n"
	p := parse(t, text)
	var out bytes.Buffer
	p.WriteTo(&out)
	if out.String() != text {
		t.Errorf("unchanged file not written back as read:\n%q", out.String())
	}

	p.Set("token", "new token = with: #specials\\ and é\n")
	p.Set("added", " leading space")
	out.Reset()
	p.WriteTo(&out)
	want := "# keep me\n\n! and me\nurl = https://app.coursedog.com\nmulti = a, \\\n   b\n" +
		"token=new token = with: #specials\\\\ and \\u00E9\\n\n" +
		"added=\\ leading space\n"
	if out.String() != want {
		t.Errorf("written:\n%s\nwant:\n%s", out.String(), want)
	}
	p.Set("we:ird key#!=", "#value")
	out.Reset()
	p.WriteTo(&out)
	back := parse(t, out.String())
	for _, k := range []string{"token", "added", "url", "multi", "we:ird key#!="} {
		a, _ := p.Get(k)
		b, _ := back.Get(k)
		if a != b {
			t.Errorf("%s: %q read back as %q", k, a, b)
		}
	}
	p.Delete("added")
	if _, ok := p.Get("added"); ok {
		t.Error("Delete left the key")
	}
}

// TestWritePropertiesReplacesOnlyAFile: the token file is written through
// a temporary file renamed over the path, so `login --properties` naming
// a FIFO replaced it (as root, a device too). Only a file is replaced.
func TestWritePropertiesReplacesOnlyAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "coursedog.properties")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	err := properties.Write(fifo, &properties.File{})
	if want := "write " + fifo + ": it is not a regular file, and only a file is replaced by one"; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", err)
	}
}
