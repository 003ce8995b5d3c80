package render

import (
	"slices"
	"strings"

	"usersync/sync"
)

// The words for actions, counts and changes. A rollback has its own
// vocabulary: it deactivates the users the import created, restores the
// users it updated, leaves alone those changed since, and finds the rest
// already undone.

// Why a file row the operator left out of an import is not sent. The
// front end that leaves a row out puts these words in the plan's options
// (sync.PlanOptions.Why), so the dry run, the plan's text and JSON, the
// run's record and report, and a resume all say the same. A deleted row
// is one deleted in the preview and not saved yet: once the file is saved
// it is no longer in the file, and no plan has it.
const (
	Excluded = "excluded by the operator"
	Deleted  = "deleted from the file (not yet saved)"
)

// Mark is the one-character sign of an action.
func Mark(a sync.Action) string {
	switch a {
	case sync.Create:
		return "+"
	case sync.Update:
		return "~"
	case sync.Deactivate:
		return "-"
	case sync.Skip:
		return "⊘"
	}
	return "="
}

// ToneOf is the tone an action is shown in.
func ToneOf(a sync.Action) Tone {
	switch a {
	case sync.Create:
		return Added
	case sync.Update:
		return Changed
	case sync.Deactivate:
		return Removed
	case sync.Skip:
		return Bad
	}
	return Muted
}

// Verb names what a plan does with a row.
func Verb(a sync.Action, rollback bool) string {
	switch a {
	case sync.Create:
		return "create"
	case sync.Update:
		if rollback {
			return "restore"
		}
		return "update"
	case sync.Deactivate:
		return "deactivate"
	case sync.Skip:
		if rollback {
			return "leave"
		}
		return "skip"
	}
	if rollback {
		return "done"
	}
	return "unchanged"
}

// GroupTitle heads the rows of one action.
func GroupTitle(a sync.Action, rollback bool) string {
	switch a {
	case sync.Create:
		return "Create"
	case sync.Update:
		if rollback {
			return "Restore"
		}
		return "Update"
	case sync.Deactivate:
		return "Deactivate"
	case sync.Skip:
		if rollback {
			return "Left alone"
		}
		return "Skipped"
	}
	if rollback {
		return "Already undone"
	}
	return "Unchanged"
}

// Where is a plan row's place: its line, or "not in file" for a user the
// file does not name.
func Where(r *sync.PlanRow) string {
	if r.Line == 0 {
		return "not in file"
	}
	return "line " + Count(r.Line)
}

// PlanCounts are a plan's counts, one piece per action, short enough for a
// bar above the dry run: "+ 2 create", "~ 1 update", …
func PlanCounts(c sync.Counts, rollback bool) []Piece {
	if rollback {
		return []Piece{{"- " + Count(c.Deactivate) + " deactivate", Removed}, {"~ " + Count(c.Update) + " restore", Changed},
			{"= " + Count(c.Unchanged) + " already undone", Muted}, {"⊘ " + Count(c.Skip) + " left alone", Muted}}
	}
	ps := []Piece{{"+ " + Count(c.Create) + " create", Added}, {"~ " + Count(c.Update) + " update", Changed},
		{"- " + Count(c.Deactivate) + " deactivate", Removed}, {"= " + Count(c.Unchanged) + " unchanged", Muted},
		{"⊘ " + Count(c.Skip) + " skipped", Muted}}
	if c.Inactive > 0 {
		ps = append(ps, Piece{"! " + Count(c.Inactive) + " stay Inactive", Warn})
	}
	return ps
}

// Inactive says how many of the file's users are Inactive on the server
// and stay so, because the file sets no Status for them, and how to make
// them Active; "" when there are none. After a rollback (which made the
// users an import created Inactive) the same file matches them again, and
// "unchanged" alone would let the operator believe they are back.
func Inactive(c sync.Counts) string {
	switch c.Inactive {
	case 0:
		return ""
	case 1:
		return "1 user in the file is Inactive on the server and stays Inactive: the file sets no Status for it; " +
			"to make it Active, add a Status column with Active"
	}
	return Count(c.Inactive) + " users in the file are Inactive on the server and stay Inactive: the file sets no Status for them; " +
		"to make them Active, add a Status column with Active"
}

