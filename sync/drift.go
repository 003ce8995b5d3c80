package sync

import (
	"context"
	"fmt"
)

// StaleError refuses a plan made against users that have changed since.
type StaleError struct {
	Added, Removed, Changed []string // emails, a few of each
	Counts                  [3]int   // how many added, removed, changed
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("the users changed since the plan was made (%d added, %d removed, %d changed); make a new plan",
		e.Counts[0], e.Counts[1], e.Counts[2])
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

// Drift reports, as a *StaleError, whether the users now are other than
// those the plan was made from (nil when they are the same), so that a
// saved plan is refused before its run is recorded.
func Drift(p *Plan, now []User) error {
	if UsersFingerprint(now) != p.UsersFingerprint {
		return planDrift(p, now)
	}
	return nil
}

// CheckDrift lists the users and reports, as a *StaleError, whether they
// changed since the plan was made.
func CheckDrift(ctx context.Context, t Target, p *Plan) error {
	now, err := t.ListUsers(ctx)
	if err != nil {
		return err
	}
	if UsersFingerprint(now) != p.UsersFingerprint {
		return planDrift(p, now)
	}
	return nil
}
