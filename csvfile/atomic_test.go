package csvfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSavesReplaceOnlyFiles: the guided import saves FILE.mapping beside
// the file through a temporary file renamed over it, which replaced a FIFO
// of that name (and, as root, would replace a device a link pointed to).
// A path that exists is replaced only when it is a regular file.
func TestSavesReplaceOnlyFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "users.csv.mapping")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	err := SaveMapping(fifo, map[string]string{"Given": "First Name"})
	if want := "write " + fifo + ": it is not a regular file, and only a file is replaced by one"; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", err)
	}
	file := filepath.Join(dir, "other.mapping")
	if err := SaveMapping(file, map[string]string{"Given": "First Name"}); err != nil {
		t.Fatal(err)
	}
	if m, err := LoadMapping(file); err != nil || m["Given"] != "First Name" {
		t.Errorf("read back %v %v", m, err)
	}
}