// Notes are what a person is told about a plan or a run beyond its
// counts, as sentences (Plan.Notes and Run.Notes for --json).
func Notes(c sync.Counts) []string {
	if s := Inactive(c); s != "" {
		return []string{s}
	}
	return nil
}

// PlanSummary says in one line what an apply of the plan would do, every
// row counted.
func PlanSummary(c sync.Counts, rollback bool) string {
	if rollback {
		return Count(c.Deactivate) + " to deactivate (created by the import), " + Count(c.Update) + " to restore, " +
			Count(c.Unchanged) + " already undone, " + Count(c.Skip) + " left alone"
	}
	parts := []string{
		Count(c.Create) + " to create (" + Plural(c.Mails, "registration email", "registration emails") + ")",
		Count(c.Update) + " to update",
		Count(c.Unchanged) + " unchanged",
		Count(c.Skip) + " skipped",
	}
	if c.Deactivate > 0 {
		parts = append(parts, Count(c.Deactivate)+" to deactivate")
	}
	if c.Inactive > 0 {
		parts = append(parts, Count(c.Inactive)+" stay Inactive (no Status in the file)")
	}
	return strings.Join(parts, ", ")
}

// WillHappen says in words the writes an apply of the plan sends, for a
// confirmation: "2 users created (2 registration emails sent), 1 user
// updated"; "nothing" when there are none. mail says whether the target
// sends registration emails at all.
func WillHappen(c sync.Counts, rollback, mail bool) string {
	var parts []string
	if c.Create > 0 {
		s := Plural(c.Create, "user created", "users created")
		switch {
		case !mail:
		case c.Mails > 0:
			s += " (" + Plural(c.Mails, "registration email", "registration emails") + " sent)"
		default:
			s += " (no registration email)"
		}
		parts = append(parts, s)
	}
	if c.Update > 0 {
		if rollback {
			parts = append(parts, Plural(c.Update, "user given back their backed-up fields", "users given back their backed-up fields"))
		} else {
			parts = append(parts, Plural(c.Update, "user updated", "users updated"))
		}
	}
	if c.Deactivate > 0 {
		if rollback {
			parts = append(parts, Plural(c.Deactivate, "user the import created deactivated", "users the import created deactivated"))
		} else {
			parts = append(parts, Plural(c.Deactivate, "user deactivated", "users deactivated"))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// Unsent says what an apply of the plan leaves as it is: "1 row skipped,
// 3 unchanged".
func Unsent(c sync.Counts, rollback bool) string {
	if rollback {
		return Plural(c.Skip, "user", "users") + " left alone, " + Count(c.Unchanged) + " already undone"
	}
	return Plural(c.Skip, "row", "rows") + " skipped, " + Count(c.Unchanged) + " unchanged"
}

// RunCounts are what a run did, one piece per outcome, in the same order
// for every front end: "3 created", "1 updated", … "2 not yet sent" only
// when some were not.
func RunCounts(c sync.Counts, rollback bool) []Piece {
	var ps []Piece
	if rollback {
		ps = []Piece{{Count(c.Deactivate) + " deactivated (created by the import)", Plain}, {Count(c.Update) + " restored", Plain},
			{Count(c.Unchanged) + " already undone", Muted}, {Count(c.Skip) + " left alone", Muted}, {Count(c.Failed) + " failed", Bad}}
	} else {
		ps = []Piece{{Count(c.Create) + " created", Added}, {Count(c.Update) + " updated", Plain},
			{Count(c.Unchanged) + " unchanged", Muted}, {Count(c.Deactivate) + " deactivated", Plain},
			{Count(c.Skip) + " skipped", Muted}, {Count(c.Failed) + " failed", Bad}}
	}
	if c.Pending > 0 {
		ps = append(ps, Piece{Count(c.Pending) + " not yet sent", Warn})
	}
	return ps
}

// Mails is the registration emails a run sent.
func Mails(c sync.Counts) Piece {
	return Piece{Plural(c.Mails, "registration email", "registration emails") + " sent", Muted}
}

// ProgressCounts are the writes so far of a run under way.
func ProgressCounts(c sync.Counts, rollback bool) []Piece {
	if rollback {
		return []Piece{{Count(c.Deactivate) + " deactivated", Removed}, {Count(c.Update) + " restored", Changed}, {Count(c.Failed) + " failed", Bad}}
	}
	return []Piece{{Count(c.Create) + " created", Added}, {Count(c.Update) + " updated", Changed},
		{Count(c.Deactivate) + " deactivated", Plain}, {Count(c.Failed) + " failed", Bad}}
}

// StopReason says why an interrupted run stopped, escaped.
func StopReason(r *sync.Run) string {
	if s := Show(r.Reason); s != "" {
		return s
	}
	return "stopped on request"
}

// Differs says how many users a read-back found not as they were sent.
func Differs(rb *sync.ReadBack) string {
	return Count(len(rb.Mismatches)) + " of " + Count(rb.Users) + " users differ from what was sent"
}

// Header names a change's field: its header, else its key; escaped.
func Header(c sync.Change) string {
	if c.Header == "" {
		return Show(c.Field)
	}
	return Show(c.Header)
}

// Blank is how an empty value shows.
const Blank = "(blank)"

func orBlank(s string) string {
	if s == "" {
		return Blank
	}
	return s
}

// SplitList splits a list field's value as the plan joins it (", ").
func SplitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ", ")
}

// Change shows one change: old → new; for a list, what is added and what
// removed (which a long list would otherwise hide), then the lists
// whole; for a create, the value it sets. name, when not nil, gives a
// value with its name (an ID the target can name: "r-d0a4 Registrar");
// its result is shown as it is, so it must escape what it adds.
func Change(c sync.Change, create bool, name func(field, value string) string) Line {
	c.Old, c.New = Show(c.Old), Show(c.New) // a copy: the plan keeps its values
	if name == nil {
		name = func(_, v string) string { return v }
	}
	old, new := SplitList(c.Old), SplitList(c.New)
	named := func(vs []string) string {
		out := make([]string, len(vs))
		for k, v := range vs {
			out[k] = name(c.Field, v)
		}
		return strings.Join(out, ", ")
	}
	if create {
		return Line{{named(new), Added}}
	}
	if len(old) > 1 || len(new) > 1 {
		var l Line
		for _, v := range new {
			if !slices.Contains(old, v) {
				l = append(l, Piece{"+ " + name(c.Field, v), Added}, Piece{"  ", Plain})
			}
		}
		for _, v := range old {
			if !slices.Contains(new, v) {
				l = append(l, Piece{"− " + name(c.Field, v), Removed}, Piece{"  ", Plain})
			}
		}
		if len(l) > 0 {
			return append(l, Piece{"(" + orBlank(c.Old) + " → " + orBlank(c.New) + ")", Muted})
		}
	}
	return Line{{orBlank(named(old)), Removed}, {" → ", Muted}, {orBlank(named(new)), Added}}
}

// Batch says where one batch of a run in batches is: "batch 2 of 5 (100
// rows), job 42: processing"; no job while the batch uploads.
func Batch(b *sync.BatchEvent) (where, state string) {
	where = "batch " + Count(b.Index) + " of " + Count(b.Of) + " (" + Plural(b.Rows, "row", "rows") + ")"
	if b.JobID != "" {
		where += ", job " + Show(b.JobID)
	}
	return where + ": ", Show(b.State)
}

// What a read-only check of the server (usersync check, and the guided
// import's after sign-in) found, by its cause: only an answer other than
// the adapter reads is a difference; a refused token or a server that did
// not answer says nothing of the API and is headed as what it is.
const (
	ProbeDiffers    = "The server differs from what usersync expects"
	ProbeRefused    = "The server refused the credentials, so its API could not be checked"
	ProbeUnanswered = "The server did not answer, so nothing could be checked"
	ProbeNotRun     = "The check of the server could not run"
)

// ProbeHeading heads the findings of a probe that did not pass.
func ProbeHeading(p *sync.Probe) string {
	switch {
	case p.Refused():
		return ProbeRefused
	case p.Unanswered():
		return ProbeUnanswered
	}
	return ProbeDiffers
}
