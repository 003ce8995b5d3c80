package csvfile

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A mapping file holds one "File Header=Field" per line, the same words as
// the --map flag, so people can write one by hand and the UI can save the
// one an operator built:
//
//	# usersync column mapping: file header = target column
//	Given=First Name
//	Mail=Email
//	Notes=
//
// Blank lines and lines starting with # are ignored. An empty right side
// means the column is not a field (kept, not imported).

// ParseMapping splits one "File Header=Field" pair (a --map argument). The
// split is at the last '=', since target column names never hold one.
func ParseMapping(s string) (from, to string, err error) {
	i := strings.LastIndexByte(s, '=')
	if i < 0 {
		return "", "", fmt.Errorf("mapping %s: want FILE HEADER=COLUMN", quote(s))
	}
	from, to = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	if from == "" {
		return "", "", fmt.Errorf("mapping %s: the file header before '=' is empty", quote(s))
	}
	return from, to, nil
}

// LoadMapping reads a mapping file, opened as user files are (OpenInput:
// no device, named pipe or binary file).
func LoadMapping(path string) (map[string]string, error) {
	if _, err := os.Stat(path); err != nil { // and never "-": stdin holds the user file
		if pe, ok := err.(*fs.PathError); ok {
			pe.Op = "open"
		}
		return nil, fmt.Errorf("load mapping: %w", err)
	}
	src, err := OpenInput(path, nil)
	if err != nil {
		return nil, fmt.Errorf("load mapping: %w", err)
	}
	defer src.Close()
	if err := src.CheckText(); err != nil {
		return nil, fmt.Errorf("load mapping: %w", err)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		from, to, err := ParseMapping(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		m[from] = to
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("load mapping %s: %w", path, err)
	}
	return m, nil
}

// SaveMapping writes m as a mapping file (sorted, atomically).
func SaveMapping(path string, m map[string]string) error {
	var b strings.Builder
	b.WriteString("# usersync column mapping: file header = target column\n")
	for _, from := range sortedKeys(m) {
		if strings.ContainsAny(from, "\r\n") || strings.ContainsAny(m[from], "=\r\n") {
			return fmt.Errorf("save mapping: %s cannot be written on one line", quote(from+"="+m[from]))
		}
		b.WriteString(from + "=" + m[from] + "\n")
	}
	return writeAtomic(path, 0o644, func(w *bufio.Writer) error {
		_, err := w.WriteString(b.String())
		return err
	}, nil)
}

// writeAtomic writes a file through a temporary file in the same folder,
// synced before it is renamed over path, so a crash leaves either the old
// file or the new one, never half of one.
// beforeRename, when set, runs after the new content is safe on disk and
// before it replaces the old (Save keeps its backup there).
func writeAtomic(path string, perm os.FileMode, write func(*bufio.Writer) error, beforeRename func() error) (err error) {
	// The rename replaces whatever path names: only a file is replaced
	// by one (a FIFO was; as root, so would a device be).
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("write %s: it is not a regular file, and only a file is replaced by one", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<16)
	if err = write(w); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if beforeRename != nil {
		if err = beforeRename(); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil { // make the rename itself durable
		d.Sync()
		d.Close()
	}
	return nil
}
