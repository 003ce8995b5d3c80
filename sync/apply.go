package sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	gosync "sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for ApplyOptions fields left zero.
const (
	DefaultConcurrency = 4
	DefaultMaxTries    = 6
	DefaultBatchSize   = 500
	// A server that stops answering stops the run (see ApplyOptions).
	DefaultDeadFailures = 20
	DefaultDeadAfter    = 30 * time.Second
	maxRelogins         = 3
	maxRateLimited      = 50 // 429s waited out per request before one counts as a failed try
	backoffBase         = 200 * time.Millisecond
	backoffMax          = 15 * time.Second
	maxRetryAfter       = 5 * time.Minute // a longer Retry-After stops the run instead
)

// Run is the result of an apply: one outcome per plan row, in plan order.
type Run struct {
	Outcomes    []Outcome `json:"rows"`
	Counts      Counts    `json:"counts"`
	Interrupted bool      `json:"interrupted"`
	// Running is set in the reports written while the run goes on.
	Running bool `json:"running,omitempty"`
	// Reason says why an interrupted run stopped and how to go on.
	Reason         string `json:"reason,omitempty"`
	Resumed        bool   `json:"resumed"`
	JournalPath    string `json:"journal"`
	BackupPath     string `json:"backup"`
	ReportPath     string `json:"report"`
	ReportJSONPath string `json:"report_json"`
	// Canary and Verify are the read-backs before and after the writes
	// (canary.go); nil when they did not run.
	Canary *ReadBack `json:"canary,omitempty"`
	Verify *ReadBack `json:"verify,omitempty"`
	// Notes are what a person is told beyond the counts (Plan.Notes).
	Notes []string `json:"notes,omitempty"`
}

// Describer is implemented by targets that can name their connection (base
// URL and school or tenant, never a token); the journal records it so a run
// is only resumed against the same directory.
type Describer interface{ Describe() string }

// Apply carries out the plan against t as a run: it opens (and locks) the
// journal, resumes the unfinished run there with the decisions its record
// holds (refusing a plan that contradicts them), lists the users, refuses a
// stale plan, writes the backup and the report before the first write,
// journals each write's intent before sending it and its outcome after.
// Cancelling ctx stops it cleanly: the run comes back Interrupted, and
// applying the same plan again resumes it.
func Apply(ctx context.Context, t Target, p *Plan, opts ApplyOptions) (*Run, error) {
	return ApplyWith(ctx, t, p, opts, nil)
}

