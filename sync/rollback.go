package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// RollbackPlan plans the undo of the run a journal records, as a plan for
// Apply whose targets are fixed here, once: users the run created are
// deactivated (never deleted), users it updated (or deactivated) go back to
// their backed-up values for the fields it changed, and nothing else is
// touched, ever. Writes the journal left in doubt are settled by reading
// the users now. A user whose changed fields no longer hold what the run
// wrote was edited by someone else since: a conflict, left alone (Skip,
// with the reason) unless force. Applied, the plan is a run of its own
// (its record holds the targets), so a resumed rollback continues the same
// list. When the journal is damaged, Doubts says what could not be
// established.
func RollbackPlan(j *JournalState, b *Backup, current []User, force bool) (*Plan, error) {
	if b.Target != "" && j.Head.Target != "" && b.Target != j.Head.Target {
		return nil, fmt.Errorf("the backup is of %s, the journal of %s", b.Target, j.Head.Target)
	}
	before := indexUsers(b.Users)
	now := indexUsers(current)
	p := &Plan{
		Target:           j.Head.Target,
		Mode:             KindRollback,
		File:             j.Head.File,
		UsersFingerprint: UsersFingerprint(current),
		ExistingUsers:    len(current),
		CreatedAt:        time.Now().UTC().Truncate(time.Second),
		// Replace: a restored list is exactly the backed-up list.
		Options: PlanOptions{Replace: true},
		Headers: map[string]string{},
	}
	if j.Path != "" {
		undoes := j.Path
		if abs, err := filepath.Abs(undoes); err == nil {
			undoes = abs
		}
		p.Undoes = []string{undoes}
	}
	p.FileFingerprint = RollbackFingerprint(j.Head)

	// The latest outcome per user is what the run left it as; writes left
	// in doubt are settled from the users as they are now.
	last := j.Last()
	for _, e := range j.InDoubt {
		if l, ok := last[Key(e.Email)]; ok && isWriteResult(l.Result) {
			continue // an outcome says what was written
		}
		if res, done := settleIntent(e, now[Key(e.Email)], before); done {
			e.Result = res
			last[Key(e.Email)] = e
		}
	}
	emails := make([]string, 0, len(last))
	for e, entry := range last {
		if isWriteResult(entry.Result) && (entry.Set != nil || entry.Result == Created) {
			emails = append(emails, e)
		}
	}
	sort.Strings(emails)
	created := 0
	for _, e := range emails {
		entry := last[e]
		cur := now[e]
		r := PlanRow{Row: -1, Line: entry.Line, Email: entry.Email}
		switch {
		case cur == nil:
			r.Action, r.Reasons = Skip, []string{"no longer exists"}
		case entry.Result == Created && before[e] != nil:
			// Never: a user the backup holds existed before the import.
			r.Action, r.Reasons = Skip, []string{"existed before the import (it is in the backup): not deactivated"}
		case entry.Result == Created:
			created++
			r.Deactivation = true
			if conflict := differs(orEmpty(entry.Set), cur); conflict != "" && !force {
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
	// The deactivation guard: never more than the import created.
	p.Options.MaxDeactivate = max(created, 1)
	if len(j.Damaged) > 0 {
		p.Doubts = append(p.Doubts, j.Damaged...)
		p.Doubts = append(p.Doubts, unaccounted(last, j.InDoubt, before, current)...)
	}
	p.FileRows = len(p.Rows)
	p.Count()
	return p, nil
}

// RollbackFingerprint names the import a rollback undoes (its file and
// when it started), not its outcomes: a resumed rollback of the same
// import matches it, a rollback of another run does not.
func RollbackFingerprint(imp RunRecord) string {
	h := sha256.New()
	fmt.Fprintf(h, "rollback\n%s\n%s\n", imp.FileFingerprint, imp.Started.Format(time.RFC3339Nano))
	return hex.EncodeToString(h.Sum(nil))
}

// unaccounted says which users a damaged journal may have lost: users that
// exist now but not in the backup, or differ from it, and that the journal
// does not name. They are left alone.
func unaccounted(last map[string]JournalEntry, doubt []JournalEntry, before map[string]*User, current []User) []string {
	named := make(map[string]bool, len(last)+len(doubt))
	for k := range last {
		named[k] = true
	}
	for _, e := range doubt {
		named[Key(e.Email)] = true
	}
	var added, changed []string
	for i := range current {
		u := &current[i]
		k := Key(u.Email)
		if named[k] {
			continue
		}
		switch old := before[k]; {
		case old == nil:
			added = append(added, u.Email)
		case !sameUser(old, u):
			changed = append(changed, u.Email)
		}
	}
	var out []string
	if len(added) > 0 {
		out = append(out, fmt.Sprintf("%d users exist now that the backup does not hold and the readable lines do not name (created by this import in a lost line, or by someone else): left alone: %s",
			len(added), sampleList(added)))
	}
	if len(changed) > 0 {
		out = append(out, fmt.Sprintf("%d users differ from the backup and the readable lines do not name them: left alone: %s",
			len(changed), sampleList(changed)))
	}
	if len(out) == 0 {
		out = append(out, "every user that differs from the backup is named by another line of the journal: all are in this rollback")
	}
	return out
}

func sampleList(emails []string) string {
	sort.Strings(emails)
	if len(emails) > 10 {
		return strings.Join(emails[:10], ", ") + fmt.Sprintf(", … (%d more)", len(emails)-10)
	}
	return strings.Join(emails, ", ")
}

func orEmpty(u *User) *User {
	if u == nil {
		return &User{}
	}
	return u
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
