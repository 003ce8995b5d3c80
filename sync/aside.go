package sync

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A new run in a journal sets the finished run there aside, renamed
// JOURNAL.<start time> (RunFile.begin). A run that sent nothing still does,
// so the journal an operator was told to roll back may by then hold a run
// with nothing to undo; EarlierRun finds the one it hid.

// EarlierRun is the newest run set aside beside the journal at path that
// sent something: its journal's path and state ("" and nil when none).
func EarlierRun(path string) (string, *JournalState) {
	path, err := journalPath(path)
	if err != nil {
		return "", nil
	}
	names, _ := filepath.Glob(globEscape(path) + ".*")
	var best string
	var bestState *JournalState
	for _, n := range names {
		stamp := strings.TrimPrefix(n, path+".")
		if len(stamp) < 16 {
			continue
		}
		if _, err := time.Parse("20060102T150405Z", stamp[:16]); err != nil {
			continue
		}
		if fi, err := os.Lstat(n); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		st, err := ReadJournalLenient(n)
		if err != nil || !st.Sent() {
			continue
		}
		if bestState == nil || st.Head.Started.After(bestState.Head.Started) {
			best, bestState = n, st
		}
	}
	return best, bestState
}

// globEscape quotes the characters filepath.Glob reads as a pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
