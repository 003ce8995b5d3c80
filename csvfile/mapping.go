package csvfile

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"usersync/csvfile/atomicfile"
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
	return atomicfile.WriteBytes(path, 0o644, []byte(b.String()))
}