// ApplyWith is Apply given the users the plan was just made from, which
// saves listing them again when no earlier run is being resumed.
func ApplyWith(ctx context.Context, t Target, p *Plan, opts ApplyOptions, existing []User) (*Run, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxTries <= 0 {
		opts.MaxTries = DefaultMaxTries
	}
	if opts.DeadFailures <= 0 {
		opts.DeadFailures = DefaultDeadFailures
	}
	if opts.DeadAfter <= 0 {
		opts.DeadAfter = DefaultDeadAfter
	}
	if opts.JournalPath == "" && opts.Run != nil {
		opts.JournalPath = opts.Run.Path()
	}
	if opts.JournalPath == "" || opts.ReportPath == "" || opts.BackupPath == "" {
		j, r, b := DefaultPaths(p.File, time.Now())
		opts.JournalPath = orDefault(opts.JournalPath, j)
		opts.ReportPath = orDefault(opts.ReportPath, r)
		opts.BackupPath = orDefault(opts.BackupPath, b)
	}
	if abs, err := filepath.Abs(opts.BackupPath); err == nil {
		opts.BackupPath = abs // the record names it from anywhere
	}
	rf := opts.Run
	if rf == nil {
		var err error
		if rf, err = OpenRun(opts.JournalPath); err != nil {
			return nil, err
		}
		defer rf.Close()
	}
	if err := rf.Check(); err != nil {
		return nil, err
	}
	conn := ""
	if d, ok := t.(Describer); ok {
		conn = d.Describe()
	}

	// Work on a copy: the caller (the UI) may still be showing the plan.
	work := *p
	work.Rows = slices.Clone(p.Rows)
	work.Options = p.Options.normalized()
	rec := RunRecord{Kind: KindApply, Target: t.Name(), Connection: conn, File: p.File,
		FileFingerprint: p.FileFingerprint, Options: work.Options, Backup: opts.BackupPath,
		Started: time.Now().UTC(), Undoes: p.Undoes}
	if p.Mode == KindRollback {
		rec.Kind, rec.Targets = KindRollback, recordedTargets(work.Rows)
	}
	if err := rf.State().Holds(rec.kind()); err != nil {
		return nil, err // never set aside, nor resume, a run of the other kind
	}
	if err := checkPlanFile(p); err != nil {
		return nil, err
	}
	prior := rf.Unfinished()
	if prior != nil {
		if d := prior.Head.differences(rec); len(d) > 0 {
			if err := rf.Conflict(rec); err != nil {
				return nil, err
			}
			// It sent nothing: this run's decisions replace it.
			if err := rf.EndUnfinished("superseded before anything was sent"); err != nil {
				return nil, err
			}
			rec.Started = prior.Head.Started // the backup it may have taken is this run's to retake
			prior = nil
		} else if prior.Head.kind() == KindRollback && len(prior.Head.Targets) > 0 {
			// A rollback continues the targets fixed when it started.
			work.Rows = slices.Clone(prior.Head.Targets)
		}
	}
	if !work.Options.Mail {
		for i := range work.Rows {
			work.Rows[i].Mail = false // the plan's options decide, whatever a row says
		}
	}

	// Until the run knows which writes are left (after reading the users
	// again), its events say what the plan writes.
	a := &applier{t: t, p: &work, opts: opts, start: time.Now(), total: work.Counts.Writes()}
	a.lastOK = a.start // the health check counts quiet time from here
	a.run = &Run{JournalPath: rf.Path(), BackupPath: opts.BackupPath, ReportPath: opts.ReportPath,
		ReportJSONPath: jsonTwin(opts.ReportPath), Outcomes: make([]Outcome, len(work.Rows))}
	if opts.Rate > 0 {
		a.limiter = rate.NewLimiter(rate.Limit(opts.Rate), 1)
	}
	a.login = session{login: opts.Relogin, done: func() { a.emit(Event{Note: "logged in again"}) }}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	a.cancel = cancel
	// Every request of the run, the target's reads and job steps too,
	// retries by the run's policy.
	ctx = WithPolicy(ctx, a.policy())

	// The record is on disk before anything else happens: whatever stops
	// this run from here on, the next one takes its decisions from it.
	var err error
	backupNote := ""
	if prior == nil && !opts.Rebase {
		// A new run's backup never goes over another run's.
		free, note, err := FreeBackupPath(opts.BackupPath, rec.Started)
		if err != nil {
			return nil, err
		}
		rec.Backup, a.run.BackupPath, backupNote = free, free, note
	}
	if prior == nil {
		a.journal, err = rf.begin(rec)
	} else {
		a.journal, err = rf.reopen()
		if err == nil && prior.Head.FileFingerprint == "" {
			err = a.journal.writeNow(journalRecord{T: "plan", RunRecord: &RunRecord{FileFingerprint: rec.FileFingerprint}})
		}
	}
	if err != nil {
		return nil, err
	}
	defer a.journal.Close()
	// Resuming is continuing a run that sent something; a run recorded but
	// stopped before its first write starts over (its decisions kept).
	// A rollback always continues its fixed targets, decided again against
	// the users as they are now.
	resuming := prior != nil && (prior.Sent() || prior.Head.kind() == KindRollback)
	if prior != nil && prior.Head.Backup != "" {
		a.run.BackupPath = prior.Head.Backup
	}
	noBackup := false
	if (resuming && prior.Sent()) || opts.Rebase {
		// The backup was taken before this run's first write; taking one
		// now would hold the run's own writes as "before the import", and
		// settling and rollback would trust it.
		if err := backupStillThere(a.run.BackupPath); err != nil {
			if prior == nil || prior.Head.kind() != KindRollback {
				return nil, err
			}
			// A rollback's backup only serves to undo the rollback: it
			// finishes without one rather than leave the import half undone.
			noBackup = true
			a.emit(Event{Note: fmt.Sprintf("note: this rollback's backup %s is gone: it finishes, but cannot itself be undone", a.run.BackupPath)})
		}
	}
	if resuming {
		a.run.Resumed = true
		if err := a.finishPendingJobs(ctx, prior); err != nil {
			return a.finishInterrupted(ctx, err)
		}
		existing = nil // the server moved on since: decide again from what it has now
	}
	if existing == nil {
		existing, err = t.ListUsers(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return a.finishInterrupted(ctx, err)
			}
			return nil, fmt.Errorf("list existing users: %w", err)
		}
	}
	switch {
	case resuming:
		backup, _ := ReadBackup(a.run.BackupPath) // nil when the run stopped before taking it
		if backup != nil {
			a.before, a.backup = indexUsers(backup.Users), backup
		}
		a.settle(prior, existing, backup)
		a.carry(prior)
		a.rebase(existing)
	case opts.Rebase:
		a.rebase(existing)
	default:
		if fp := UsersFingerprint(existing); fp != p.UsersFingerprint {
			return nil, planDrift(p, existing)
		}
	}
	if err := a.guardDeactivations(); err != nil {
		return nil, err
	}
	// A run that sent nothing yet takes the backup now (again, if an
	// earlier attempt took one); a resumed run or a retry keeps the one
	// taken before the first write.
	fresh := !resuming && !opts.Rebase
	if fresh {
		// Never over another run's backup: that run's rollback reads it.
		started := rec.Started
		if prior != nil {
			started = prior.Head.Started
		}
		if err := BackupFree(a.run.BackupPath, started); err != nil {
			return nil, fmt.Errorf("%w: nothing was sent; give this run another path (--backup PATH)", err)
		}
	}
	if backupNote != "" {
		a.emit(Event{Note: "note: " + backupNote})
	}
	var wrote *Backup
	if !noBackup {
		wrote, err = writeBackupOnce(a.run.BackupPath, t.Name(), conn, existing, fresh)
		if err != nil {
			return nil, err
		}
	}
	switch {
	case wrote != nil:
		a.before, a.backup = indexUsers(existing), wrote // what the backup just written holds
	case a.before == nil:
		if b, err := ReadBackup(a.run.BackupPath); err == nil {
			a.before, a.backup = indexUsers(b.Users), b // a retry keeps the import's backup
		}
	}

	// Rows that need no write get their outcome now; writes go to workers.
	var writes []int
	for i := range work.Rows {
		r := &work.Rows[i]
		if a.run.Outcomes[i].Result != "" {
			continue // finished by a job this resume waited on, or in an earlier run
		}
		if r.Done != nil {
			a.run.Outcomes[i] = *r.Done
			continue
		}
		switch r.Action {
		case Create, Update, Deactivate:
			writes = append(writes, i)
		case Unchanged:
			a.run.Outcomes[i] = outcomeOf(r, Same, 0, "")
		case Skip:
			a.run.Outcomes[i] = outcomeOf(r, Skipped, 0, joinReasons(r.Reasons))
		}
	}
	a.total = len(writes) + a.done
	a.recount()
	// The report exists before the first write, and follows the outcomes.
	if err := a.startReport(); err != nil {
		return nil, err
	}
	a.emit(Event{})

	a.mu.Lock()
	a.lastOK = time.Now()
	a.mu.Unlock()
	writes = a.canary(ctx, writes)
	switch {
	case work.Options.Bulk:
		a.applyBulk(ctx, existing, writes)
	default:
		if bw, ok := t.(BatchWriter); ok {
			a.applyBatches(ctx, bw, writes)
		} else if uw, ok := t.(UserWriter); ok {
			a.applyPerUser(ctx, uw, writes)
		} else {
			a.stopReport()
			return nil, fmt.Errorf("target %s cannot write users", t.Name())
		}
	}
	a.verify(ctx)
	return a.finish(ctx)
}

