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

	"usersync/csvfile/textsafe"
)

// The journal is an append-only JSON-lines file, one record a line. A run
// starts with a "run" record (its RunRecord: every decision it was started
// with); then, for each write, an "intent" before the request and an "out"
// (its outcome) after it; batch jobs add "job" and "job_done"; "end" closes
// a run that finished. A run without "end" is resumed by the next apply
// that opens the same journal, with the decisions its record holds.
//
// Write-ahead: an intent is fsynced before its request is sent, so every
// write that may have reached the server is named in the journal. Workers
// that ask at the same time share one fsync (group commit). Outcomes are
// written at once but fsynced in groups (every journalSyncEvery): an
// outcome lost to a machine crash leaves its intent open, and an open
// intent is settled on resume by reading that user, never guessed.
//
// Every line reaches the file in one write, so a killed process leaves at
// most a torn last line, which readers ignore and a resume cuts off. Any
// other line that is not a record is damage, and is reported with its line.
const (
	journalVersion   = 2
	journalSyncEvery = 100 * time.Millisecond
)

type journalRecord struct {
	T string `json:"t"` // run, plan, intent, out, job, job_done, end

	*RunRecord `json:",omitempty"`

	// intent, out
	Row    *int   `json:"row,omitempty"`
	Line   int    `json:"line,omitempty"`
	Email  string `json:"email,omitempty"`
	Action Action `json:"action,omitempty"`
	Result Result `json:"result,omitempty"`
	Status int    `json:"status,omitempty"`
	Column string `json:"column,omitempty"`
	Msg    string `json:"msg,omitempty"`
	UserID string `json:"id,omitempty"`
	Set    *User  `json:"set,omitempty"` // what the write sets: settling and rollback check these

	// job
	Batch int      `json:"batch,omitempty"`
	Job   string   `json:"job,omitempty"`
	Ops   []JobRow `json:"ops,omitempty"`

	// end
	Reason string `json:"reason,omitempty"`
}

// JournalEntry is one journaled intent or outcome, with the id of the user
// it touched and the values the write sets (only the fields it changes).
type JournalEntry struct {
	Outcome
	UserID string
	Set    *User
}

// JournalState is what a journal says about its last run.
type JournalState struct {
	Path    string
	Head    RunRecord
	Entries []JournalEntry // outcomes, in the order written
	// InDoubt are intents without an outcome: the request may or may not
	// have reached the server. Resume and rollback read the user to settle.
	InDoubt  []JournalEntry
	Pending  map[string][]JobRow // job id → its rows, for jobs uploaded but not finished
	JobOrder []string            // pending job ids in submission order
	Ended    bool
	// Damaged lists the lines that are not records ("journal J line N: …");
	// a strict reader refuses the journal instead.
	Damaged []string
	// Torn is set when the last line was cut short (a crash mid-write).
	Torn bool

	records int            // lines that are journal records, of every run
	open    map[string]int // lowercased email → 1 + index in ints of its open intent
	ints    []JournalEntry
	damage  []*DamageError
}

// Last returns the latest outcome for each email (lowercased).
func (s *JournalState) Last() map[string]JournalEntry {
	m := make(map[string]JournalEntry, len(s.Entries))
	for _, e := range s.Entries {
		m[Key(e.Email)] = e
	}
	return m
}

// DamageError refuses a journal with a line that is not a record.
type DamageError struct {
	Path string
	Line int
	Err  error
}

func (e *DamageError) Error() string {
	return e.short() + ": the run is not resumed from it (nothing is guessed); " +
		"a rollback can still work from its other lines, the backup and the server (usersync rollback --journal " + textsafe.ShellQuote(e.Path) + ")"
}

func (e *DamageError) short() string {
	return fmt.Sprintf("journal %s line %d is damaged (%v)", e.Path, e.Line, e.Err)
}

// ReadJournal reads the last run of the journal at path, refusing a damaged
// one. A torn last line (a crash mid-write) is ignored.
func ReadJournal(path string) (*JournalState, error) {
	st, _, err := readJournalFile(path)
	if err != nil {
		return nil, err
	}
	if err := st.check(); err != nil {
		return nil, err
	}
	return st, nil
}

// ReadJournalLenient reads what it can of a damaged journal: the lines that
// are records, with the others listed in Damaged. Rollback uses it.
func ReadJournalLenient(path string) (*JournalState, error) {
	st, _, err := readJournalFile(path)
	return st, err
}

func readJournalFile(path string) (*JournalState, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	return readJournal(f, path)
}

