package coursedog_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"usersync/sync/coursedog"
)

func parse(t *testing.T, text string) *coursedog.Properties {
	t.Helper()
	p, err := coursedog.ParseProperties(strings.NewReader(text), "test.properties")
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
	_, err := coursedog.ParseProperties(strings.NewReader("ok=1\nkey = a \\\n  b\\u12G4\n"), "bad.properties")
	var pe *coursedog.PropertiesError
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

func TestSaveTokenMode0600(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "coursedog.properties")
	if err := coursedog.SaveToken(path, "tok-1", "https://staging.coursedog.com", "school_a", "me@example.edu"); err != nil {
		t.Fatal(err)
	}
	checkMode(t, path)
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", fi.Mode().Perm())
	}

	// A file someone made readable by all, with their own comment and keys.
	shared := filepath.Join(dir, "coursedog.properties")
	os.WriteFile(shared, []byte("# my notes\ntoken=stale\nproxy=none\n"), 0o644)
	os.Chmod(shared, 0o644)
	if err := coursedog.SaveToken(shared, "tok-2", "http://127.0.0.1:9", "", ""); err != nil {
		t.Fatal(err)
	}
	checkMode(t, shared)
	b, _ := os.ReadFile(shared)
	if string(b) != "# my notes\ntoken=tok-2\nproxy=none\nurl=http://127.0.0.1:9\n" {
		t.Errorf("rewritten file:\n%s", b)
	}
	ts, err := coursedog.FindToken(func(string) string { return "" }, shared)
	if err != nil || ts.Token != "tok-2" || ts.Default(coursedog.PropURL) != "http://127.0.0.1:9" {
		t.Errorf("read back: %+v %v", ts, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func checkMode(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
}

func TestFindTokenOrder(t *testing.T) {
	work, config := t.TempDir(), t.TempDir()
	t.Chdir(work)
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("HOME", config) // for systems without XDG
	noEnv := func(string) string { return "" }

	if _, err := coursedog.FindToken(noEnv, ""); err == nil || !strings.Contains(err.Error(), "usersync login") {
		t.Errorf("no token anywhere: %v", err)
	}
	def, err := coursedog.DefaultPropertiesPath()
	if err != nil {
		t.Fatal(err)
	}
	coursedog.SaveToken(def, "from-config", "https://staging.coursedog.com", "s", "")
	if ts, err := coursedog.FindToken(noEnv, ""); err != nil || ts.Token != "from-config" || ts.Where != def {
		t.Errorf("config dir: %+v %v", ts, err)
	}
	os.WriteFile(coursedog.PropertiesName, []byte("token = from-cwd\n"), 0o600)
	if ts, err := coursedog.FindToken(noEnv, ""); err != nil || ts.Token != "from-cwd" || ts.Where != coursedog.PropertiesName {
		t.Errorf("working directory: %+v %v", ts, err)
	}
	flagged := filepath.Join(work, "other.properties")
	os.WriteFile(flagged, []byte("token: from-flag\n"), 0o600)
	if ts, err := coursedog.FindToken(noEnv, flagged); err != nil || ts.Token != "from-flag" {
		t.Errorf("--properties: %+v %v", ts, err)
	}
	env := func(k string) string {
		if k == coursedog.EnvToken {
			return "from-env"
		}
		return ""
	}
	if ts, err := coursedog.FindToken(env, flagged); err != nil || ts.Token != "from-env" || ts.Where != coursedog.EnvToken {
		t.Errorf("environment: %+v %v", ts, err)
	}
	if _, err := coursedog.FindToken(noEnv, filepath.Join(work, "missing.properties")); err == nil ||
		!strings.Contains(err.Error(), "missing.properties") {
		t.Errorf("missing --properties file: %v", err)
	}
	os.WriteFile(flagged, []byte("# nothing\n"), 0o600)
	if _, err := coursedog.FindToken(noEnv, flagged); err == nil || !strings.Contains(err.Error(), "no token= line") {
		t.Errorf("file without token: %v", err)
	}
}

func TestTokenBoundToItsServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.properties")
	coursedog.SaveToken(path, "tok-SECRET-9", "https://staging.coursedog.com", "", "")
	ts, err := coursedog.FindToken(func(string) string { return "" }, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.CheckURL("https://staging.coursedog.com"); err != nil {
		t.Errorf("same server: %v", err)
	}
	err = ts.CheckURL("https://app.coursedog.com")
	if err == nil || strings.Contains(err.Error(), "tok-SECRET-9") || !strings.Contains(err.Error(), "usersync login --env https://app.coursedog.com") {
		t.Errorf("other server: %v", err)
	}
	if err := (coursedog.TokenSource{Token: "x", Where: coursedog.EnvToken}).CheckURL("https://x.example"); err != nil {
		t.Errorf("environment token: %v", err)
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
	err := coursedog.WriteProperties(fifo, &coursedog.Properties{})
	if want := "write " + fifo + ": it is not a regular file, and only a file is replaced by one"; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", err)
	}
}
