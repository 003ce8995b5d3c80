package render

import (
	"strings"

	"usersync/sync"
)

// The CLI's pages: a plan and a run's summary as lines, for a writer
// that colours them by tone (or not at all).

// Rollback reports whether p undoes an import.
func Rollback(p *sync.Plan) bool { return p.Mode == sync.KindRollback }

// PlanLines are the plan as a readable diff: a heading, a line per row to
// change (with an update's changes beneath it), the rows that match as one
// count, and the summary.
func PlanLines(p *sync.Plan) []Line {
	rb := Rollback(p)
	var out []Line
	if rb {
		out = append(out, Line{{"Rollback of the import of", Label}, {" " + Show(p.File) + " → " + Show(p.Target) +
			": deactivate the users it created, restore the users it updated", Plain}})
	} else {
		out = append(out, Line{{"Plan for", Label}, {" " + Show(p.File) + " → " + Show(p.Target) + " (" + Show(p.Mode) + " mode)", Plain}})
	}
	unchanged := 0
	for i := range p.Rows {
		r := &p.Rows[i]
		if r.Action == sync.Unchanged {
			unchanged++
			continue
		}
		l := Line{{Mark(r.Action) + " " + Pad(Verb(r.Action, rb), 10), ToneOf(r.Action)}, {"  " + Pad(Where(r), 12) + " ", Plain}}
		email := Show(r.Email)
		if email == "" {
			email = "—"
		}
		l = append(l, Piece{email, Plain})
		switch {
		case r.Action == sync.Create && r.Mail:
			l = append(l, Piece{" (registration email)", Muted})
		case r.Action == sync.Deactivate && rb:
			l = append(l, Piece{"  (created by the import)", Muted})
		case r.Action == sync.Skip:
			l = append(l, Piece{"  " + Show(strings.Join(r.Reasons, "; ")), Muted})
		}
		out = append(out, l)
		if r.Action == sync.Update {
			for _, c := range r.Changes {
				out = append(out, append(Line{{"      ", Plain}, {Header(c) + ":", Label}, {" ", Plain}}, Change(c, false, nil)...))
			}
		}
	}
	if unchanged > 0 {
		what := Plural(unchanged, "row already matches", "rows already match")
		if rb {
			what = Plural(unchanged, "user already as the backup has it (or deactivated)", "users already as the backup has them (or deactivated)")
		}
		out = append(out, Line{{"= " + Pad(Verb(sync.Unchanged, rb), 10), Muted}, {"  " + what, Plain}})
	}
	for _, d := range p.Doubts {
		out = append(out, Line{{"! damaged journal:", Warn}, {" " + Show(d), Plain}})
	}
	if s := Inactive(p.Counts); s != "" {
		out = append(out, Line{{"! " + s, Warn}})
	}
	return append(out, nil, Line{{PlanSummary(p.Counts, rb), Plain}})
}

// RunLines are a run's last lines: its counts, why it stopped, what the
// read-backs found (at most 20 mismatches each; the report lists every
// one) and where its files are.
func RunLines(r *sync.Run, rollback bool) []Line {
	c := r.Counts
	counts := RunCounts(c, rollback)
	if !rollback {
		counts = append(counts, Mails(c))
	}
	out := []Line{Join(counts, ", ")}
	if s := Inactive(c); s != "" {
		out = append(out, Line{{"! " + s, Warn}})
	}
	if r.Interrupted {
		out = append(out, Line{{"Stopped: " + StopReason(r) + ".", Warn}})
	}
	for _, x := range []struct {
		name string
		rb   *sync.ReadBack
	}{{"canary", r.Canary}, {"verify", r.Verify}} {
		rb := x.rb
		switch {
		case rb == nil:
		case rb.Err != "":
			out = append(out, Line{{x.name + ": could not read the users back: " + Show(rb.Err), Warn}})
		case rb.Differs():
			out = append(out, Line{{x.name + ": " + Differs(rb) + ":", Warn}})
			for i, m := range rb.Mismatches {
				if i == 20 {
					out = append(out, Line{{"  … and " + Count(len(rb.Mismatches)-i) + " more (the report lists each)", Muted}})
					break
				}
				out = append(out, Line{{"  " + Show(m.String()), Plain}})
			}
		default:
			s := x.name + ": the " + Plural(rb.Users, "user", "users") + " read back hold what was sent"
			if rb.Users == 1 {
				s = x.name + ": the 1 user read back holds what was sent"
			}
			if len(rb.Unchecked) > 0 {
				s += " (not listed by the server, so unchecked: " + Show(strings.Join(rb.Unchecked, ", ")) + ")"
			}
			out = append(out, Line{{s, Plain}})
		}
	}
	return append(out, Files(r)...)
}

// Files are where a run's report, journal and backup are.
func Files(r *sync.Run) []Line {
	return []Line{
		{{"report:  ", Label}, {Show(r.ReportPath) + " (and " + Show(r.ReportJSONPath) + ")", Plain}},
		{{"journal: ", Label}, {Show(r.JournalPath), Plain}},
		{{"backup:  ", Label}, {Show(r.BackupPath), Plain}},
	}
}
