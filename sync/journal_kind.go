package sync

import (
	"errors"
	"fmt"
	"os"

	"usersync/csvfile/textsafe"
)

// A journal holds one kind of run: an import's journal holds applies, a
// rollback's (JOURNAL.rollback.jsonl) the rollback of that import. A run
// started in a journal of the other kind would set that journal's run
// aside (or, unfinished, try to resume it as what it is not), and the
// rollback that reads it would find something else; a file that is no
// journal at all is refused as such, not read as a damaged one.

// WrongJournalError refuses a journal that holds another kind of run, or a
// file that is no journal. Nothing has been done.
type WrongJournalError struct {
	Path   string
	Kind   string // the kind of run the journal holds; "" when it is no journal
	Undoes string // a rollback's: the journal of the import it undoes
	Want   string // the kind of run that was asked for
	Line   int    // no journal: the first line that is not a record (0: not a regular file)
	Err    error
}

func (e *WrongJournalError) Error() string {
	if e.Kind == "" {
		what := "it is not a regular file"
		if e.Line > 0 {
			what = fmt.Sprintf("line %d is not a journal record: %v", e.Line, e.Err)
		}
		return fmt.Sprintf("%s is not a usersync journal (%s): nothing was done; give the journal of the run, "+
			"FILE.usersync-journal.jsonl beside the file it imported (or the --journal PATH its apply was given)", e.Path, what)
	}
	if e.Kind == KindRollback {
		of := ""
		if e.Undoes != "" {
			of = " (of the import recorded in " + e.Undoes + ")"
		}
		return fmt.Sprintf("%s is the journal of a rollback%s, not of an import: nothing was sent; "+
			"an apply keeps its runs in a journal of their own: leave --journal out (FILE.usersync-journal.jsonl beside the file) or give another path; "+
			"to resume or undo that rollback: usersync rollback --journal %s", e.Path, of, textsafe.ShellQuote(e.Path))
	}
	return fmt.Sprintf("%s is the journal of an import, not of a rollback: nothing was sent; "+
		"to undo that import: usersync rollback --journal %s (its rollback keeps its own journal beside it)", e.Path, textsafe.ShellQuote(e.Path))
}

// PeekJournal reads the journal at path without taking its lock, to refuse
// the wrong file before anything is created beside it (OpenRun makes a
// lock file). It is nil, with no error, when there is no file at path or
// it is empty. A file that is not regular (a pipe would wait forever) or
// holds no journal record at all is a *WrongJournalError; a journal with
// some damaged lines is not (rollback works from its readable ones).
func PeekJournal(path string) (*JournalState, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, &WrongJournalError{Path: path}
	}
	js, _, err := readJournalFile(path)
	if err != nil {
		return nil, err
	}
	if err := js.notJournal(); err != nil {
		return nil, err
	}
	if js.Head.Version == 0 && len(js.damage) == 0 {
		return nil, nil // empty, or one torn line: no run was recorded
	}
	return js, nil
}

// notJournal refuses what holds lines but not one journal record.
func (s *JournalState) notJournal() error {
	if s.records > 0 || len(s.damage) == 0 {
		return nil
	}
	d := s.damage[0]
	return &WrongJournalError{Path: s.Path, Line: d.Line, Err: d.Err}
}

// Holds refuses a journal whose run is of another kind than want
// (KindApply, KindRollback); nil when it records no run yet.
func (s *JournalState) Holds(want string) error {
	if s == nil || s.Head.Version == 0 || s.Head.kind() == want {
		return nil
	}
	e := &WrongJournalError{Path: s.Path, Kind: s.Head.kind(), Want: want}
	if len(s.Head.Undoes) > 0 {
		e.Undoes = s.Head.Undoes[0]
	}
	return e
}
