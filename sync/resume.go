package sync

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// Resuming a run: what its journal says was done is kept, what was in
// flight is settled by reading the user, and only the rest is decided again
// against the users as they are now.

// settleIntent says whether an intent without an outcome was carried out,
// from the user as it is now (nil: absent) and the backup taken before the
// run's first write (nil when there is none).
func settleIntent(e JournalEntry, cur *User, before map[string]*User) (Result, bool) {
	if cur == nil {
		return "", false
	}
	switch e.Action {
	case Create:
		// It exists now and did not before the run: the run created it.
		return Created, before != nil && before[Key(e.Email)] == nil
	case Deactivate:
		return Deactivated, cur.Fields[StatusKey] == Inactive
	default:
		// The fields it set hold what it set; they did not when planned.
		return Updated, e.Set != nil && differs(e.Set, cur) == ""
	}
}

// settle journals an outcome for every intent the earlier run left open:
// done (then the row keeps that outcome and is not sent again) or not done
// (the row is decided again below and sent with a new intent).
func (a *applier) settle(prior *JournalState, existing []User, b *Backup) {
	if len(prior.InDoubt) == 0 {
		return
	}
	now := indexUsers(existing)
	var before map[string]*User
	if b != nil {
		before = indexUsers(b.Users)
	}
	rows := a.rowsByEmail()
	for _, e := range prior.InDoubt {
		cur := now[Key(e.Email)]
		o := e.Outcome
		res, done := settleIntent(e, cur, before)
		id, set := e.UserID, e.Set
		if done {
			o.Result, o.Message = res, "done: settled on resume by reading the user"
			o.Status = 0
			if cur != nil {
				id = cur.ID
			}
		} else {
			o.Result, o.Message, set = Pending, "not done: settled on resume by reading the user", nil
		}
		if err := a.journal.Outcome(o, id, set); err != nil {
			a.stop("cannot write the journal: " + err.Error())
			return
		}
		if i, ok := rows[Key(e.Email)]; ok && done && a.run.Outcomes[i].Result == "" {
			o.Row, o.Line = a.p.Rows[i].Row, a.p.Rows[i].Line
			a.run.Outcomes[i] = o
			prior.Entries = append(prior.Entries, JournalEntry{Outcome: o, UserID: id, Set: set})
		}
	}
}

// carry keeps the outcome of every row the earlier run wrote: it is not
// decided again nor sent again, and the report says what was done.
func (a *applier) carry(prior *JournalState) {
	last := prior.Last()
	for i := range a.p.Rows {
		r := &a.p.Rows[i]
		if a.run.Outcomes[i].Result != "" || r.Done != nil {
			continue
		}
		e, ok := last[Key(r.Email)]
		if !ok || !isWriteResult(e.Result) {
			continue
		}
		o := e.Outcome
		o.Row, o.Line = r.Row, r.Line
		o.StaysInactive = r.StaysInactive && o.Result == Updated // the journal does not keep it
		if o.Message == "" {
			o.Message = "done in an earlier run"
		}
		// Its mail went out with its create, if the run's options sent mail.
		r.Mail = o.Result == Created && a.p.Options.Mail
		a.run.Outcomes[i] = o
	}
}

// settleDoubts reads, at the end of a run that was not stopped, each user
// whose write was left in doubt, and journals what became of it, so that
// the run can end with every write known. It returns how many it could not
// settle (the run then stays open, for the next run to settle them).
func (a *applier) settleDoubts(ctx context.Context) int {
	a.mu.Lock()
	doubts := slices.Clone(a.doubts)
	a.doubts = nil
	a.mu.Unlock()
	uw, ok := a.t.(UserWriter)
	if len(doubts) == 0 {
		return 0
	}
	left := 0
	for _, i := range doubts {
		r := &a.p.Rows[i]
		var cur User
		var err error
		if ok {
			_, err = a.call(ctx, func(ctx context.Context) error {
				cur, err = uw.Lookup(ctx, r.Email)
				return err
			})
		}
		var found *User
		var se *Error
		switch {
		case !ok || (err != nil && !(errors.As(err, &se) && se.Kind == KindNotFound)):
			left++
			continue
		case err == nil && Key(cur.Email) != Key(r.Email):
			left++ // the server answered with another user: nothing is settled from it
			continue
		case err == nil:
			found = &cur
		}
		intent := JournalEntry{Outcome: Outcome{Email: r.Email, Action: a.run.Outcomes[i].Action}, Set: written(r)}
		o := a.run.Outcomes[i]
		id := ""
		if res, done := settleIntent(intent, found, a.before); done {
			o.Result, o.Status, o.Message, id = res, 0, "done: confirmed by reading the user after its answer was lost", found.ID
		} else {
			o.Message = strings.Replace(o.Message, "in doubt:", "not done (read back):", 1)
		}
		a.record(i, o, id)
	}
	return left
}

// rebase decides every row that is left again against the users the server
// has now. A row keeps its purpose: only a deactivation row can become a
// deactivation, whatever its action was when planned.
func (a *applier) rebase(existing []User) {
	byEmail := indexUsers(existing)
	for i := range a.p.Rows {
		r := &a.p.Rows[i]
		if a.run.Outcomes[i].Result != "" || r.Done != nil || r.Action == Skip {
			continue // a row the plan left alone stays alone (a rollback's conflicts too)
		}
		switch {
		case r.Deactivation || (r.Row < 0 && r.Desired == nil && r.Action == Deactivate):
			r.Deactivation = true
			a.p.decide(r, byEmail[Key(r.Email)])
		case r.Desired != nil:
			a.p.decide(r, matchUser(byEmail, r.Desired))
		}
	}
}

// guardDeactivations refuses, before anything is sent, a run that would
// deactivate more users than its plan allows, however its rows came to be.
func (a *applier) guardDeactivations() error {
	n := 0
	for i := range a.p.Rows {
		if a.run.Outcomes[i].Result == "" && a.p.Rows[i].Done == nil && a.p.Rows[i].Action == Deactivate {
			n++
		}
	}
	if max := a.p.Options.MaxDeactivate; n > max {
		return &DeactivateLimitError{Count: n, Max: max}
	}
	return nil
}

// recordedTargets are a rollback's rows as its record keeps them: what each
// is for (Desired, Deactivation, Skip and why), not the users as they were
// then, which a resume reads again.
func recordedTargets(rows []PlanRow) []PlanRow {
	out := slices.Clone(rows)
	for i := range out {
		out[i].Old, out[i].New = nil, nil
	}
	return out
}

func (a *applier) rowsByEmail() map[string]int {
	m := make(map[string]int, len(a.p.Rows))
	for i := range a.p.Rows {
		m[Key(a.p.Rows[i].Email)] = i
	}
	return m
}

// RetryPlan is the plan again for the rows that failed (or were left
// pending) in r, and nothing else: every other row carries its outcome over,
// so the next run's report still accounts for every row. Apply it with
// ApplyOptions.Rebase: the users changed since, by the run itself.
func RetryPlan(p *Plan, r *Run) *Plan {
	q := *p
	q.Rows = make([]PlanRow, len(p.Rows))
	for i, row := range p.Rows {
		q.Rows[i] = row
		if i < len(r.Outcomes) {
			o := r.Outcomes[i]
			if o.Result == Failed || o.Result == Pending {
				continue
			}
			q.Rows[i].Done = &o
			q.Rows[i].Desired = nil
		}
	}
	q.Count()
	return &q
}
