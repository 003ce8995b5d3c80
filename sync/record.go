package sync

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"usersync/csvfile/textsafe"
)

// Run kinds a RunRecord names.
const (
	KindApply    = "apply"
	KindRollback = "rollback"
)

// RunRecord is a run's record, the journal's first line: every decision
// that shapes what the run sends. Resuming takes them from here, never from
// flags or a fresh plan; a caller that asks for something else is refused
// (a *ConflictError) before anything is sent.
type RunRecord struct {
	Version         int         `json:"version"`
	Kind            string      `json:"kind,omitempty"` // KindApply or KindRollback
	Target          string      `json:"target"`
	Connection      string      `json:"connection,omitempty"` // base URL and school/tenant, never a token
	File            string      `json:"file"`
	FileFingerprint string      `json:"file_fingerprint"`
	Options         PlanOptions `json:"options"`
	Backup          string      `json:"backup"`
	Started         time.Time   `json:"started"`
	// A rollback: the journals of the import it undoes, and its targets,
	// fixed when it started (a resumed rollback continues this list).
	Undoes  []string  `json:"undoes,omitempty"`
	Targets []PlanRow `json:"targets,omitempty"`
}

// Setting is one recorded decision and what a caller asked for instead.
type Setting struct {
	Key      string // mail, replace, deactivate_missing, max_deactivate, bulk, batch_size, exclude, target, connection, file
	Name     string // for people: "registration mail"
	Recorded string
	Asked    string
}

