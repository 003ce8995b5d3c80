package sync

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWritesReplaceOnlyFiles: `plan --out` (and a report, a backup) is
// written to a temporary file renamed over the path, so `--out` naming a
// FIFO replaced the FIFO, and, run as root, `plan --out /dev/full`
// replaced the device with a plan ("plan saved to /dev/full"). A path that
// exists is replaced only when it is a regular file.
func TestWritesReplaceOnlyFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "plan.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	p := &Plan{Target: "coursedog", FileFingerprint: "f", UsersFingerprint: "u"}
	for _, path := range []string{fifo, dir} {
		err := SavePlan(path, p)
		if want := "write " + path + ": it is not a regular file, and only a file is replaced by one"; err == nil || err.Error() != want {
			t.Errorf("got  %v\nwant %s", err, want)
		}
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A file, and a link to one, are written as before.
	file := filepath.Join(dir, "plan.json")
	if err := SavePlan(file, p); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	os.Symlink(file, link)
	if err := SavePlan(link, p); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadPlan(file); err != nil || got.Target != "coursedog" || !strings.HasSuffix(file, ".json") {
		t.Errorf("read back: %+v %v", got, err)
	}
}