// check refuses a file that is no journal, a journal with damage or one
// without a run.
func (s *JournalState) check() error {
	if err := s.notJournal(); err != nil {
		return err
	}
	if len(s.Damaged) > 0 {
		return s.damage[0]
	}
	if s.Head.Version == 0 {
		return fmt.Errorf("journal %s: no run recorded", s.Path)
	}
	return nil
}

// readJournal returns the last run (lines that are not records are listed
// as damage) and the byte length of the whole lines read, so a torn tail
// can be cut off before appending.
func readJournal(r io.Reader, path string) (*JournalState, int64, error) {
	st := newState(path, RunRecord{})
	br := bufio.NewReaderSize(r, 64<<10)
	var good int64
	lineNo := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			lineNo++
			good += int64(len(line))
			var rec journalRecord
			if jerr := json.Unmarshal(bytes.TrimSpace(line), &rec); jerr != nil || rec.T == "" ||
				(rec.T == "run" && rec.RunRecord == nil) {
				if jerr == nil {
					jerr = fmt.Errorf("not a journal record")
				}
				st.addDamage(&DamageError{Path: path, Line: lineNo, Err: jerr})
			} else if rec.T == "run" {
				damage, records := st.damage, st.records
				st = newState(path, *rec.RunRecord)
				st.damage = damage // damage before a run's start still counts
				st.records = records + 1
			} else {
				st.records++
				st.apply(&rec)
			}
		} else if len(line) > 0 {
			st.Torn = true
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read journal %s: %w", path, err)
		}
	}
	st.InDoubt = nil
	for i, e := range st.ints {
		if st.open[Key(e.Email)] == i+1 {
			st.InDoubt = append(st.InDoubt, e)
		}
	}
	st.Damaged = nil
	for _, d := range st.damage {
		st.Damaged = append(st.Damaged, d.short())
	}
	return st, good, nil
}

func newState(path string, h RunRecord) *JournalState {
	return &JournalState{Path: path, Head: h, Pending: map[string][]JobRow{}, open: map[string]int{}}
}

func (s *JournalState) addDamage(d *DamageError) { s.damage = append(s.damage, d) }

func (s *JournalState) apply(rec *journalRecord) {
	row := -1
	if rec.Row != nil {
		row = *rec.Row
	}
	entry := func() JournalEntry {
		return JournalEntry{Outcome: Outcome{Row: row, Line: rec.Line, Email: rec.Email, Action: rec.Action,
			Result: rec.Result, Status: rec.Status, Column: rec.Column, Message: rec.Msg}, UserID: rec.UserID, Set: rec.Set}
	}
	switch rec.T {
	case "intent":
		// A later intent for the same user supersedes an earlier one.
		s.ints = append(s.ints, entry())
		s.open[Key(rec.Email)] = len(s.ints)
	case "out":
		delete(s.open, Key(rec.Email))
		s.Entries = append(s.Entries, entry())
	case "job":
		s.Pending[rec.Job] = rec.Ops
		s.JobOrder = append(s.JobOrder, rec.Job)
	case "job_done":
		delete(s.Pending, rec.Job)
	case "end":
		s.Ended = true
	case "plan":
		// The file's fingerprint, when the record was written before the plan.
		if rec.RunRecord != nil && s.Head.FileFingerprint == "" {
			s.Head.FileFingerprint = rec.FileFingerprint
		}
	}
}

// Sent reports whether the run may have sent anything: a write intended,
// an outcome, a job. A run recorded but stopped before its first write has
// not, and its decisions may still be replaced.
func (s *JournalState) Sent() bool {
	return len(s.Entries) > 0 || len(s.ints) > 0 || len(s.JobOrder) > 0
}

// Journal appends records for one run.
type Journal struct {
	path    string
	mu      gosync.Mutex
	synced  *gosync.Cond
	f       *os.File
	written uint64 // lines written
	durable uint64 // lines fsynced
	syncing bool
	err     error
	stop    chan struct{}
	done    chan struct{}
	// guard, when set, is asked before every line: an error (the run's
	// lock is gone) stops the journal, and so the run.
	guard func() error
}

func newJournal(path string, f *os.File) *Journal {
	j := &Journal{path: path, f: f, stop: make(chan struct{}), done: make(chan struct{})}
	j.synced = gosync.NewCond(&j.mu)
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
			n := j.written
			j.mu.Unlock()
			j.syncTo(n)
		case <-j.stop:
			return
		}
	}
}

