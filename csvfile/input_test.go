//go:build unix

package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test if f takes longer than d (a hang is the bug).
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still running after %v", d)
	}
}

// TestOpenRefusesWhatNeverEnds: devices, sockets and named pipes are
// refused by their path's stat, before they are opened, with a message
// that says what they are; nothing waits for a writer or reads a device.
func TestOpenRefusesWhatNeverEnds(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "users.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.csv")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const how = ", not a file; usersync reads files, or standard input as -: usersync validate - < users.csv"
	for _, c := range []struct{ path, want string }{
		{"/dev/zero", "/dev/zero: this is a device" + how},
		{"/dev/urandom", "/dev/urandom: this is a device" + how},
		{"/dev/null", "/dev/null: this is a device" + how},
		{fifo, fifo + ": this is a named pipe" + how},
		{sock, sock + ": this is a socket" + how},
		{dir, dir + ": this is a folder, not a file"},
	} {
		within(t, 5*time.Second, func() {
			_, err := Open(c.path, testSchema(nil, nil), Options{})
			var fe *FileError
			if !errors.As(err, &fe) || err.Error() != c.want {
				t.Errorf("open %s: %v, want %s", c.path, err, c.want)
			}
			if _, err := LoadMapping(c.path); err == nil {
				t.Errorf("mapping %s read", c.path)
			}
		})
	}
}

// TestOpenReadsShellPipes: process substitution hands a pipe over as
// /dev/fd/N; it is read like standard input, also when its writer has
// finished already.
func TestOpenReadsShellPipes(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		w.WriteString(testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\n")
		w.Close()
	}()
	path := fmt.Sprintf("/dev/fd/%d", r.Fd())
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no %s here: %v", path, err)
	}
	within(t, 5*time.Second, func() {
		f, err := Open(path, testSchema(nil, nil), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if f.Len() != 1 || f.Value(0, "email") != "ada@example.edu" || f.Path() != path {
			t.Errorf("%d rows from %s", f.Len(), f.Path())
		}
	})
}

func TestOpenStdin(t *testing.T) {
	in := strings.NewReader(testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\nBob,Smith,bob@example,events,,,,\n")
	f, err := Open("-", testSchema(nil, nil), Options{Stdin: in})
	if err != nil {
		t.Fatal(err)
	}
	v := Validate(f)
	if f.Len() != 2 || f.Path() != StdinName || v.Errors() != 1 || v.Messages()[0].Line != 3 {
		t.Errorf("%d rows from %s, messages %+v", f.Len(), f.Path(), v.Messages())
	}
	if _, err := NewEditor(f, v).Save(); err == nil {
		t.Error("saved standard input")
	}

	// Standard input that is a device is refused like a device's path.
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Fatal(err)
	}
	defer zero.Close()
	within(t, 5*time.Second, func() {
		if _, err := Open("-", nil, Options{Stdin: zero}); err == nil || err.Error() != "<stdin>: standard input is a device, not a file" {
			t.Errorf("stdin /dev/zero: %v", err)
		}
	})
}

// endless is a reader whose first bytes are given and whose rest never
// ends; the test fails if more than the first part is read.
type endless struct {
	t     *testing.T
	first []byte
	read  int
}

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= len(e.first) {
		if e.read > 1<<20 {
			e.t.Fatalf("read %d bytes of a stream refused from its first bytes", e.read)
		}
		for i := range p {
			p[i] = 'x'
		}
		e.read += len(p)
		return len(p), nil
	}
	n := copy(p, e.first[e.read:])
	e.read += n
	return n, nil
}

// TestBinaryRefusedFromTheFirstBytes: what is not text is known from the
// first 4 KiB, before the rest (which may never end) is read.
func TestBinaryRefusedFromTheFirstBytes(t *testing.T) {
	for _, c := range []struct {
		name  string
		first []byte
		want  string
	}{
		{"random bytes", append([]byte("a,b\n\x8f\x00\x13"), bytes.Repeat([]byte{0xA5}, 5000)...), "<stdin>:2: binary data (a NUL byte): this is not a CSV text file"},
		{"a zip", []byte("PK\x03\x04rest"), "<stdin>: this is an Excel workbook or a zip archive, not a CSV file; a workbook is read from its file, not from standard input or a pipe: give its name (usersync validate users.xlsx)"},
		{"UTF-32 with a BOM", []byte("\xFF\xFE\x00\x00F\x00\x00\x00"), "<stdin>: " + msgUTF32},
		{"UTF-32BE without one", []byte("\x00\x00\x00F\x00\x00\x00i"), "<stdin>: " + msgUTF32},
		{"UTF-16 holding NULs", []byte("\xFF\xFEa\x00,\x00\n\x00\x00\x00\x00\x00"), "<stdin>:2: binary data (a NUL byte): this is not a CSV text file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			within(t, 5*time.Second, func() {
				_, err := Open("-", nil, Options{Stdin: &endless{t: t, first: c.first}})
				if err == nil || err.Error() != c.want {
					t.Errorf("%v, want %s", err, c.want)
				}
			})
		})
	}
}

// TestEncodingMessages: what a decoder would turn silently into U+FFFD
// gets a message with its line.
func TestEncodingMessages(t *testing.T) {
	utf16le := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	text := testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\n"
	cut := append(append([]byte("\xFF\xFE"), utf16le(text)...), 'B')
	half := append(append([]byte("\xFF\xFE"), utf16le(text)...), utf16le("Bob,")...)
	half = append(half, 0x3D, 0xD8, 'x', 0) // a high surrogate, then not a low one
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"UTF-16 cut mid-character", cut, "users.csv:3: the file is UTF-16LE but ends in the middle of a character; it was cut short: export it again"},
		{"UTF-16 with half a surrogate pair", half, "users.csv:3: the file is UTF-16LE but has a broken character here (half of a surrogate pair); it was damaged: export it again"},
		{"UTF-32LE", append([]byte("\xFF\xFE\x00\x00"), bytes.Repeat([]byte("a\x00\x00\x00"), 10)...), "users.csv: " + msgUTF32},
		{"JSON given as CSV", []byte("[\n  {\"email\": \"ada@example.edu\"}\n]\n"), "users.csv:1: this is JSON, not a CSV file; demo reads CSV: in the spreadsheet, save as CSV UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(c.data), "users.csv", testSchema(nil, nil), Options{})
			if err == nil || err.Error() != c.want {
				t.Errorf("%v\nwant %s", err, c.want)
			}
			path := writeFile(t, t.TempDir(), "users.csv", string(c.data))
			_, err = Open(path, testSchema(nil, nil), Options{})
			if want := strings.Replace(c.want, "users.csv", path, 1); err == nil || err.Error() != want {
				t.Errorf("open: %v\nwant %s", err, want)
			}
		})
	}
}

// TestLoneCRMidFile: a CR alone in a file of LF line ends ran two rows
// into one; the message says so instead of blaming a comma.
func TestLoneCRMidFile(t *testing.T) {
	in := testHeader + "Ada,Lovelace,ada@example.edu,events,,,,\rBob,Smith,bob@example.edu,events,,,,\n"
	v := Validate(readString(t, in, Options{}))
	ms := v.Messages()
	want := "the row has 15 cells but the header has 8; column 8 holds a carriage return (CR) alone, a line end of another kind than this file's: two rows ran together; put a line break there"
	if len(ms) == 0 || ms[0].Text != want || ms[0].Line != 2 {
		t.Errorf("messages %+v\nwant %s", ms, want)
	}
}
