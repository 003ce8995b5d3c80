package sync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
	maxRelogins        = 3
	maxRateLimited     = 50 // 429s waited out per request before one counts as a failed try
	backoffBase        = 200 * time.Millisecond
	backoffMax         = 15 * time.Second
)

// Run is the result of an apply: one outcome per plan row, in plan order.
type Run struct {
	Outcomes    []Outcome `json:"rows"`
	Counts      Counts    `json:"counts"`
	Interrupted bool      `json:"interrupted"`
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
}

// StaleError refuses a plan made against users that have changed since.
type StaleError struct {
	Added, Removed, Changed []string // emails, a few of each
	Counts                  [3]int   // how many added, removed, changed
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("the users changed since the plan was made (%d added, %d removed, %d changed); make a new plan",
		e.Counts[0], e.Counts[1], e.Counts[2])
}

// Describer is implemented by targets that can name their connection (base
// URL and school or tenant, never a token); the journal records it so a run
// is only resumed against the same directory.
type Describer interface{ Describe() string }

// Apply carries out the plan against t. It lists the users first (unless
// opts.Existing… is the same listing the plan came from), refuses a stale
// plan, writes the backup before the first write, journals every outcome and
// writes the report. Cancelling ctx stops it cleanly: the run comes back
// Interrupted, and applying the same file again resumes it.
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
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.JournalPath == "" || opts.ReportPath == "" || opts.BackupPath == "" {
		j, r, b := DefaultPaths(p.File, time.Now())
		opts.JournalPath = orDefault(opts.JournalPath, j)
		opts.ReportPath = orDefault(opts.ReportPath, r)
		opts.BackupPath = orDefault(opts.BackupPath, b)
	}
	conn := ""
	if d, ok := t.(Describer); ok {
		conn = d.Describe()
	}
	head := JournalHead{Target: t.Name(), Connection: conn, File: p.File, FileFingerprint: p.FileFingerprint,
		Options: p.Options, Bulk: opts.Bulk, Backup: opts.BackupPath, Started: time.Now().UTC()}
	journal, prior, err := OpenJournal(opts.JournalPath, head)
	if err != nil {
		return nil, err
	}
	defer journal.Close()

	// Work on a copy: the caller (the UI) may still be showing the plan.
	work := *p
	work.Rows = slices.Clone(p.Rows)
	a := &applier{t: t, p: &work, opts: opts, journal: journal, start: time.Now()}
	a.run = &Run{JournalPath: journal.Path(), BackupPath: opts.BackupPath, ReportPath: opts.ReportPath,
		ReportJSONPath: jsonTwin(opts.ReportPath), Outcomes: make([]Outcome, len(work.Rows))}
	if opts.Rate > 0 {
		a.limiter = rate.NewLimiter(rate.Limit(opts.Rate), 1)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	a.cancel = cancel

	var previous map[string]JournalEntry
	if prior != nil {
		a.run.Resumed = true
		a.run.BackupPath = prior.Head.Backup
		previous = prior.Last()
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
	if prior == nil && !opts.Rebase {
		if fp := UsersFingerprint(existing); fp != p.UsersFingerprint {
			return nil, planDrift(p, existing)
		}
	} else {
		a.rebase(existing)
	}
	if err := writeBackupOnce(a.run.BackupPath, t.Name(), conn, existing); err != nil {
		return nil, err
	}

	// Rows that need no write get their outcome now; writes go to workers.
	var writes []int
	for i := range work.Rows {
		r := &work.Rows[i]
		if a.run.Outcomes[i].Result != "" {
			continue // finished by a job this resume waited on
		}
		if r.Done != nil {
			a.run.Outcomes[i] = *r.Done
			continue
		}
		switch r.Action {
		case Create, Update, Deactivate:
			writes = append(writes, i)
		case Unchanged:
			o := outcomeOf(r, Same, 0, "")
			if e, ok := previous[Key(r.Email)]; ok && e.Action != Skip && isWriteResult(e.Result) {
				o.Result, o.Status, o.Message = e.Result, e.Status, "done in an earlier run"
			}
			a.run.Outcomes[i] = o
		case Skip:
			a.run.Outcomes[i] = outcomeOf(r, Skipped, 0, joinReasons(r.Reasons))
		}
	}
	a.total = len(writes) + a.done
	a.recount()
	a.emit(Event{})

	writes = a.canary(ctx, writes)
	switch {
	case opts.Bulk:
		a.applyBulk(ctx, existing, writes)
	default:
		if bw, ok := t.(BatchWriter); ok {
			a.applyBatches(ctx, bw, writes)
		} else if uw, ok := t.(UserWriter); ok {
			a.applyPerUser(ctx, uw, writes)
		} else {
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

	mu        gosync.Mutex
	run       *Run
	counts    Counts // of run.Outcomes, kept as outcomes land: emit must not recount every row per write
	done      int
	total     int
	recent    []time.Time // completion times, for the rate
	notBefore time.Time   // shared pause after a 429
	relogins  int
	loginGen  int
	stopNote  string
	batch     BatchEvent // the batch running now (batch targets)
	retries   int        // requests tried again (Event.Retries)
	lastErr   string     // the latest error retried (Event.LastError)
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
	r := a.run
	for i := range r.Outcomes {
		if r.Outcomes[i].Result == "" {
			r.Outcomes[i] = outcomeOf(&a.p.Rows[i], Pending, 0, "not sent: interrupted")
		}
	}
	a.recount()
	r.Interrupted = r.Counts.Pending > 0 || ctx.Err() != nil
	if r.Interrupted {
		r.Reason = a.stopNote
		if r.Reason == "" {
			r.Reason = "interrupted"
		}
		r.Reason += "; run the same command again to resume"
	} else if err := a.journal.End(); err != nil {
		return r, err
	}
	if err := WriteReport(r.ReportPath, a.p, r); err != nil {
		return r, err
	}
	a.emit(Event{Note: "finished"})
	return r, nil
}

func (a *applier) recount() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.counts = countOutcomes(a.run.Outcomes, a.p.Rows)
	a.run.Counts = a.counts
}

func countOutcomes(outs []Outcome, rows []PlanRow) Counts {
	var c Counts
	for i, o := range outs {
		c.tally(o, i < len(rows) && rows[i].Mail, 1)
	}
	return c
}

// tally adds n (1, or -1 to take back) outcomes o; mail says whether the
// row's create sends the registration mail.
func (c *Counts) tally(o Outcome, mail bool, n int) {
	switch o.Result {
	case Created:
		c.Create += n
		if mail {
			c.Mails += n
		}
	case Updated:
		c.Update += n
	case Same:
		c.Unchanged += n
	case Skipped:
		c.Skip += n
	case Deactivated:
		c.Deactivate += n
	case Failed:
		c.Failed += n
	case Pending:
		c.Pending += n
	}
}

// rebase decides every row again against the users the server has now.
func (a *applier) rebase(existing []User) {
	byEmail := indexUsers(existing)
	for i := range a.p.Rows {
		r := &a.p.Rows[i]
		if a.run.Outcomes[i].Result != "" || r.Done != nil {
			continue
		}
		switch {
		case r.Action == Deactivate || (r.Row < 0 && r.Action == Unchanged):
			r.Action = Deactivate
			a.p.decide(r, byEmail[Key(r.Email)])
		case r.Desired != nil:
			a.p.decide(r, matchUser(byEmail, r.Desired))
		}
	}
}

// record stores one final outcome, journals it and reports progress.
func (a *applier) record(i int, o Outcome, userID string) {
	var set *User
	if isWriteResult(o.Result) {
		set = written(&a.p.Rows[i])
		if userID == "" && a.p.Rows[i].Old != nil {
			userID = a.p.Rows[i].Old.ID
		}
	}
	if err := a.journal.Outcome(o, userID, set); err != nil {
		a.stop("cannot write the journal: " + err.Error())
	}
	a.mu.Lock()
	mail := a.p.Rows[i].Mail
	a.counts.tally(a.run.Outcomes[i], mail, -1)
	a.counts.tally(o, mail, 1)
	a.run.Outcomes[i] = o
	if o.Result != Pending {
		a.done++
		now := time.Now()
		a.recent = append(a.recent, now)
		if len(a.recent) > 64 {
			a.recent = a.recent[len(a.recent)-64:]
		}
	}
	a.mu.Unlock()
	oc := o
	a.emit(Event{Outcome: &oc})
}

// emit fills in the counts and sends without blocking.
func (a *applier) emit(e Event) {
	if a.opts.Events == nil {
		return
	}
	a.mu.Lock()
	e.Counts = a.counts
	e.Done, e.Total = a.done, a.total
	e.Retries, e.LastError = a.retries, a.lastErr
	if n := len(a.recent); n >= 2 {
		if span := a.recent[n-1].Sub(a.recent[0]); span > 0 {
			e.Rate = float64(n-1) / span.Seconds()
		}
	} else if a.done > 0 {
		e.Rate = float64(a.done) / time.Since(a.start).Seconds()
	}
	if e.Rate > 0 && e.Total > e.Done {
		e.ETA = time.Duration(float64(e.Total-e.Done) / e.Rate * float64(time.Second))
	}
	a.mu.Unlock()
	e.Paused = a.opts.Gate != nil && a.opts.Gate.Paused()
	select {
	case a.opts.Events <- e:
	default:
	}
}

// waitTurn holds a request until the gate is open, any shared 429 pause is
// over and the rate limiter allows it.
func (a *applier) waitTurn(ctx context.Context) error {
	if a.opts.Gate != nil && a.opts.Gate.Paused() {
		a.emit(Event{Note: "paused"})
		if err := a.opts.Gate.Wait(ctx); err != nil {
			return err
		}
	}
	a.mu.Lock()
	wait := time.Until(a.notBefore)
	a.mu.Unlock()
	if wait > 0 {
		if err := Sleep(ctx, wait); err != nil {
			return err
		}
	}
	if a.limiter != nil {
		return a.limiter.Wait(ctx)
	}
	return ctx.Err()
}

// call runs one request with the retry policy: retryable errors back off
// exponentially with jitter (Retry-After honoured, and shared by every
// worker after a 429); a 401 logs in again when the caller can, else stops
// the run resumably. A 429 costs no try (up to maxRateLimited of them): the
// server answers it before acting, so waiting it out is always safe, and a
// rate-limit storm must slow the run, not fail its rows. ambiguous reports
// whether an earlier try failed in a way that may have reached the server
// (so a later 409 is our own create).
func (a *applier) call(ctx context.Context, fn func(context.Context) error) (ambiguous bool, err error) {
	tries, limited := 0, 0
	for {
		if err := a.waitTurn(ctx); err != nil {
			return ambiguous, err
		}
		a.mu.Lock()
		gen := a.loginGen
		a.mu.Unlock()
		err = fn(ctx)
		if err == nil || ctx.Err() != nil {
			return ambiguous, err
		}
		var se *Error
		if !errors.As(err, &se) {
			return ambiguous, err
		}
		if se.Kind == KindUnauthorized {
			if a.relogin(ctx, gen) {
				continue
			}
			a.stop("the session expired or was revoked: log in again (usersync login)")
			return ambiguous, err
		}
		var wait time.Duration
		switch {
		case se.Kind == KindRateLimited && limited < maxRateLimited:
			limited++
			wait = backoff(min(limited, 4))
		case !se.Retryable():
			return ambiguous, err
		default:
			tries++
			if tries >= a.opts.MaxTries {
				return ambiguous, err
			}
			if se.Kind == KindServer || se.Kind == KindNetwork {
				ambiguous = true
			}
			wait = backoff(tries)
			a.mu.Lock()
			a.retries++
			a.lastErr = se.Error()
			a.mu.Unlock()
			a.emit(Event{})
		}
		if se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		if se.Kind == KindRateLimited {
			a.mu.Lock()
			now := time.Now()
			pausing := !now.Before(a.notBefore) // say so once per pause, not once per worker
			if until := now.Add(wait); until.After(a.notBefore) {
				a.notBefore = until
			}
			a.mu.Unlock()
			if pausing {
				a.emit(Event{Note: fmt.Sprintf("rate limited: waiting %s", wait.Round(100*time.Millisecond))})
			}
		}
		if err := Sleep(ctx, wait); err != nil {
			return ambiguous, err
		}
	}
}

// relogin renews the session once per generation: the first worker to see
// a 401 logs in, the others retry with the new token.
func (a *applier) relogin(ctx context.Context, gen int) bool {
	if a.opts.Relogin == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loginGen != gen {
		return true // someone else already logged in again
	}
	if a.relogins >= maxRelogins {
		return false
	}
	a.relogins++
	if err := a.opts.Relogin(ctx); err != nil {
		return false
	}
	a.loginGen++
	go a.emit(Event{Note: "logged in again"})
	return true
}

func backoff(attempt int) time.Duration {
	d := backoffBase << (attempt - 1)
	if d > backoffMax || d <= 0 {
		d = backoffMax
	}
	// Full jitter keeps retrying workers from marching in step.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Sleep waits d or until ctx is done, whichever is first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// applyPerUser sends one request per write, from a pool of workers.
func (a *applier) applyPerUser(ctx context.Context, uw UserWriter, writes []int) {
	jobs := make(chan int)
	var wg gosync.WaitGroup
	for w := 0; w < a.opts.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				a.writeOne(ctx, uw, i)
			}
		}()
	}
feed:
	for _, i := range writes {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
}

// writeOne sends the write for row i. Each email appears once in a plan,
// and each row is handled by one worker, so no two requests for the same
// user are ever in flight.
func (a *applier) writeOne(ctx context.Context, uw UserWriter, i int) {
	r := &a.p.Rows[i]
	var got User
	var ambiguousCreate bool
	for {
		action := r.Action
		ambiguous, err := a.call(ctx, func(ctx context.Context) error {
			var err error
			switch action {
			case Create:
				got, err = uw.Create(ctx, *r.New, r.Mail)
			default:
				got, err = uw.Update(ctx, *r.Old, *r.New)
			}
			return err
		})
		if action == Create && ambiguous {
			ambiguousCreate = true
		}
		if err == nil {
			res, status := resultOf(action)
			if action == Update && ambiguousCreate {
				res, status = Created, 201 // our first try created it; this filled in the rest
			}
			a.record(i, outcomeOf(r, res, status, ""), got.ID)
			return
		}
		if ctx.Err() != nil {
			a.record(i, outcomeOf(r, Pending, 0, "not sent: interrupted"), "")
			return
		}
		var se *Error
		if action == Create && errors.As(err, &se) && se.Kind == KindConflict {
			// Created meanwhile (by someone else, or by our own earlier try
			// whose answer was lost): update it instead of creating twice.
			var cur User
			_, lerr := a.call(ctx, func(ctx context.Context) error {
				var err error
				cur, err = uw.Lookup(ctx, r.Email)
				return err
			})
			if lerr != nil {
				a.record(i, failure(r, lerr, "exists, but could not be read back"), "")
				return
			}
			a.p.decide(r, &cur)
			if r.Action == Unchanged {
				if ambiguousCreate {
					a.record(i, outcomeOf(r, Created, 201, "created (confirmed after a retry)"), cur.ID)
				} else {
					a.record(i, outcomeOf(r, Same, 409, "already existed with these values"), cur.ID)
				}
				return
			}
			continue
		}
		a.record(i, failure(r, err, ""), "")
		return
	}
}

// applyBulk sends every user in one replace, after checking that nobody
// changed the directory since it was read.
func (a *applier) applyBulk(ctx context.Context, existing []User, writes []int) {
	br, ok := a.t.(BulkReplacer)
	if !ok {
		a.failAll(writes, fmt.Errorf("target %s has no bulk mode", a.t.Name()))
		return
	}
	if len(writes) == 0 {
		return
	}
	all := make([]User, 0, len(existing)+len(writes))
	replaced := make(map[string]*User, len(writes))
	var creates []User
	for _, i := range writes {
		r := &a.p.Rows[i]
		if r.Action == Create {
			creates = append(creates, *r.New)
		} else {
			replaced[Key(r.Email)] = r.New
		}
	}
	for _, u := range existing {
		if nu, ok := replaced[Key(u.Email)]; ok {
			all = append(all, *nu)
		} else {
			all = append(all, u)
		}
	}
	all = append(all, creates...)
	// Someone else editing between our read and our PUT would be silently
	// overwritten: read again right before, and refuse on any difference.
	var now []User
	_, err := a.call(ctx, func(ctx context.Context) error {
		var err error
		now, err = a.t.ListUsers(ctx)
		return err
	})
	if err == nil && UsersFingerprint(now) != UsersFingerprint(existing) {
		err = fmt.Errorf("bulk mode refused: %w", usersDrift(existing, now))
	}
	if err == nil && len(all) < len(now) {
		err = fmt.Errorf("bulk mode refused: %d users to send, but the server has %d", len(all), len(now))
	}
	if err == nil {
		if bm, ok := br.(BulkMailer); ok {
			bm.SetBulkMail(a.p.Options.Mail)
		}
		_, err = a.call(ctx, func(ctx context.Context) error { return br.BulkReplace(ctx, all) })
	}
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		a.failAll(writes, err)
		return
	}
	for _, i := range writes {
		r := &a.p.Rows[i]
		res, _ := resultOf(r.Action)
		a.record(i, outcomeOf(r, res, 200, "bulk"), "")
	}
}

