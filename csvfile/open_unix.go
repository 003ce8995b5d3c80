//go:build unix

package csvfile

import (
	"os"
	"syscall"
)

// openNoWait opens path for reading without waiting: should the path have
// become a named pipe since it was checked, the open returns at once
// instead of waiting for a writer that may never come. (The flag changes
// nothing for a regular file, and the pipes a shell hands over have a
// writer already.)
func openNoWait(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
