package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"usersync/csvfile"
)

// StatusKey is the field both targets use for Active/Inactive.
const StatusKey = "status"

// Inactive is the status value that deactivates a user.
const Inactive = "Inactive"

// NewEmailKey is the field that renames a user (ccai's "new_email").
const NewEmailKey = "new_email"

// matchUser finds the existing user a desired user means: by email, or,
// once a rename has been applied, by the new email it asked for.
func matchUser(byEmail map[string]*User, d *User) *User {
	if u := byEmail[Key(d.Email)]; u != nil {
		return u
	}
	if ne := d.Fields[NewEmailKey]; ne != "" {
		return byEmail[Key(ne)]
	}
	return nil
}

// LeftOut is why a row of PlanOptions.Exclude is left out when its
// options do not say (a plan or a run recorded before they could): it was
// excluded, or deleted from the file, by the operator.
const LeftOut = "left out by the operator"

// leftOutWhy is why row i, which o excludes, is left out.
func (o PlanOptions) leftOutWhy(i int) string {
	if why := strings.TrimSpace(o.Why[i]); why != "" {
		return why
	}
	return LeftOut
}

// Rejected counts the rows skipped for what they hold (an error, an email
// that would move to another person), not the ones the operator left out:
// a run with rejected rows did not import the file, one that left rows
// out did what it was told.
func (p *Plan) Rejected() int {
	leftOut := make(map[int]bool, len(p.Options.Exclude))
	for _, i := range p.Options.Exclude {
		leftOut[i] = true
	}
	n := 0
	for _, r := range p.Rows {
		if r.Action == Skip && !leftOut[r.Row] {
			n++
		}
	}
	return n
}

// DefaultMaxDeactivate guards --deactivate-missing when no limit is given.
const DefaultMaxDeactivate = 10

// DeactivateLimitError is returned when a plan would deactivate more users
// than the operator allowed: deprovisioning in bulk is the classic way to
// lose a directory, so the plan refuses instead of trimming.
type DeactivateLimitError struct {
	Count, Max int
}

func (e *DeactivateLimitError) Error() string {
	return fmt.Sprintf("the plan would deactivate %d users, more than the limit of %d; "+
		"check the file, or raise --max-deactivate if that is intended", e.Count, e.Max)
}