func (a *applier) failAll(rows []int, err error) {
	for _, i := range rows {
		if i < 0 {
			continue
		}
		a.record(i, failure(&a.p.Rows[i], err, ""), "")
	}
}

// written is the part of a row's new user that its write changed: all of a
// created user, the changed fields of an update.
func written(r *PlanRow) *User {
	if r.New == nil {
		return nil
	}
	if r.Action == Create {
		u := r.New.clone()
		u.Raw, u.ID = nil, ""
		return &u
	}
	u := User{Email: r.Email, Fields: map[string]string{}, Lists: map[string][]string{}}
	for _, c := range r.Changes {
		if l, ok := r.New.Lists[c.Field]; ok {
			u.Lists[c.Field] = l
		} else if _, isList := r.Old.Lists[c.Field]; isList {
			u.Lists[c.Field] = []string{}
		} else {
			u.Fields[c.Field] = r.New.Fields[c.Field]
		}
	}
	return &u
}

func resultOf(action Action) (Result, int) {
	switch action {
	case Create:
		return Created, 201
	case Deactivate:
		return Deactivated, 200
	default:
		return Updated, 200
	}
}

func isWriteResult(r Result) bool { return r == Created || r == Updated || r == Deactivated }

func outcomeOf(r *PlanRow, res Result, status int, msg string) Outcome {
	return Outcome{Row: r.Row, Line: r.Line, Email: r.Email, Action: r.Action, Result: res, Status: status, Message: msg}
}