type applier struct {
	t       Target
	p       *Plan
	opts    ApplyOptions
	journal *Journal
	limiter *rate.Limiter
	cancel  context.CancelCauseFunc
	start   time.Time
	report  *liveReport

	mu        gosync.Mutex
	run       *Run
	counts    Counts // of run.Outcomes, kept as outcomes land: emit must not recount every row per write
	done      int
	total     int
	recent    []time.Time // completion times, for the rate
	notBefore time.Time   // shared pause after a 429
	login     session
	stopNote  string
	batch     BatchEvent       // the batch running now (batch targets)
	netFails  int              // network failures in a row
	lastOK    time.Time        // the last answer from the server
	doubts    []int            // rows whose intent stays open (inDoubt)
	before    map[string]*User // the users as the backup has them, for settling
	backup    *Backup          // the backup itself, put back if it goes missing (keepBackup)
	retries   int              // requests tried again (Event.Retries)
	lastErr   string           // the latest error retried (Event.LastError)

	// reportClaimed: the report's names are this run's (putReport).
	reportClaimed bool
}

// stop ends the run early for a reason the operator must act on.
func (a *applier) stop(reason string) {
	a.mu.Lock()
	if a.stopNote == "" {
		a.stopNote = reason
	}
	a.mu.Unlock()
	a.cancel(errors.New(reason))
}

