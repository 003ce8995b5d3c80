package csvfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"
)

// StdinName is what messages call standard input, read for the path "-".
const StdinName = "<stdin>"

// sniffSize is how much of a file is read to tell what it is before the
// rest is read.
const sniffSize = 4096

// Input is a user file opened for reading: checked to be something that
// ends (a regular file, standard input, a pipe the shell handed over), its
// first bytes read so a reader can tell what it is (Head) and a text
// reader can refuse what is not text before reading on (CheckText). It
// reads the whole content from the start, and at most maxFileSize bytes of
// it. Every reader (CSV, the vendor JSON template, a workbook, the
// streaming validator) opens files through OpenInput, so every reader
// refuses the same things the same way.
type Input struct {
	name string
	fh   *os.File    // nil for a stdin that is not a file
	in   io.Reader   // what is read after head
	info fs.FileInfo // a regular file as opened; nil otherwise
	head []byte      // the first bytes, already read
	off  int         // how much of head Read has returned
	n    int64       // bytes returned so far
	done bool
}

// OpenInput opens path for reading as a user file. "-" is standard input
// (stdin; nil means os.Stdin). A folder, a device (/dev/zero never ends),
// a socket or a named pipe (opening one that has no writer waits forever)
// is refused by what its path's stat says, before it is opened; a pipe
// the shell hands over as /dev/fd/N (process substitution) is read like
// standard input. The first bytes are read at once (see Head, CheckText).
// Every failure is a *FileError.
func OpenInput(path string, stdin io.Reader) (*Input, error) {
	if path == "-" {
		return openStdin(stdin)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, ioError(path, "cannot open the file", err)
	}
	pipe := false
	switch m := st.Mode(); {
	case m.IsDir():
		return nil, &FileError{Path: path, Msg: "this is a folder, not a file"}
	case m&fs.ModeNamedPipe != 0 && shellPipe(path):
		pipe = true
	case !m.IsRegular():
		return nil, &FileError{Path: path, Msg: "this is " + kindOf(m) + ", not a file; " +
			"usersync reads files, or standard input as -: usersync validate - < users.csv"}
	}
	fh, err := openNoWait(path)
	if err != nil {
		return nil, ioError(path, "cannot open the file", err)
	}
	src := &Input{name: path, fh: fh, in: fh}
	if !pipe {
		// The path may have been swapped for something else since the
		// stat: judge what was opened.
		info, err := fh.Stat()
		if err != nil {
			fh.Close()
			return nil, ioError(path, "cannot open the file", err)
		}
		if !info.Mode().IsRegular() {
			fh.Close()
			return nil, &FileError{Path: path, Msg: "this is " + kindOf(info.Mode()) + ", not a file"}
		}
		if info.Size() > maxFileSize {
			fh.Close()
			return nil, &FileError{Path: path, Msg: "the file is larger than 4 GiB"}
		}
		src.info = info
	}
	if err := src.readHead(); err != nil {
		src.Close()
		return nil, err
	}
	return src, nil
}

func openStdin(stdin io.Reader) (*Input, error) {
	if stdin == nil {
		stdin = os.Stdin
	}
	src := &Input{name: StdinName, in: stdin}
	if fh, ok := stdin.(*os.File); ok {
		info, err := fh.Stat()
		if err != nil {
			return nil, ioError(StdinName, "cannot read standard input", err)
		}
		switch m := info.Mode(); {
		case term.IsTerminal(int(fh.Fd())):
			return nil, &FileError{Path: StdinName, Msg: "standard input is a terminal; " +
				"give a file, or pipe one in: usersync validate - < users.csv"}
		case m.IsDir():
			return nil, &FileError{Path: StdinName, Msg: "standard input is a folder, not a file"}
		case m&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeIrregular) != 0:
			return nil, &FileError{Path: StdinName, Msg: "standard input is " + kindOf(m) + ", not a file"}
		}
		src.fh = fh
	}
	if err := src.readHead(); err != nil {
		return nil, err
	}
	return src, nil
}

// shellPipe reports whether a pipe found at path is one a shell handed
// over (bash's <(…) is /dev/fd/63, a link to "pipe:[…]"), not a named
// pipe made with mkfifo, which may have no writer at all.
func shellPipe(path string) bool {
	if clean := filepath.Clean(path); strings.HasPrefix(clean, "/dev/fd/") || clean == "/dev/stdin" {
		return true
	}
	for range 8 {
		target, err := os.Readlink(path)
		if err != nil {
			return false
		}
		if strings.HasPrefix(target, "pipe:[") {
			return true
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return false
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	}
	return "not a regular file"
}

// readHead reads the first bytes.
func (s *Input) readHead() error {
	buf := make([]byte, sniffSize)
	n, err := io.ReadFull(s.in, buf)
	s.head = buf[:n]
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		s.done = true
	case err != nil:
		return ioError(s.name, "cannot read the file", err)
	}
	return nil
}

// CheckText refuses, from the first bytes alone, a file that is not text
// (a workbook, an image, UTF-32, NUL bytes), with the message the whole
// file would get: a text reader calls it before reading on, so a stream
// of random bytes is refused after 4 KiB, not 4 GiB.
func (s *Input) CheckText() error {
	if ferr := sniffText(string(s.head), s.done); ferr != nil {
		ferr.Path = s.name
		return ferr
	}
	return nil
}

// Name is the path, or StdinName.
func (s *Input) Name() string { return s.name }

// Head returns the first bytes (up to 4 KiB; fewer when that is the whole
// file). The caller must not change them.
func (s *Input) Head() []byte { return s.head }

// Size returns the size of a regular file, 0 when it is not known.
func (s *Input) Size() int64 {
	if s.info == nil {
		return 0
	}
	return s.info.Size()
}

// Read reads the content from its first byte; past maxFileSize it fails.
func (s *Input) Read(p []byte) (int, error) {
	if s.off < len(s.head) {
		n := copy(p, s.head[s.off:])
		s.off += n
		s.n += int64(n)
		return n, nil
	}
	if s.done {
		return 0, io.EOF
	}
	n, err := s.in.Read(p)
	s.n += int64(n)
	if s.n > maxFileSize {
		return n, errTooLarge
	}
	return n, err
}

var errTooLarge = errors.New("the file is larger than 4 GiB")

// Changed reports whether a regular file is no longer what was opened
// (written to, or replaced, while it was read).
func (s *Input) Changed() bool {
	if s.info == nil || s.fh == nil {
		return false
	}
	now, err := s.fh.Stat()
	return err == nil && changed(s.info, now)
}

// Close closes the file (never standard input).
func (s *Input) Close() error {
	if s.fh == nil || s.name == StdinName {
		return nil
	}
	return s.fh.Close()
}
