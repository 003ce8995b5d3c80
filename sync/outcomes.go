package sync

import "time"

// A run's bookkeeping as rows settle: each outcome counted, journaled
// (intent before the write, outcome after) and sent out as an Event.

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
	if o.StaysInactive && (o.Result == Same || o.Result == Updated) {
		c.Inactive += n
	}
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

// record stores one final outcome, journals it (which closes the row's
// intent) and reports progress.
func (a *applier) record(i int, o Outcome, userID string) {
	var set *User
	if r := &a.p.Rows[i]; isWriteResult(o.Result) {
		set = written(r)
		if o.Result == Created && r.Action != Create && r.Desired != nil {
			// Created by a try whose answer was lost, then found as it
			// should be: what the import set is all the file gave it.
			d := r.Desired.clone()
			d.Raw, d.ID = nil, ""
			set = &d
		}
		if userID == "" && r.Old != nil {
			userID = r.Old.ID
		}
	}
	if err := a.journal.Outcome(o, userID, set); err != nil {
		a.stop("cannot write the journal: " + err.Error())
	}
	a.land(i, o)
}

// inDoubt ends row i without journaling an outcome: its request may have
// reached the server, so its intent stays open for the next run (or a
// rollback) to settle by reading the user. o says so to people.
func (a *applier) inDoubt(i int, o Outcome) {
	o.Message += " (in doubt: the request may have reached the server; the next run or a rollback reads this user to settle it)"
	a.mu.Lock()
	a.doubts = append(a.doubts, i)
	a.mu.Unlock()
	a.land(i, o)
}

// intend journals row i's write as about to be sent, durably.
func (a *applier) intend(i int, action Action) error {
	r := &a.p.Rows[i]
	e := JournalEntry{Outcome: Outcome{Row: r.Row, Line: r.Line, Email: r.Email, Action: action}, Set: written(r)}
	if r.Old != nil {
		e.UserID = r.Old.ID
	}
	return a.journal.Intent(e)
}

// land counts and reports an outcome.
func (a *applier) land(i int, o Outcome) {
	a.mu.Lock()
	mail := a.p.Rows[i].Mail
	prev := a.run.Outcomes[i].Result
	a.counts.tally(a.run.Outcomes[i], mail, -1)
	a.counts.tally(o, mail, 1)
	a.run.Outcomes[i] = o
	if o.Result != Pending && (prev == "" || prev == Pending) {
		a.done++
		now := time.Now()
		a.recent = append(a.recent, now)
		if len(a.recent) > 64 {
			a.recent = a.recent[len(a.recent)-64:]
		}
	}
	a.mu.Unlock()
	a.report.touch()
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

func orDefault(s, d string) string {
	if s != "" {
		return s
	}
	return d
}