func failure(r *PlanRow, err error, prefix string) Outcome {
	o := outcomeOf(r, Failed, 0, err.Error())
	var se *Error
	if errors.As(err, &se) {
		o.Status = se.Status
		o.Message = se.Kind.String()
		if se.Msg != "" {
			o.Message += ": " + se.Msg
		} else if se.Err != nil {
			o.Message += ": " + se.Err.Error()
		}
	}
	if prefix != "" {
		o.Message = prefix + ": " + o.Message
	}
	return o
}

func joinReasons(rs []string) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += "; "
		}
		s += r
	}
	return s
}

func orDefault(s, d string) string {
	if s != "" {
		return s
	}
	return d
}

// planDrift says how the users differ from those the plan saw: the users
// its rows knew, and the users the file would create that now exist.
func planDrift(p *Plan, now []User) *StaleError {
	e := &StaleError{}
	byEmail := indexUsers(now)
	for i := range p.Rows {
		r := &p.Rows[i]
		cur := byEmail[Key(r.Email)]
		switch {
		case r.Old != nil && cur == nil:
			e.note(1, r.Email)
		case r.Old != nil && !sameUser(r.Old, cur):
			e.note(2, r.Email)
		case r.Old == nil && r.Action == Create && cur != nil:
			e.note(0, r.Email)
		}
	}
	if e.Counts == [3]int{} {
		// The difference is among users the file does not name.
		if d := len(now) - p.ExistingUsers; d > 0 {
			e.Counts[0] = d
		} else if d < 0 {
			e.Counts[1] = -d
		} else {
			e.Counts[2] = 1
		}
	}
	return e
}

// usersDrift compares two listings of the same directory.
func usersDrift(base, now []User) *StaleError {
	e := &StaleError{}
	was := indexUsers(base)
	for i := range now {
		k := Key(now[i].Email)
		old, ok := was[k]
		switch {
		case !ok:
			e.note(0, now[i].Email)
		case !sameUser(old, &now[i]):
			e.note(2, now[i].Email)
		}
		delete(was, k)
	}
	for _, u := range was {
		e.note(1, u.Email)
	}
	return e
}

func (e *StaleError) note(kind int, email string) {
	e.Counts[kind]++
	list := [3]*[]string{&e.Added, &e.Removed, &e.Changed}[kind]
	if len(*list) < 5 {
		*list = append(*list, email)
	}
}

func indexUsers(users []User) map[string]*User {
	m := make(map[string]*User, len(users))
	for i := range users {
		m[Key(users[i].Email)] = &users[i]
	}
	return m
}

func sameUser(a, b *User) bool {
	return UsersFingerprint([]User{*a}) == UsersFingerprint([]User{*b})
}
