package sync

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	gosync "sync"
	"time"
)

// The journal is an append-only JSON-lines file, one record a line. A run
// starts with a "run" record; outcomes and batch jobs follow; "end" closes a
// run that finished (interrupted or not). A run without "end" is resumed by
// the next apply of the same file to the same target.
//
// Every line reaches the file at once (one write each, so a killed process
// loses at most the line it was writing), but outcome lines are fsynced in
// groups (every journalSyncEvery or journalSyncLines, whichever first):
// a line lost to a machine crash costs nothing, since on resume the engine
// decides again from the server's state, so a write that happened but was
// not journaled is seen, not repeated. Job lines are fsynced at once: they
// are what prevents a batch from being uploaded twice.
const (
	journalVersion   = 1
	journalSyncEvery = 100 * time.Millisecond
	journalSyncLines = 256
)

// JournalHead identifies a run. A journal is resumed only by a run with the
// same target, connection and file content.
type JournalHead struct {
	Version         int         `json:"version"`
	Target          string      `json:"target"`
	Connection      string      `json:"connection,omitempty"` // base URL and school/tenant, never a token
	File            string      `json:"file"`
	FileFingerprint string      `json:"file_fingerprint"`
	Options         PlanOptions `json:"options"`
	Bulk            bool        `json:"bulk,omitempty"`
	Backup          string      `json:"backup"`
	Started         time.Time   `json:"started"`
}

func (h JournalHead) sameRun(o JournalHead) bool {
	return h.Target == o.Target && h.Connection == o.Connection &&
		h.FileFingerprint == o.FileFingerprint && h.Options.Replace == o.Options.Replace &&
		h.Options.DeactivateMissing == o.Options.DeactivateMissing && h.Bulk == o.Bulk
}

type journalRecord struct {
	T string `json:"t"` // run, out, job, job_done, end

	*JournalHead `json:",omitempty"`

	// out
	Row    *int   `json:"row,omitempty"`
	Line   int    `json:"line,omitempty"`
	Email  string `json:"email,omitempty"`
	Action Action `json:"action,omitempty"`
	Result Result `json:"result,omitempty"`
	Status int    `json:"status,omitempty"`
	Column string `json:"column,omitempty"`
	Msg    string `json:"msg,omitempty"`
	UserID string `json:"id,omitempty"`
	Set    *User  `json:"set,omitempty"` // what the write set: rollback restores and checks these

	// job
	Batch int      `json:"batch,omitempty"`
	Job   string   `json:"job,omitempty"`
	Ops   []JobRow `json:"ops,omitempty"`
}

// JournalEntry is one journaled outcome, with the id of the user it touched
// and the values the write set (only the fields it changed).
type JournalEntry struct {
	Outcome
	UserID string
	Set    *User
}

// JournalState is what a journal says about its last run.
type JournalState struct {
	Head     JournalHead
	Entries  []JournalEntry      // in the order written
	Pending  map[string][]JobRow // job id → its rows, for jobs uploaded but not finished
	JobOrder []string            // pending job ids in submission order
	Ended    bool
}

// Last returns the latest entry for each email (lowercased).
func (s *JournalState) Last() map[string]JournalEntry {
	m := make(map[string]JournalEntry, len(s.Entries))
	for _, e := range s.Entries {
		m[Key(e.Email)] = e
	}
	return m
}

// ReadJournal reads the last run of the journal at path. A torn last line
// (a crash mid-write) is ignored.
func ReadJournal(path string) (*JournalState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	st, _, err := readJournal(f, path)
	return st, err
}

// readJournal returns the last run and the byte length of the whole lines
// read, so a torn tail can be cut off before appending.
func readJournal(r io.Reader, path string) (*JournalState, int64, error) {
	var st *JournalState
	br := bufio.NewReaderSize(r, 64<<10)
	var good int64
	lineNo := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			lineNo++
			var rec journalRecord
			if jerr := json.Unmarshal(bytes.TrimSpace(line), &rec); jerr != nil {
				return nil, 0, fmt.Errorf("journal %s line %d: %v", path, lineNo, jerr)
			}
			good += int64(len(line))
			st = applyRecord(st, &rec)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read journal %s: %w", path, err)
		}
	}
	if st == nil {
		return nil, good, fmt.Errorf("journal %s: no run recorded", path)
	}
	return st, good, nil
}

func applyRecord(st *JournalState, rec *journalRecord) *JournalState {
	if rec.T == "run" {
		h := JournalHead{}
		if rec.JournalHead != nil {
			h = *rec.JournalHead
		}
		return &JournalState{Head: h, Pending: map[string][]JobRow{}}
	}
	if st == nil {
		return nil
	}
	switch rec.T {
	case "out":
		row := -1
		if rec.Row != nil {
			row = *rec.Row
		}
		st.Entries = append(st.Entries, JournalEntry{Outcome: Outcome{Row: row, Line: rec.Line, Email: rec.Email,
			Action: rec.Action, Result: rec.Result, Status: rec.Status, Column: rec.Column, Message: rec.Msg}, UserID: rec.UserID, Set: rec.Set})
	case "job":
		st.Pending[rec.Job] = rec.Ops
		st.JobOrder = append(st.JobOrder, rec.Job)
	case "job_done":
		delete(st.Pending, rec.Job)
	case "end":
		st.Ended = true
	}
	return st
}