// Key is the identity used to match users: the email, lowercased.
func Key(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// DesiredUser is row i of the file as a user: what the file says, with blank
// cells absent so they leave fields as they are.
func DesiredUser(f *csvfile.File, i int) User {
	return desiredUser(f.Schema(), f.Has, func(key string) string { return f.Value(i, key) },
		func(key string) []string { return f.List(i, key) })
}

// ScannedUser is DesiredUser for the row csvfile.Scan is at. Its strings
// are copies: the scan's are its buffer's.
func ScannedUser(s *csvfile.Schema, r *csvfile.ScanRow) User {
	return desiredUser(s, r.Has, func(key string) string { return strings.Clone(r.Value(key)) },
		func(key string) []string {
			l := r.List(key)
			for k := range l {
				l[k] = strings.Clone(l[k])
			}
			return l
		})
}

func desiredUser(s *csvfile.Schema, has func(string) bool, value func(string) string, list func(string) []string) User {
	u := User{Fields: map[string]string{}, Lists: map[string][]string{}}
	for _, fld := range s.Fields {
		if !has(fld.Key) {
			continue
		}
		switch {
		case fld.Identity:
			u.Email = value(fld.Key)
		case fld.List:
			if l := list(fld.Key); len(l) > 0 {
				u.Lists[fld.Key] = dedupe(l)
			}
		default:
			if v := value(fld.Key); v != "" {
				u.Fields[fld.Key] = v
			}
		}
	}
	return u
}

// FileRow is one row of a user file as a plan needs it: its line, the user
// it asks for and its error messages (none: a valid row).
type FileRow struct {
	Line    int
	Desired User
	Errors  []csvfile.Message
}

// NewPlanFromRows is NewPlan for rows read as they came (csvfile.Scan,
// ScannedUser) rather than held in a csvfile.File: path and schema are the
// file's, rows every row in file order.
func NewPlanFromRows(target, path string, s *csvfile.Schema, rows []FileRow, existing []User, opts PlanOptions) (*Plan, error) {
	return newPlan(target, path, s, len(rows), func(i int) (int, User, []csvfile.Message) {
		return rows[i].Line, rows[i].Desired, rows[i].Errors
	}, existing, opts)
}

// NewPlan compares the valid rows of f with the existing users and decides
// one action per row. It sends nothing.
func NewPlan(target string, f *csvfile.File, v *csvfile.Validation, existing []User, opts PlanOptions) (*Plan, error) {
	return newPlan(target, f.Path(), f.Schema(), f.Len(), func(i int) (int, User, []csvfile.Message) {
		var errs []csvfile.Message
		if !v.OK(i) {
			errs = v.Row(i)
		}
		return f.Line(i), DesiredUser(f, i), errs
	}, existing, opts)
}

// newPlan is NewPlan of n rows, row(i) giving row i's line, user and
// messages (an error among them makes it invalid).
func newPlan(target, path string, s *csvfile.Schema, n int, row func(i int) (int, User, []csvfile.Message),
	existing []User, opts PlanOptions) (*Plan, error) {
	if opts.MaxDeactivate <= 0 {
		opts.MaxDeactivate = DefaultMaxDeactivate
	}
	// Only a target whose creates send mail gets mail counted and asked for.
	opts.Mail = opts.Mail && s.Mail
	p := &Plan{
		Target:           target,
		Mode:             modeName(opts.Replace),
		File:             path,
		FileRows:         n,
		UsersFingerprint: UsersFingerprint(existing),
		ExistingUsers:    len(existing),
		CreatedAt:        time.Now().UTC().Truncate(time.Second),
		Options:          opts,
		Headers:          map[string]string{},
		Rows:             make([]PlanRow, 0, n),
	}
	for _, fld := range s.Fields {
		p.Headers[fld.Key] = fld.Header
	}
	byEmail := indexUsers(existing)
	byPerson := indexPersonIDs(s, existing)
	excluded := make(map[int]bool, len(opts.Exclude))
	for _, i := range opts.Exclude {
		excluded[i] = true
	}
	seen := make(map[string]bool, n)
	fp := sha256.New()
	for i := 0; i < n; i++ {
		line, desired, msgs := row(i)
		writeFingerprint(fp, line, &desired)
		r := PlanRow{Row: i, Line: line, Email: desired.Email}
		switch {
		case excluded[i]:
			r.Action, r.Reasons = Skip, []string{opts.leftOutWhy(i)}
		case hasError(msgs):
			r.Action, r.Reasons = Skip, rowErrors(msgs)
		case matchUser(byEmail, &desired) == nil && emailChange(byPerson, &desired) != "":
			r.Action, r.Reasons = Skip, []string{emailChange(byPerson, &desired)}
		default:
			seen[Key(desired.Email)] = true
			if ne := desired.Fields[NewEmailKey]; ne != "" {
				seen[Key(ne)] = true
			}
			r.Desired = &desired
			p.decide(&r, matchUser(byEmail, &desired))
		}
		p.Rows = append(p.Rows, r)
	}
	p.FileFingerprint = hex.EncodeToString(fp.Sum(nil))
	p.FileDigest, _ = FileDigest(path) // "" for a file not on disk: nothing to compare later
	if opts.DeactivateMissing {
		if err := p.planDeactivations(existing, seen); err != nil {
			return nil, err
		}
	}
	p.Count()
	return p, nil
}

// personIndex finds existing users by the value of each PersonID field
// (an external ID).
type personIndex []struct {
	header, key string
	users       map[string]*User // value → user
}

func indexPersonIDs(s *csvfile.Schema, existing []User) personIndex {
	var idx personIndex
	for _, f := range s.Fields {
		if !f.PersonID {
			continue
		}
		m := map[string]*User{}
		for i := range existing {
			if v := strings.TrimSpace(existing[i].Fields[f.Key]); v != "" {
				m[v] = &existing[i]
			}
		}
		idx = append(idx, struct {
			header, key string
			users       map[string]*User
		}{f.Header, f.Key, m})
	}
	return idx
}

// emailChange says why a row that matches no user by email, but whose
// external ID belongs to an existing user, is refused: applying it would
// create a second account for that person, or (read as an update) change
// the email that is the user's identity. "" when no such user exists.
func emailChange(idx personIndex, d *User) string {
	for _, f := range idx {
		v := strings.TrimSpace(d.Fields[f.key])
		if u := f.users[v]; v != "" && u != nil && Key(u.Email) != Key(d.Email) {
			return fmt.Sprintf("%s %q belongs to %s, but this row's email is %s: that would change the user's email, "+
				"and the email is a user's identity, which cannot change. Fix the email, or clear %s to add a separate user",
				f.header, v, u.Email, d.Email, f.header)
		}
	}
	return ""
}

// decide sets the row's action against the user that exists now (nil when
// none), from the row's Desired user. Resume and 409 recovery call it again
// with a fresher user, so the same rules decide every time.
func (p *Plan) decide(r *PlanRow, old *User) {
	r.Changes, r.Old, r.New, r.StaysInactive = nil, nil, nil, false
	if r.Deactivation || r.Action == Deactivate {
		r.Action = Deactivate
		if old == nil || old.Fields[StatusKey] == Inactive {
			r.Action = Unchanged
			r.Old = old
			return
		}
		nu := old.clone()
		nu.Fields[StatusKey] = Inactive
		r.Old, r.New = old, &nu
		r.Changes = []Change{{Field: StatusKey, Header: p.header(StatusKey), Old: old.Fields[StatusKey], New: Inactive}}
		return
	}
	if old == nil {
		r.Action = Create
		r.Mail = p.Options.Mail
		r.New = r.Desired // nothing writes to either; a copy would double a large plan
		return
	}
	desired := r.Desired
	if Key(old.Email) != Key(desired.Email) {
		// Matched by the new email: the rename is done; the rest still counts.
		d := desired.clone()
		delete(d.Fields, NewEmailKey)
		desired = &d
	}
	merged, changes := merge(old, desired, p.Options.Replace, p.header)
	r.Old = old
	r.Mail = false
	r.StaysInactive = p.Mode != KindRollback && staysInactive(old, desired) // a rollback restores what the backup holds
	if len(changes) == 0 {
		r.Action = Unchanged
		return
	}
	r.Action, r.Changes, r.New = Update, changes, &merged
}

// staysInactive reports whether the existing user is Inactive and stays
// so because the file row sets no status: a blank or absent Status leaves
// it as it is, as every field the file does not give. A status the
// listing does not carry (ccai) is unknown, so nothing is said of it.
func staysInactive(old, desired *User) bool {
	return strings.EqualFold(old.Fields[StatusKey], Inactive) && !slices.Contains(old.Unlisted, StatusKey) &&
		desired.Fields[StatusKey] == ""
}

// StaysInactiveNote is the reason a report gives on the line of a user
// that stays Inactive (PlanRow.StaysInactive).
const StaysInactiveNote = "Inactive on the server, and the file sets no Status for this user, so it stays Inactive (a Status of Active makes it Active)"

func (p *Plan) planDeactivations(existing []User, seen map[string]bool) error {
	var rows []PlanRow
	for i := range existing {
		u := &existing[i]
		if seen[Key(u.Email)] || u.Fields[StatusKey] == Inactive {
			continue
		}
		r := PlanRow{Row: -1, Email: u.Email, Action: Deactivate, Deactivation: true}
		p.decide(&r, u)
		rows = append(rows, r)
	}
	if len(rows) > p.Options.MaxDeactivate {
		return &DeactivateLimitError{Count: len(rows), Max: p.Options.MaxDeactivate}
	}
	sort.Slice(rows, func(a, b int) bool { return Key(rows[a].Email) < Key(rows[b].Email) })
	p.Rows = append(p.Rows, rows...)
	return nil
}

// Count recomputes the plan's counts from its rows.
func (p *Plan) Count() {
	var c Counts
	for i := range p.Rows {
		if p.Rows[i].StaysInactive && (p.Rows[i].Action == Unchanged || p.Rows[i].Action == Update) {
			c.Inactive++
		}
		switch p.Rows[i].Action {
		case Create:
			c.Create++
			if p.Rows[i].Mail {
				c.Mails++
			}
		case Update:
			c.Update++
		case Unchanged:
			c.Unchanged++
		case Skip:
			c.Skip++
		case Deactivate:
			c.Deactivate++
		}
	}
	p.Counts = c
}

func (p *Plan) header(key string) string {
	if h := p.Headers[key]; h != "" {
		return h
	}
	return key
}

// merge lays the desired user over the existing one. Scalars the file names
// replace; lists gain what the file names (replace: become exactly it).
func merge(old, desired *User, replace bool, header func(string) string) (User, []Change) {
	nu := old.clone()
	var changes []Change
	for _, k := range sortedKeys(desired.Fields) {
		v := desired.Fields[k]
		if old.Fields[k] != v {
			changes = append(changes, Change{Field: k, Header: header(k), Old: old.Fields[k], New: v})
			nu.Fields[k] = v
		}
	}
	for _, k := range sortedKeys(desired.Lists) {
		want := desired.Lists[k]
		have := old.Lists[k]
		var next []string
		if replace {
			next = want
			if sameSet(have, want) {
				continue
			}
		} else {
			next = union(have, want)
			if len(next) == len(have) {
				continue
			}
		}
		changes = append(changes, Change{Field: k, Header: header(k), Old: strings.Join(have, ", "), New: strings.Join(next, ", ")})
		nu.Lists[k] = next
	}
	return nu, changes
}

func (u *User) clone() User {
	c := User{ID: u.ID, Email: u.Email, Raw: u.Raw, Unlisted: u.Unlisted,
		Fields: make(map[string]string, len(u.Fields)+1), Lists: make(map[string][]string, len(u.Lists))}
	for k, v := range u.Fields {
		c.Fields[k] = v
	}
	for k, v := range u.Lists {
		c.Lists[k] = slices.Clone(v)
	}
	return c
}

func union(have, want []string) []string {
	out := slices.Clone(have)
	for _, w := range want {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(dedupe(a)) != len(dedupe(b)) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func dedupe(l []string) []string {
	out := l[:0:0]
	for _, x := range l {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func hasError(msgs []csvfile.Message) bool {
	for _, m := range msgs {
		if m.Severity == csvfile.Error {
			return true
		}
	}
	return false
}

func rowErrors(msgs []csvfile.Message) []string {
	var out []string
	for _, m := range msgs {
		if m.Severity == csvfile.Error {
			if m.Where != "" { // a workbook's cell: Users!C15 (Email)
				out = append(out, m.Where+": "+m.Text)
			} else if m.Column != "" {
				out = append(out, m.Column+": "+m.Text)
			} else {
				out = append(out, m.Text)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"invalid row"}
	}
	return out
}

func modeName(replace bool) string {
	if replace {
		return "replace"
	}
	return "merge"
}

// UsersFingerprint is a digest of the users' content, independent of the
// order the server listed them in. Apply compares it to refuse stale plans.
func UsersFingerprint(users []User) string {
	idx := make([]int, len(users))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return Key(users[idx[a]].Email) < Key(users[idx[b]].Email) })
	h := sha256.New()
	for _, i := range idx {
		writeFingerprint(h, 0, &users[i])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeFingerprint feeds one user's content to h in a canonical form: keys
// sorted, every string length-prefixed so no two users encode alike. It is
// on the plan's hot path (every row and every existing user), hence no JSON.
func writeFingerprint(h io.Writer, line int, u *User) {
	buf := make([]byte, 0, 256)
	str := func(s string) {
		buf = strconv.AppendInt(buf, int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
	}
	buf = strconv.AppendInt(buf, int64(line), 10)
	buf = append(buf, '|')
	str(u.ID)
	str(Key(u.Email))
	buf = append(buf, 'F')
	for _, k := range sortedKeys(u.Fields) {
		str(k)
		str(u.Fields[k])
	}
	buf = append(buf, 'L')
	for _, k := range sortedKeys(u.Lists) {
		str(k)
		buf = strconv.AppendInt(buf, int64(len(u.Lists[k])), 10)
		for _, v := range u.Lists[k] {
			str(v)
		}
	}
	buf = append(buf, '\n')
	h.Write(buf)
}