// ConflictError refuses a run that contradicts the record it would resume
// or the saved plan it applies. Nothing has been sent.
type ConflictError struct {
	Of       string // "the unfinished run in JOURNAL (line 1, started …)" or "the saved plan P"
	Journal  string // the journal, when Of is a run
	Settings []Setting
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refused: this contradicts %s; nothing was sent", e.Of)
	for _, s := range e.Settings {
		fmt.Fprintf(&b, "\n  %s: recorded %s, asked %s", s.Name, s.Recorded, s.Asked)
	}
	if e.Journal != "" {
		fmt.Fprintf(&b, "\nto finish that run, run it on its own file and connection, leaving out the options above (it keeps its own); "+
			"to start a new run instead, give it another journal (--journal PATH); the unfinished run stays undoable: usersync rollback --journal %s", textsafe.ShellQuote(e.Journal))
	} else {
		b.WriteString("\nto apply with other options, make the plan again with them")
	}
	return b.String()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// normalized fills the defaults, so a zero and a default compare equal.
func (o PlanOptions) normalized() PlanOptions {
	if o.MaxDeactivate <= 0 {
		o.MaxDeactivate = DefaultMaxDeactivate
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	o.Exclude = slices.Clone(o.Exclude)
	slices.Sort(o.Exclude)
	o.Exclude = slices.Compact(o.Exclude)
	if len(o.Why) > 0 {
		// Only the reasons of rows left out count, each as the plan says it.
		why := make(map[int]string, len(o.Exclude))
		for _, i := range o.Exclude {
			if w := o.leftOutWhy(i); w != LeftOut {
				why[i] = w
			}
		}
		o.Why = why
		if len(why) == 0 {
			o.Why = nil
		}
	}
	return o
}

// Differences lists the settings asked for that o does not hold.
func (o PlanOptions) Differences(asked PlanOptions) []Setting {
	a, b := o.normalized(), asked.normalized()
	var out []Setting
	add := func(key, name, was, now string) {
		if was != now {
			out = append(out, Setting{Key: key, Name: name, Recorded: was, Asked: now})
		}
	}
	add("mail", "registration mail", onOff(a.Mail), onOff(b.Mail))
	add("replace", "replace mode", onOff(a.Replace), onOff(b.Replace))
	add("deactivate_missing", "deactivate missing users", onOff(a.DeactivateMissing), onOff(b.DeactivateMissing))
	if a.DeactivateMissing || b.DeactivateMissing {
		add("max_deactivate", "deactivation limit", strconv.Itoa(a.MaxDeactivate), strconv.Itoa(b.MaxDeactivate))
	}
	add("bulk", "bulk mode", onOff(a.Bulk), onOff(b.Bulk))
	add("batch_size", "batch size", strconv.Itoa(a.BatchSize), strconv.Itoa(b.BatchSize))
	if was, now := rowList(a), rowList(b); was != now || !maps.Equal(a.Why, b.Why) {
		out = append(out, Setting{Key: "exclude", Name: "rows left out", Recorded: was, Asked: now})
	}
	return out
}

// rowList names the rows o leaves out, each with why when o says: "row 3
// (deleted from the file (not yet saved)), row 5 (excluded by the operator)".
func rowList(o PlanOptions) string {
	rows := o.Exclude
	if len(rows) == 0 {
		return "none"
	}
	parts := make([]string, 0, min(len(rows), 8))
	for i, r := range rows {
		if i == 7 {
			parts = append(parts, fmt.Sprintf("… (%d rows)", len(rows)))
			break
		}
		part := "row " + strconv.Itoa(r+1)
		if why := o.Why[r]; why != "" {
			part += " (" + why + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// differences lists what o asks for that the record r does not hold.
func (r RunRecord) differences(o RunRecord) []Setting {
	var out []Setting
	if r.Target != o.Target {
		out = append(out, Setting{Key: "target", Name: "target", Recorded: r.Target, Asked: o.Target})
	}
	if r.Connection != "" && o.Connection != "" && r.Connection != o.Connection {
		out = append(out, Setting{Key: "connection", Name: "connection", Recorded: r.Connection, Asked: o.Connection})
	}
	if r.kind() != o.kind() {
		out = append(out, Setting{Key: "kind", Name: "run", Recorded: r.kind(), Asked: o.kind()})
	}
	if r.FileFingerprint == "" || o.FileFingerprint == "" {
		// Recorded before the plan: the file is named, not yet fingerprinted.
		if r.File != "" && o.File != "" && !sameFile(r.File, o.File) {
			out = append(out, Setting{Key: "file", Name: "file", Recorded: r.File, Asked: o.File})
		}
	} else if r.FileFingerprint != o.FileFingerprint {
		was, now := r.File+" as it was read then", o.File+" as it reads now (its content, or the column mapping, changed)"
		if r.kind() == KindRollback {
			was, now = "a rollback of "+r.File, "a rollback of another import"
		}
		out = append(out, Setting{Key: "file", Name: "file content", Recorded: was, Asked: now})
	}
	return append(out, r.Options.Differences(o.Options)...)
}

// sameFile reports whether two paths name the same file, however spelled.
func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	aa, errA := filepath.Abs(a)
	ab, errB := filepath.Abs(b)
	return errA == nil && errB == nil && aa == ab
}

func (r RunRecord) kind() string {
	if r.Kind == "" {
		return KindApply
	}
	return r.Kind
}

// RecordedPlan is the plan a rollback record holds: its fixed targets.
func RecordedPlan(r RunRecord) *Plan {
	p := &Plan{Target: r.Target, Mode: KindRollback, File: r.File, FileFingerprint: r.FileFingerprint,
		Options: r.Options, Headers: map[string]string{}, Rows: slices.Clone(r.Targets), CreatedAt: r.Started,
		Undoes: r.Undoes}
	p.FileRows = len(p.Rows)
	p.Count()
	return p
}

// BusyError refuses a run whose journal another process holds.
type BusyError struct{ Journal string }

func (e *BusyError) Error() string {
	return fmt.Sprintf("another usersync is running this run (journal %s is locked): nothing was sent; "+
		"wait for it to finish or stop it, then run the command again", e.Journal)
}

// RunFile is a run's journal, held under an exclusive lock for as long as
// it is open (flock on a file beside it, so a dead process releases it).
type RunFile struct {
	path    string
	lock    *os.File
	madeDir string        // the outermost folder OpenRun made for it, if any
	state   *JournalState // nil when there is no journal yet
	good    int64         // bytes of whole lines
}

// OpenRun locks the journal at path and reads it (damage is kept in the
// state; Check refuses it). A journal that another process holds is
// refused at once with a *BusyError.
func OpenRun(path string) (*RunFile, error) {
	path, err := journalPath(path)
	if err != nil {
		return nil, err
	}
	made, err := makeDirs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if made != "" {
		if path, err = journalPath(path); err != nil {
			return nil, err
		}
	}
	lf, err := lockAt(path + ".lock")
	if err != nil {
		removeDirs(filepath.Dir(path), made)
		if errors.Is(err, errLocked) {
			return nil, &BusyError{Journal: path}
		}
		return nil, err
	}
	rf := &RunFile{path: path, lock: lf, madeDir: made}
	st, good, err := readJournalFile(path)
	switch {
	case err == nil && good == 0 && len(st.damage) == 0:
		// Empty, or one torn line: a run killed while writing its record
		// never started (nothing is sent before the record is on disk).
	case err == nil:
		rf.state, rf.good = st, good
	case errors.Is(err, os.ErrNotExist):
	default:
		rf.Close()
		return nil, err
	}
	return rf, nil
}

// lockAt creates (or opens) the lock file at name and locks it. The lock
// held must be the file at name once locked: its holder removes it when
// done (RunFile.Close), so one opened just before that is no lock any
// more, and a new file is locked instead.
func lockAt(name string) (*os.File, error) {
	for tries := 0; ; tries++ {
		lf, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o600)
		if errors.Is(err, os.ErrNotExist) && tries < 100 {
			// Its folder, made for a run refused meanwhile, went with it.
			if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
				return nil, fmt.Errorf("journal lock: %w", err)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("journal lock: %w", err)
		}
		if err := lockFile(lf); err != nil {
			lf.Close()
			if errors.Is(err, errLocked) {
				return nil, err
			}
			return nil, fmt.Errorf("journal lock %s: %w", name, err)
		}
		mine, err1 := lf.Stat()
		now, err2 := os.Stat(name)
		if err1 == nil && err2 == nil && os.SameFile(mine, now) {
			return lf, nil
		}
		lf.Close()
		if tries == 100 {
			return nil, fmt.Errorf("journal lock %s: removed again and again while being taken", name)
		}
	}
}

// makeDirs makes dir and its missing parents; it returns the outermost
// folder it made ("" when dir was there).
func makeDirs(dir string) (string, error) {
	top := ""
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		top = d
		if filepath.Dir(d) == d {
			break
		}
	}
	return top, os.MkdirAll(dir, 0o700)
}

// removeDirs removes dir and its parents up to top, those makeDirs made,
// while they are empty: a command refused before its run began leaves
// no folder behind either.
func removeDirs(dir, top string) {
	if top == "" {
		return
	}
	for d := dir; len(d) >= len(top); d = filepath.Dir(d) {
		if os.Remove(d) != nil || d == top {
			return
		}
	}
}

// journalPath is the one name of the journal at path, however it is
// spelled (a symlink to it, even one made before it exists, a symlinked
// directory, a relative path): the lock beside it is then the same for
// every spelling, and the run is written to the journal, not over a
// symlink. Its directory is made if need be.
func journalPath(path string) (string, error) {
	p, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("journal %s: %w", path, err)
	}
	for hops := 0; ; hops++ {
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			break
		}
		if hops == 40 {
			return "", fmt.Errorf("journal %s: too many symlinks", path)
		}
		to, err := os.Readlink(p)
		if err != nil {
			return "", fmt.Errorf("journal %s: %w", path, err)
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(p), to)
		}
		p = filepath.Clean(to)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(p))
	if errors.Is(err, os.ErrNotExist) {
		return p, nil // its folder is not there yet (OpenRun makes it)
	}
	if err != nil {
		return "", fmt.Errorf("journal %s: %w", path, err)
	}
	return filepath.Join(dir, filepath.Base(p)), nil
}