// append writes one record and returns its sequence number.
func (j *Journal) append(recs ...journalRecord) (uint64, error) {
	var buf []byte
	for _, rec := range recs {
		b, err := json.Marshal(rec)
		if err != nil {
			return 0, err
		}
		buf = append(append(buf, b...), '\n')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return 0, j.err
	}
	if j.guard != nil {
		if err := j.guard(); err != nil {
			j.err = err
			return 0, err
		}
	}
	if err := j.present(); err != nil {
		j.err = err
		return 0, err
	}
	if _, err := j.f.Write(buf); err != nil {
		j.err = fmt.Errorf("journal %s: %w", j.path, err)
		return 0, j.err
	}
	j.written++
	return j.written, nil
}

// present makes sure the journal is still at its path before a line is
// added: removed during the run (a cleanup), it is written again there from
// the file this run holds open, and the run goes on in it; replaced by
// another file, the run stops. Called with j.mu held.
func (j *Journal) present() error {
	mine, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	now, err := os.Lstat(j.path)
	switch {
	case err == nil && os.SameFile(mine, now):
		return nil
	case err == nil:
		return fmt.Errorf("journal %s was replaced by another file while this run wrote it: stopped before the next write", j.path)
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(j.path), filepath.Base(j.path)+".restore-*")
	if err != nil {
		return fmt.Errorf("journal %s was removed during the run and cannot be written again: %w", j.path, err)
	}
	_, err = io.Copy(tmp, io.NewSectionReader(j.f, 0, mine.Size()))
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), j.path)
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("journal %s was removed during the run and cannot be written again: %w", j.path, err)
	}
	j.f.Close()
	j.f = tmp // at its end: the next line follows the copy
	j.durable = j.written
	return nil
}

// syncTo returns once line seq is on disk. One caller fsyncs for everyone
// who wrote before it started; the others wait for it (group commit).
func (j *Journal) syncTo(seq uint64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.durable < seq && j.err == nil {
		if j.syncing {
			j.synced.Wait()
			continue
		}
		j.syncing = true
		upTo := j.written
		f := j.f
		j.mu.Unlock()
		err := f.Sync()
		j.mu.Lock()
		if err != nil && f != j.f {
			err = nil // put back meanwhile (present): the copy was synced
		}
		j.syncing = false
		if err != nil {
			j.err = fmt.Errorf("journal %s: %w", j.path, err)
		} else if upTo > j.durable {
			j.durable = upTo
		}
		j.synced.Broadcast()
	}
	return j.err
}

func (j *Journal) writeNow(recs ...journalRecord) error {
	seq, err := j.append(recs...)
	if err != nil {
		return err
	}
	return j.syncTo(seq)
}

// Intent records, durably, the writes about to be sent: it returns once
// they are on disk.
func (j *Journal) Intent(es ...JournalEntry) error {
	recs := make([]journalRecord, len(es))
	for i, e := range es {
		row := e.Row
		recs[i] = journalRecord{T: "intent", Row: &row, Line: e.Line, Email: e.Email, Action: e.Action, UserID: e.UserID, Set: e.Set}
	}
	return j.writeNow(recs...)
}

// Outcome records one row's outcome (synced in groups); set is what a
// successful write set.
func (j *Journal) Outcome(o Outcome, userID string, set *User) error {
	row := o.Row
	_, err := j.append(journalRecord{T: "out", Row: &row, Line: o.Line, Email: o.Email, Action: o.Action,
		Result: o.Result, Status: o.Status, Column: o.Column, Msg: o.Message, UserID: userID, Set: set})
	return err
}

// JobRow is one op of a journaled batch: enough to map the job's results
// back to file rows on resume.
type JobRow struct {
	Row    int    `json:"row"`
	Line   int    `json:"line,omitempty"`
	Email  string `json:"email"`
	Action Action `json:"action"`
}

// Job records an uploaded batch before it is started (synced at once): it
// is the batch's intent.
func (j *Journal) Job(batch int, jobID string, ops []JobRow) error {
	return j.writeNow(journalRecord{T: "job", Batch: batch, Job: jobID, Ops: ops})
}

// JobDone records that a batch's outcomes are all journaled.
func (j *Journal) JobDone(jobID string) error {
	return j.writeNow(journalRecord{T: "job_done", Job: jobID})
}

// End closes a finished run; the next apply starts a new one. An
// interrupted run is left open so the next apply resumes it.
func (j *Journal) End(reason string) error {
	return j.writeNow(journalRecord{T: "end", Reason: reason})
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
	n := j.written
	j.mu.Unlock()
	serr := j.syncTo(n)
	cerr := j.f.Close()
	if serr != nil {
		return serr
	}
	return cerr
}
