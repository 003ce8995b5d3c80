// Package atomicfile is the one way usersync replaces a file: every file
// it writes (fixes saved into the user's file, mappings, plans, backups,
// reports, token files, the sandbox's state) goes through Write, so each
// has the same durability. A crash, a full disk or a failed write leaves
// the old file or the new one, never half of one, and no temporary file.
//
// renameio creates the temporary file in the destination's directory with
// the requested mode (independent of the umask), fsyncs it and renames it
// over the destination; Write adds what renameio leaves to its callers:
// the directory is fsynced after the rename, so the rename itself survives
// a power loss.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// Secret is the mode of files that hold tokens or people's data.
const Secret os.FileMode = 0o600

// Option changes how Write replaces a file.
type Option func(*config)

type config struct {
	mkdir        bool
	exclusive    bool
	beforeRename func() error
}

// MakeDir creates the file's directory (mode 0700) when it is missing.
func MakeDir() Option { return func(c *config) { c.mkdir = true } }

// Exclusive creates path and never replaces it: when path exists (or
// appears meanwhile) Write fails with an error that is os.ErrExist, and
// leaves it as it was. The new file is still complete or absent: it is
// linked into place once its content is on disk.
func Exclusive() Option { return func(c *config) { c.exclusive = true } }

// BeforeRename runs f after the new content is safe on disk and before it
// replaces the old file (a save keeps its backup of the original there);
// an error from f leaves the old file in place and is returned as is.
func BeforeRename(f func() error) Option { return func(c *config) { c.beforeRename = f } }

// Write replaces path with what write produces, with mode perm: write
// fills a temporary file in the same directory, which is fsynced and
// renamed over path; then the directory is fsynced. When anything fails,
// path is untouched and the temporary file removed.
func Write(path string, perm os.FileMode, write func(*bufio.Writer) error, opts ...Option) error {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if _, err := os.Lstat(path); err == nil && c.exclusive {
		return fmt.Errorf("write %s: %w", path, fs.ErrExist)
	}
	// The rename replaces whatever path names: a FIFO, or as root a
	// device (/dev/full became a plan). Only a file is replaced by one.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("write %s: it is not a regular file, and only a file is replaced by one", path)
	}
	dir := filepath.Dir(path)
	if c.mkdir {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	f, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithStaticPermissions(perm))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer f.Cleanup() // removes the temporary file unless it was renamed
	w := bufio.NewWriterSize(f, 256<<10)
	if err := write(w); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if c.exclusive {
		// link(2) never replaces: of two writers of one name, one wins.
		if err := f.Sync(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := os.Link(f.Name(), path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("write %s: %w", path, err)
			}
			// A file system without hard links: claim the name, then
			// replace the (empty) claim.
			claim, cerr := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
			if cerr != nil {
				return fmt.Errorf("write %s: %w", path, cerr)
			}
			claim.Close()
			if err := f.CloseAtomicallyReplace(); err != nil {
				os.Remove(path)
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
		syncDir(dir)
		return nil // the deferred Cleanup removes the temporary name
	}
	if c.beforeRename != nil {
		// Sync first, so the hook runs only once the content is on disk.
		if err := f.Sync(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := c.beforeRename(); err != nil {
			return err
		}
	}
	if err := f.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// WriteBytes is Write for content already in memory.
func WriteBytes(path string, perm os.FileMode, b []byte, opts ...Option) error {
	return Write(path, perm, func(w *bufio.Writer) error {
		_, err := w.Write(b)
		return err
	}, opts...)
}

// syncDir makes a rename in dir durable. It is best effort: the file is
// already replaced, and some file systems cannot sync a directory, so a
// failure here is no reason to tell the caller the write failed.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