// held refuses to go on once the lock file is no longer the one this run
// locked (removed, or replaced, by someone tidying up): another usersync
// could then lock a new one and run this journal at the same time.
func (rf *RunFile) held() error {
	if rf.lock == nil {
		return fmt.Errorf("journal %s: the run's lock was released", rf.path)
	}
	mine, err := rf.lock.Stat()
	if err != nil {
		return fmt.Errorf("journal %s: its lock: %w", rf.path, err)
	}
	now, err := os.Stat(rf.lock.Name())
	if err != nil || !os.SameFile(mine, now) {
		return fmt.Errorf("journal %s: its lock file %s was removed while this run held it, so another usersync could now run it at the same time: stopped before the next write",
			rf.path, rf.lock.Name())
	}
	return nil
}

// Path is the journal's path.
func (rf *RunFile) Path() string { return rf.path }

// State is what the journal holds (nil when there is none yet).
func (rf *RunFile) State() *JournalState { return rf.state }

// Check refuses a damaged journal, naming its file and line.
func (rf *RunFile) Check() error {
	if rf.state == nil {
		return nil
	}
	return rf.state.check()
}

// Unfinished is the run to resume, or nil.
func (rf *RunFile) Unfinished() *JournalState {
	if rf.state == nil || rf.state.Ended || rf.state.Head.Version == 0 {
		return nil
	}
	return rf.state
}

