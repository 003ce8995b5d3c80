package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Before the first write of an apply, a canary (one create and one
// update, when the plan has them) goes through the normal write path, so
// it is journaled like any write, and is read back: a server that does not
// store a field as sent (an assumed contract that is wrong, a field it
// silently drops) stops the run there, two users in, not ten thousand.
// After the writes, a verify pass reads back every user the run touched
// and reports those that differ from what was sent.

// ReadBack is what a canary or verify pass found.
type ReadBack struct {
	Users      int        `json:"users"` // users read back
	Mismatches []Mismatch `json:"mismatches,omitempty"`
	// Unchecked names fields the server's listing does not carry, so no
	// read-back can check them.
	Unchecked []string `json:"unchecked,omitempty"`
	Err       string   `json:"error,omitempty"` // the read-back itself failed
}

// Mismatch is one field the server does not hold as it was sent.
type Mismatch struct {
	Line   int    `json:"line"`
	Email  string `json:"email"`
	Field  string `json:"field"`
	Header string `json:"header"`
	Sent   string `json:"sent"`
	Stored string `json:"stored"`
}

func (m Mismatch) String() string {
	where := fmt.Sprintf("line %d %s", m.Line, m.Email)
	if m.Line == 0 {
		where = m.Email
	}
	return where + ": " + m.what()
}

// what is the mismatch without the row it is on.
func (m Mismatch) what() string {
	if m.Field == "" {
		return "not found on the server after the write"
	}
	return fmt.Sprintf("%s was sent as %q, the server holds %q", m.Header, m.Sent, m.Stored)
}

// Differs reports whether the read-back found the server holding other
// values than were sent.
func (r *ReadBack) Differs() bool { return r != nil && len(r.Mismatches) > 0 }

// canary sends the canary rows among writes, reads them back and returns
// the writes still to send; none when the canary found the server
// differs (the run is stopped) or ctx ended.
func (a *applier) canary(ctx context.Context, writes []int) []int {
	// Bulk mode sends every user in one replace: a canary would be a second
	// whole-directory PUT, doubling what bulk mode is chosen to keep to
	// one. Its verify pass still reads back what the replace stored.
	if a.opts.NoCanary || a.p.Options.Bulk || len(writes) == 0 {
		return writes
	}
	pick := a.canaryRows(writes)
	if len(pick) == 0 {
		return writes
	}
	a.emit(Event{Note: fmt.Sprintf("canary: sending %d of %d writes first, then reading them back", len(pick), len(writes))})
	a.send(ctx, pick)
	if ctx.Err() != nil {
		return nil
	}
	rb := a.readBack(ctx, pick)
	if ctx.Err() != nil {
		// Stopped while reading back (Ctrl-C, the server gone): the run
		// says why it stopped, not that the canary failed.
		return nil
	}
	a.mu.Lock()
	a.run.Canary = rb
	a.noteMismatches(pick, rb, "canary")
	a.mu.Unlock()
	rest := slices.DeleteFunc(slices.Clone(writes), func(i int) bool { return slices.Contains(pick, i) })
	switch {
	case rb.Err != "":
		a.stop("canary: the users just written could not be read back (" + rb.Err + "); nothing else was written")
		return nil
	case rb.Differs():
		var say []string
		for _, m := range rb.Mismatches {
			say = append(say, m.String())
		}
		a.stop("canary: the server did not store what was sent (" + strings.Join(say, "; ") +
			"); nothing else was written. See `usersync check`, or pass --no-canary if this is expected")
		return nil
	}
	a.emit(Event{Note: "canary: the server stored what was sent"})
	return rest
}

// canaryRows picks the first create and the first update (a deactivation
// when there is no update) among writes.
func (a *applier) canaryRows(writes []int) []int {
	create, update, deact := -1, -1, -1
	for _, i := range writes {
		switch a.p.Rows[i].Action {
		case Create:
			if create < 0 {
				create = i
			}
		case Update:
			if update < 0 {
				update = i
			}
		case Deactivate:
			if deact < 0 {
				deact = i
			}
		}
	}
	if update < 0 {
		update = deact
	}
	var pick []int
	for _, i := range []int{create, update} {
		if i >= 0 {
			pick = append(pick, i)
		}
	}
	slices.Sort(pick)
	return pick
}

// send writes rows through the run's own write path.
func (a *applier) send(ctx context.Context, rows []int) {
	if bw, ok := a.t.(BatchWriter); ok {
		a.applyBatches(ctx, bw, rows)
	} else if uw, ok := a.t.(UserWriter); ok {
		for _, i := range rows {
			a.writeOne(ctx, uw, i)
		}
	}
}

// verify reads back every user this run wrote and notes, on its outcome
// and in the run, each field the server does not hold as sent. It is
// skipped when the run stopped early (the next run verifies its own).
func (a *applier) verify(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	var rows []int
	for i := range a.p.Rows {
		r := &a.p.Rows[i]
		if r.Done == nil && r.New != nil && isWriteResult(a.run.Outcomes[i].Result) &&
			a.run.Outcomes[i].Message != "done in an earlier run" {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 {
		return
	}
	a.emit(Event{Note: fmt.Sprintf("verify: reading back the %d users this run wrote", len(rows))})
	rb := a.readBack(ctx, rows)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.run.Verify = rb
	a.noteMismatches(rows, rb, "verify")
}

// noteMismatches adds each mismatch to its row's outcome message, so the
// report says it on the row; the caller holds mu.
func (a *applier) noteMismatches(rows []int, rb *ReadBack, pass string) {
	if len(rb.Mismatches) == 0 {
		return
	}
	byEmail := make(map[string]int, len(rows))
	for _, i := range rows {
		byEmail[Key(a.p.Rows[i].Email)] = i
	}
	for _, m := range rb.Mismatches {
		i, ok := byEmail[Key(m.Email)]
		if !ok {
			continue
		}
		o := &a.run.Outcomes[i]
		if o.Message != "" {
			o.Message += "; "
		}
		o.Message += pass + ": " + m.what()
	}
}

// readBack reads the users rows wrote and compares what was sent with
// what the server holds.
func (a *applier) readBack(ctx context.Context, rows []int) *ReadBack {
	rb := &ReadBack{}
	var byEmail map[string]*User // the listing, when one was read
	// Reads go through the run's retry policy: a 429 is waited out and a
	// refused token signs in again, as for the writes.
	find := func(email string) (*User, error) {
		if lk, ok := a.t.(interface {
			Lookup(context.Context, string) (User, error)
		}); ok && len(rows) <= 2 {
			var u User
			_, err := a.call(ctx, func(ctx context.Context) error {
				var err error
				u, err = lk.Lookup(ctx, email)
				return err
			})
			var se *Error
			if err != nil && errors.As(err, &se) && se.Kind == KindNotFound {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return &u, nil
		}
		if byEmail == nil {
			all, err := a.t.ListUsers(ctx) // each page retries by the run's policy
			if err != nil {
				return nil, err
			}
			byEmail = indexUsers(all)
		}
		return byEmail[Key(email)], nil
	}
	unchecked := map[string]bool{}
	for _, i := range rows {
		r := &a.p.Rows[i]
		if !isWriteResult(a.run.Outcomes[i].Result) {
			continue // failed or not sent: nothing to read back
		}
		sent := written(r)
		if sent == nil {
			continue
		}
		email := r.Email
		if ne := sent.Fields[NewEmailKey]; ne != "" {
			email = ne // renamed: the user is under its new address now
		}
		got, err := find(email)
		if err != nil {
			rb.Err = err.Error()
			return rb
		}
		rb.Users++
		if got == nil {
			rb.Mismatches = append(rb.Mismatches, Mismatch{Line: r.Line, Email: r.Email})
			continue
		}
		for _, k := range sortedKeys(sent.Fields) {
			if k == NewEmailKey || slices.Contains(got.Unlisted, k) {
				unchecked[k] = slices.Contains(got.Unlisted, k) || unchecked[k]
				continue
			}
			if !sameText(sent.Fields[k], got.Fields[k]) {
				rb.Mismatches = append(rb.Mismatches, Mismatch{Line: r.Line, Email: r.Email, Field: k,
					Header: a.p.header(k), Sent: sent.Fields[k], Stored: got.Fields[k]})
			}
		}
		for _, k := range sortedKeys(sent.Lists) {
			if slices.Contains(got.Unlisted, k) {
				unchecked[k] = true
				continue
			}
			if !sameTexts(sent.Lists[k], got.Lists[k]) {
				rb.Mismatches = append(rb.Mismatches, Mismatch{Line: r.Line, Email: r.Email, Field: k,
					Header: a.p.header(k), Sent: strings.Join(sent.Lists[k], ", "), Stored: strings.Join(got.Lists[k], ", ")})
			}
		}
	}
	for k, yes := range unchecked {
		if yes {
			rb.Unchecked = append(rb.Unchecked, k)
		}
	}
	slices.Sort(rb.Unchecked)
	return rb
}

// sameText compares a value as sent with the value stored: servers trim
// and may fold the case of names they match ("austin" stored as "Austin").
func sameText(sent, stored string) bool {
	return strings.EqualFold(strings.TrimSpace(sent), strings.TrimSpace(stored))
}

// sameTexts compares lists as sets, like sameText.
func sameTexts(sent, stored []string) bool {
	has := func(l []string, v string) bool {
		return slices.ContainsFunc(l, func(x string) bool { return sameText(x, v) })
	}
	for _, v := range sent {
		if !has(stored, v) {
			return false
		}
	}
	for _, v := range stored {
		if !has(sent, v) {
			return false
		}
	}
	return true
}
