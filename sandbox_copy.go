package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"usersync/csvfile/atomicfile"
)

// A session with the in-process sandbox (usersync --sandbox) is a demo or
// a rehearsal: it must never change the operator's files, nor a tracked
// file of this repository when the README's first command runs. So every
// file it opens is copied into a work folder first, and the fixes saved,
// the mapping, the journal, the backup and the reports all go there.

// sandboxWorkDir is dir (created if need be), or a new temporary folder.
func sandboxWorkDir(dir string) (string, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "usersync-sandbox-")
		if err != nil {
			return "", fmt.Errorf("make the sandbox's work folder: %w", err)
		}
		return d, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("make the sandbox's work folder: %w", err)
	}
	return filepath.Abs(dir)
}

// workCopy is the path to open for path: path itself outside a sandbox
// session, for standard input, or for a file already in the work folder;
// else a copy in the work folder (made once: opening the file again goes
// on with the copy and the fixes saved into it), with its FILE.mapping.
func (b *tuiBackend) workCopy(path string) (string, error) {
	if b.workDir == "" || path == "-" {
		return path, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if filepath.Dir(abs) == b.workDir {
		return path, nil
	}
	if c, ok := b.copies[abs]; ok {
		return c, nil
	}
	dst := filepath.Join(b.workDir, filepath.Base(abs))
	for n := 2; ; n++ { // two files of one name from different folders
		if _, err := os.Lstat(dst); os.IsNotExist(err) {
			break
		}
		ext := filepath.Ext(abs)
		dst = filepath.Join(b.workDir, fmt.Sprintf("%s-%d%s", filepath.Base(abs[:len(abs)-len(ext)]), n, ext))
	}
	if err := copyRegular(abs, dst); err != nil {
		return "", fmt.Errorf("copy %s into the sandbox's work folder: %w", path, err)
	}
	if err := copyRegular(mappingPath(abs), mappingPath(dst)); err != nil && !os.IsNotExist(err) {
		return "", fmt.Errorf("copy %s into the sandbox's work folder: %w", mappingPath(path), err)
	}
	if b.copies == nil {
		b.copies = map[string]string{}
	}
	b.copies[abs] = dst
	return dst, nil
}

// copyRegular copies a regular file (a device or a pipe is left to the
// reader, which refuses it with its own message).
func copyRegular(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", src)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(dst, st.Mode().Perm(), data)
}

// sayCopies tells, after the program, where the sandbox's copies are.
func (b *tuiBackend) sayCopies(w io.Writer) {
	if len(b.copies) == 0 {
		return
	}
	var names []string
	for orig := range b.copies {
		names = append(names, orig)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "usersync: the sandbox worked on copies in %s; your files are unchanged:\n", b.workDir)
	for _, orig := range names {
		fmt.Fprintf(w, "  %s → %s\n", orig, b.copies[orig])
	}
}