// Close releases the lock and removes its file, still holding it (a
// run waiting for it then locks a new one, lockAt): a command leaves no
// lock behind, least of all one refused before it started a run.
func (rf *RunFile) Close() error {
	if rf.lock == nil {
		return nil
	}
	if rf.held() == nil {
		os.Remove(rf.lock.Name()) // Windows keeps it (an open file): harmless, the next lockAt takes it
	}
	err := rf.lock.Close() // closing the descriptor releases the flock
	rf.lock = nil
	if _, serr := os.Lstat(rf.path); errors.Is(serr, os.ErrNotExist) {
		removeDirs(filepath.Dir(rf.path), rf.madeDir) // no run was recorded there
	}
	return err
}

// reopen opens the unfinished run for appending, cutting a torn last line.
func (rf *RunFile) reopen() (*Journal, error) {
	f, err := os.OpenFile(rf.path, os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := f.Truncate(rf.good); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", rf.path, err)
	}
	if _, err := f.Seek(rf.good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", rf.path, err)
	}
	j := newJournal(rf.path, f)
	j.guard = rf.held
	return j, nil
}

// begin starts a new run with record rec; a journal of a finished run is
// kept beside it, renamed with its start time.
func (rf *RunFile) begin(rec RunRecord) (*Journal, error) {
	if rf.Unfinished() != nil {
		return nil, fmt.Errorf("journal %s: an unfinished run is there", rf.path)
	}
	if rf.state != nil {
		stamp := rf.state.Head.Started.UTC().Format("20060102T150405Z")
		if rf.state.Head.Started.IsZero() {
			stamp = time.Now().UTC().Format("20060102T150405Z")
		}
		old := rf.path + "." + stamp
		if _, err := os.Stat(old); err == nil {
			old += "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		}
		if err := os.Rename(rf.path, old); err != nil {
			return nil, fmt.Errorf("journal: keep the earlier run: %w", err)
		}
	}
	if rf.state == nil {
		// What a run killed before its record was on disk left, if anything.
		if err := os.Remove(rf.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	f, err := os.OpenFile(rf.path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600) // read too: a removed journal is put back from it
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	rec.Version = journalVersion
	j := newJournal(rf.path, f)
	j.guard = rf.held
	if err := j.writeNow(journalRecord{T: "run", RunRecord: &rec}); err != nil {
		j.Close()
		return nil, err
	}
	if d, err := os.Open(filepath.Dir(rf.path)); err == nil {
		d.Sync() // the new file's name is durable too
		d.Close()
	}
	rf.state = newState(rf.path, rec)
	return j, nil
}

// Conflict refuses rec when the unfinished run here has sent something and
// recorded other decisions (a run that sent nothing may be replaced).
func (rf *RunFile) Conflict(rec RunRecord) error {
	p := rf.Unfinished()
	if p == nil || !p.Sent() {
		return nil
	}
	rec.Options = rec.Options.normalized()
	d := p.Head.differences(rec)
	if len(d) == 0 {
		return nil
	}
	return &ConflictError{Of: fmt.Sprintf("the unfinished run recorded in %s (line 1, started %s)",
		rf.Path(), p.Head.Started.UTC().Format("2006-01-02 15:04 UTC")), Journal: rf.Path(), Settings: d}
}

// Begin records a run before its plan is made (the command line does, as
// soon as it knows the options), so that a stop at any moment after keeps
// the decisions. Apply then continues this run.
//
// An unfinished run that sent something is left as it is (Apply refuses a
// plan that contradicts it); one that sent nothing and recorded other
// decisions is replaced by rec.
func (rf *RunFile) Begin(rec RunRecord) error {
	if p := rf.Unfinished(); p != nil {
		if p.Sent() || len(p.Head.differences(rec)) == 0 {
			return nil
		}
		if err := rf.EndUnfinished("superseded before anything was sent"); err != nil {
			return err
		}
		// The backup it may have taken is this run's to retake (BackupFree).
		rec.Started = p.Head.Started
	}
	rec.Options = rec.Options.normalized()
	if rec.Started.IsZero() {
		rec.Started = time.Now().UTC()
	}
	j, err := rf.begin(rec)
	if err != nil {
		return err
	}
	if err := j.Close(); err != nil {
		return err
	}
	st, good, err := readJournalFile(rf.path)
	if err != nil {
		return err
	}
	rf.state, rf.good = st, good
	return nil
}

// EndUnfinished closes the unfinished run without running it, saying why
// (a rollback takes over from an import it undoes), so that no later apply
// resumes it.
func (rf *RunFile) EndUnfinished(reason string) error {
	if rf.Unfinished() == nil {
		return nil
	}
	j, err := rf.reopen()
	if err != nil {
		return err
	}
	err = j.End(reason)
	if cerr := j.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		rf.state.Ended = true
	}
	return err
}