// Journal appends records for one run.
type Journal struct {
	path  string
	mu    gosync.Mutex
	f     *os.File
	dirty int
	err   error
	stop  chan struct{}
	done  chan struct{}
}

// OpenJournal starts or resumes a run at path. It returns the state of an
// unfinished run of the same head (nil when starting afresh). A journal of a
// finished or different run is kept beside it, renamed with its start time.
func OpenJournal(path string, head JournalHead) (*Journal, *JournalState, error) {
	head.Version = journalVersion
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	var resumed *JournalState
	if f, err := os.OpenFile(path, os.O_RDWR, 0o600); err == nil {
		st, good, rerr := readJournal(f, path)
		switch {
		case rerr == nil && !st.Ended && st.Head.sameRun(head):
			// Cut a torn last line, then append to the run.
			if err := f.Truncate(good); err != nil {
				f.Close()
				return nil, nil, fmt.Errorf("journal %s: %w", path, err)
			}
			if _, err := f.Seek(good, io.SeekStart); err != nil {
				f.Close()
				return nil, nil, fmt.Errorf("journal %s: %w", path, err)
			}
			resumed = st
			return newJournal(path, f), resumed, nil
		default:
			f.Close()
			stamp := time.Now().UTC().Format("20060102T150405Z")
			if rerr == nil {
				stamp = st.Head.Started.UTC().Format("20060102T150405Z")
			}
			old := path + "." + stamp
			if err := os.Rename(path, old); err != nil {
				return nil, nil, fmt.Errorf("journal: keep earlier run: %w", err)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	j := newJournal(path, f)
	if err := j.writeNow(journalRecord{T: "run", JournalHead: &head}); err != nil {
		j.Close()
		return nil, nil, err
	}
	return j, nil, nil
}

func newJournal(path string, f *os.File) *Journal {
	j := &Journal{path: path, f: f, stop: make(chan struct{}), done: make(chan struct{})}
	go j.syncLoop()
	return j
}

// Path is where the journal is.
func (j *Journal) Path() string { return j.path }

func (j *Journal) syncLoop() {
	defer close(j.done)
	t := time.NewTicker(journalSyncEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			j.mu.Lock()
			if j.dirty > 0 {
				j.flushLocked()
			}
			j.mu.Unlock()
		case <-j.stop:
			return
		}
	}
}

func (j *Journal) append(rec journalRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if _, err := j.f.Write(b); err != nil {
		j.err = fmt.Errorf("journal %s: %w", j.path, err)
		return j.err
	}
	j.dirty++
	if j.dirty >= journalSyncLines {
		j.flushLocked()
	}
	return j.err
}

func (j *Journal) writeNow(rec journalRecord) error {
	if err := j.append(rec); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.flushLocked()
	return j.err
}

func (j *Journal) flushLocked() {
	if j.err != nil {
		return
	}
	if err := j.f.Sync(); err != nil {
		j.err = fmt.Errorf("journal %s: %w", j.path, err)
		return
	}
	j.dirty = 0
}

// Outcome records one row's outcome (synced in groups); set is what a
// successful write set.
func (j *Journal) Outcome(o Outcome, userID string, set *User) error {
	row := o.Row
	return j.append(journalRecord{T: "out", Row: &row, Line: o.Line, Email: o.Email, Action: o.Action,
		Result: o.Result, Status: o.Status, Column: o.Column, Msg: o.Message, UserID: userID, Set: set})
}

// JobRow is one op of a journaled batch: enough to map the job's results
// back to file rows on resume.
type JobRow struct {
	Row    int    `json:"row"`
	Line   int    `json:"line,omitempty"`
	Email  string `json:"email"`
	Action Action `json:"action"`
}

// Job records an uploaded batch before it is started (synced at once).
func (j *Journal) Job(batch int, jobID string, ops []JobRow) error {
	return j.writeNow(journalRecord{T: "job", Batch: batch, Job: jobID, Ops: ops})
}

// JobDone records that a batch's outcomes are all journaled.
func (j *Journal) JobDone(jobID string) error {
	return j.writeNow(journalRecord{T: "job_done", Job: jobID})
}

// End closes a finished run; the next apply starts a new one. An
// interrupted run is left open so the next apply resumes it.
func (j *Journal) End() error {
	return j.writeNow(journalRecord{T: "end"})
}

// Close flushes and closes the journal.
func (j *Journal) Close() error {
	select {
	case <-j.stop:
	default:
		close(j.stop)
		<-j.done
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.flushLocked()
	cerr := j.f.Close()
	if j.err != nil {
		return j.err
	}
	return cerr
}