// finishInterrupted ends a run that stopped before its writes: with ctx
// cancelled it is an interrupted run (resumable), otherwise err stands.
func (a *applier) finishInterrupted(ctx context.Context, err error) (*Run, error) {
	if ctx.Err() == nil {
		return nil, err
	}
	return a.finish(ctx)
}

func (a *applier) finish(ctx context.Context) (*Run, error) {
	a.stopReport()
	a.keepBackup()
	r := a.run
	a.mu.Lock()
	for i := range r.Outcomes {
		if r.Outcomes[i].Result == "" {
			r.Outcomes[i] = outcomeOf(&a.p.Rows[i], Pending, 0, "not sent: interrupted")
		}
	}
	a.mu.Unlock()
	a.recount()
	unsettled := 0
	if ctx.Err() == nil {
		unsettled = a.settleDoubts(ctx)
	}
	r.Interrupted = r.Counts.Pending > 0 || ctx.Err() != nil || unsettled > 0
	if unsettled > 0 && a.stopNote == "" {
		a.stopNote = fmt.Sprintf("%d writes could not be confirmed (the server did not say whether they were done)", unsettled)
	}
	if r.Interrupted {
		r.Reason = a.stopNote
		if r.Reason == "" {
			r.Reason = "interrupted"
		}
		r.Reason += "; run the same command again to resume"
	} else if a.journal != nil {
		if err := a.journal.End("finished"); err != nil {
			return r, err
		}
	}
	final := func(path string, fresh bool) error { return writeFinalReport(path, a.p, r, fresh) }
	if err := a.putReport(final); err != nil {
		return r, err
	}
	a.emit(Event{Note: "finished"})
	return r, nil
}

// keepBackup puts the run's backup back when it was removed during the
// run: the rollback and any resume read it, and nothing else holds the
// users as they were before the first write.
func (a *applier) keepBackup() {
	if a.backup == nil {
		return
	}
	if _, err := os.Lstat(a.run.BackupPath); !errors.Is(err, os.ErrNotExist) {
		return
	}
	note := "the backup " + a.run.BackupPath + " was removed during the run: written again from the copy this run holds"
	if err := writeBackup(a.run.BackupPath, a.backup); err != nil {
		note = "the backup " + a.run.BackupPath + " was removed during the run and could not be written again: " + err.Error()
	}
	a.emit(Event{Note: note})
}
