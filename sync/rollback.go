package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// RollbackPlan plans the undo of the run a journal records, as an ordinary
// plan for Apply: users the run updated (or deactivated) go back to their
// backed-up values for the fields it changed; users it created are
// deactivated, never deleted. A user whose changed fields no longer hold what
// the run wrote was edited by someone else since: that is a conflict, left
// alone (Skip, with the reason) unless force.
func RollbackPlan(j *JournalState, b *Backup, current []User, force bool) (*Plan, error) {
	if b.Target != "" && j.Head.Target != "" && b.Target != j.Head.Target {
		return nil, fmt.Errorf("the backup is of %s, the journal of %s", b.Target, j.Head.Target)
	}
	before := indexUsers(b.Users)
	now := indexUsers(current)
	p := &Plan{
		Target:           j.Head.Target,
		Mode:             "rollback",
		File:             j.Head.File,
		UsersFingerprint: UsersFingerprint(current),
		ExistingUsers:    len(current),
		CreatedAt:        time.Now().UTC().Truncate(time.Second),
		// Replace: a restored list is exactly the backed-up list.
		Options: PlanOptions{Replace: true, MaxDeactivate: len(j.Entries) + 1},
		Headers: map[string]string{},
	}
	h := sha256.New()
	fmt.Fprintf(h, "rollback\n%s\n%s\n", j.Head.FileFingerprint, j.Head.Started.Format(time.RFC3339Nano))

	// The latest outcome per user is what the run left it as.
	last := j.Last()
	emails := make([]string, 0, len(last))
	for e, entry := range last {
		if isWriteResult(entry.Result) && entry.Set != nil {
			emails = append(emails, e)
		}
	}
	sort.Strings(emails)
	for _, e := range emails {
		entry := last[e]
		fmt.Fprintf(h, "%s %s\n", e, entry.Result)
		cur := now[e]
		r := PlanRow{Row: -1, Line: entry.Line, Email: entry.Email}
		switch {
		case cur == nil:
			r.Action, r.Reasons = Skip, []string{"no longer exists"}
		case entry.Result == Created && cur.Fields[StatusKey] == Inactive:
			r.Action, r.Old = Unchanged, cur // already deactivated
		case entry.Result == Created:
			r.Action = Deactivate
			if conflict := differs(entry.Set, cur); conflict != "" && !force {
				r.Action, r.Reasons = Skip, []string{"conflict: changed since the import (" + conflict + "); --force to deactivate anyway"}
			} else {
				p.decide(&r, cur)
			}
		default:
			old := before[e]
			if old == nil {
				r.Action, r.Reasons = Skip, []string{"not in the backup"}
				break
			}
			restore := restoreValues(entry.Set, old)
			if len(restore.Fields)+len(restore.Lists) == 0 {
				r.Action, r.Reasons = Skip, []string{"cannot restore " + unknownIn(entry.Set, old) +
					": the server does not list it, so its value before the import is unknown"}
				break
			}
			r.Desired = &restore
			if differs(&restore, cur) == "" {
				r.Action, r.Old = Unchanged, cur // already rolled back
				break
			}
			if conflict := differs(entry.Set, cur); conflict != "" && !force {
				r.Action, r.Reasons = Skip, []string{"conflict: changed since the import (" + conflict + "); --force to restore anyway"}
				break
			}
			p.decide(&r, cur)
		}
		p.Rows = append(p.Rows, r)
	}
	p.FileFingerprint = hex.EncodeToString(h.Sum(nil))
	p.FileRows = len(p.Rows)
	p.Count()
	return p, nil
}

// restoreValues is, for every field the run set, the value the backup holds
// (blank or empty when the user had none), so the write puts it back. A
// field the listing did not carry has no known value to restore: it is
// left as it is.
func restoreValues(set, old *User) User {
	u := User{Email: old.Email, Fields: map[string]string{}, Lists: map[string][]string{}}
	for k := range set.Fields {
		if !slices.Contains(old.Unlisted, k) {
			u.Fields[k] = old.Fields[k]
		}
	}
	for k := range set.Lists {
		u.Lists[k] = slices.Clone(old.Lists[k])
		if u.Lists[k] == nil {
			u.Lists[k] = []string{}
		}
	}
	return u
}

// unknownIn names the fields the run set whose earlier value the backup
// does not know (the listing does not carry them).
func unknownIn(set, old *User) string {
	var names []string
	for _, k := range sortedKeys(set.Fields) {
		if slices.Contains(old.Unlisted, k) {
			names = append(names, k)
		}
	}
	return strings.Join(names, ", ")
}

// differs names the fields of want that cur does not hold ("" when it holds
// them all); lists compare as sets. Fields cur's listing does not carry
// cannot show a difference.
func differs(want, cur *User) string {
	var names []string
	for _, k := range sortedKeys(want.Fields) {
		if slices.Contains(cur.Unlisted, k) {
			continue
		}
		if cur.Fields[k] != want.Fields[k] {
			names = append(names, k)
		}
	}
	for _, k := range sortedKeys(want.Lists) {
		if !sameSet(cur.Lists[k], want.Lists[k]) {
			names = append(names, k)
		}
	}
	return strings.Join(names, ", ")
}
