package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
)

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

// writeOne sends the write for row i, its intent journaled first. Each
// email appears once in a plan, and each row is handled by one worker, so
// no two requests for the same user are ever in flight.
func (a *applier) writeOne(ctx context.Context, uw UserWriter, i int) {
	r := &a.p.Rows[i]
	var got User
	var ambiguousCreate, sent bool
	for {
		action := r.Action
		intent := action
		if ambiguousCreate {
			intent = Create // our own create may be what made this user: settle it as one
		}
		if err := a.intend(i, intent); err != nil {
			a.stop("cannot write the journal: " + err.Error())
			a.land(i, outcomeOf(r, Pending, 0, "not sent: the journal cannot be written"))
			return
		}
		ambiguous, err := a.call(ctx, func(ctx context.Context) error {
			sent = true
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
			if sent {
				a.inDoubt(i, outcomeOf(r, Pending, 0, "stopped with its request sent"))
			} else {
				a.record(i, outcomeOf(r, Pending, 0, "not sent: interrupted"), "")
			}
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
			if lerr == nil && Key(cur.Email) != Key(r.Email) {
				// Never write over the user a confused server names instead.
				lerr = fmt.Errorf("the server answered the lookup of %s with another user", r.Email)
			}
			if lerr != nil {
				o := failure(r, lerr, "exists, but could not be read back")
				if ctx.Err() != nil {
					o.Result = Pending
				}
				if ambiguousCreate || ctx.Err() != nil {
					a.inDoubt(i, o)
				} else {
					a.record(i, o, "")
				}
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
		if ambiguous || ambiguousCreate {
			// The last tries failed, but an earlier one may have done the
			// work: the intent stays open for a reading of the user to settle.
			a.inDoubt(i, failure(r, err, ""))
			return
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
	now, err := a.t.ListUsers(ctx) // each page retries by the run's policy
	if err == nil && UsersFingerprint(now) != UsersFingerprint(existing) {
		err = fmt.Errorf("bulk mode refused: %w", usersDrift(existing, now))
	}
	if err == nil && len(all) < len(now) {
		err = fmt.Errorf("bulk mode refused: %d users to send, but the server has %d", len(all), len(now))
	}
	ambiguous := false
	if err == nil {
		if bm, ok := br.(BulkMailer); ok {
			bm.SetBulkMail(a.p.Options.Mail)
		}
		// Every row's intent is on disk before the one request that writes them.
		intents := make([]JournalEntry, 0, len(writes))
		for _, i := range writes {
			r := &a.p.Rows[i]
			e := JournalEntry{Outcome: Outcome{Row: r.Row, Line: r.Line, Email: r.Email, Action: r.Action}, Set: written(r)}
			if r.Old != nil {
				e.UserID = r.Old.ID
			}
			intents = append(intents, e)
		}
		if err = a.journal.Intent(intents...); err != nil {
			a.stop("cannot write the journal: " + err.Error())
			return
		}
		ambiguous, err = a.call(ctx, func(ctx context.Context) error { return br.BulkReplace(ctx, all) })
	}
	if err != nil {
		for _, i := range writes {
			switch o := failure(&a.p.Rows[i], err, ""); {
			case ctx.Err() != nil && ambiguous:
				o.Result = Pending
				a.inDoubt(i, o)
			case ctx.Err() != nil:
				// The PUT was not sent: the rows stay pending, to resume.
			case ambiguous:
				a.inDoubt(i, o)
			default:
				a.record(i, o, "")
			}
		}
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
	o := Outcome{Row: r.Row, Line: r.Line, Email: r.Email, Action: r.Action, Result: res, Status: status, Message: msg}
	if r.StaysInactive && (res == Same || res == Updated) {
		o.StaysInactive = true
		if o.Message == "" {
			o.Message = StaysInactiveNote
		}
	}
	return o
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
