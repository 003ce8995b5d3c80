package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"
	"golang.org/x/term"

	"usersync/sync"
	"usersync/textsafe"
)

func init() {
	register(command{name: "apply", summary: "carry out the plan: create, update, deactivate (resumable)", run: runApply})
}

func runApply(env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "apply", "usage: usersync apply FILE|plan.json [CONN] --yes [--concurrency N] [--rate PER_S] [--no-registration-mail]\n"+
		"         [--replace] [--deactivate-missing [--max-deactivate N]] [--batch-size N] [--bulk] [--no-canary] [--journal PATH] [--report PATH] [--backup PATH]")
	pf := addPlanFlags(fs)
	yes := fs.Bool("yes", false, "apply without asking")
	ao := addApplyFlags(fs)
	fs.BoolVar(&ao.Bulk, "bulk", false, "coursedog: GET all users, merge, and PUT every user back in one request")
	fs.BoolVar(&ao.NoCanary, "no-canary", false, "do not send one create and one update first and read them back before the rest")
	fs.StringVar(&ao.JournalPath, "journal", "", "journal path (default: FILE.usersync-journal.jsonl beside the file)")
	fs.StringVar(&ao.ReportPath, "report", "", "report path, CSV; a JSON twin is written beside it")
	fs.StringVar(&ao.BackupPath, "backup", "", "backup of the existing users, written before the first write")
	pos, code, ok := parseArgs(fs, args, 1)
	if !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var (
		t        sync.Target
		p        *sync.Plan
		existing []sync.User
	)
	if saved, err := sync.LoadPlan(pos[0]); err == nil {
		// A saved plan: Apply re-reads the users and refuses it if they changed.
		if t, err = pf.conn.open(ctx, env); err != nil {
			fmt.Fprintf(env.stderr, "usersync apply: %v\n", err)
			return exitUsage
		}
		if t.Name() != saved.Target {
			fmt.Fprintf(env.stderr, "usersync apply: the plan is for %s, not %s\n", saved.Target, t.Name())
			return exitUsage
		}
		p = saved
	} else {
		pl, code, err := makePlan(ctx, env, pf, pos[0])
		if err != nil {
			fmt.Fprintf(env.stderr, "usersync apply: %v\n", err)
			return code
		}
		t, p, existing = pl.target, pl.plan, pl.existing
	}
	if ao.JournalPath == "" || ao.ReportPath == "" || ao.BackupPath == "" {
		j, r, b := sync.DefaultPaths(p.File, time.Now())
		ao.JournalPath = orDefault(ao.JournalPath, j)
		ao.ReportPath = orDefault(ao.ReportPath, r)
		ao.BackupPath = orDefault(ao.BackupPath, b)
	}

	fmt.Fprintf(env.stderr, "%s → %s: %s\n", p.File, t.Name(), planSummary(p.Counts))
	if !*yes {
		if code, ok := confirm(env, p); !ok {
			return code
		}
	}

	return applyWithProgress(ctx, env, "apply", t, p, *ao, existing, pf.json, p.Counts.Skip > 0)
}

// addApplyFlags defines the flags that shape how writes are sent.
func addApplyFlags(fs *flag.FlagSet) *sync.ApplyOptions {
	ao := &sync.ApplyOptions{}
	fs.IntVar(&ao.Concurrency, "concurrency", sync.DefaultConcurrency, "requests in flight at once")
	fs.Float64Var(&ao.Rate, "rate", 0, "writes per second at most (0: no limit of our own)")
	fs.IntVar(&ao.BatchSize, "batch-size", sync.DefaultBatchSize, "rows per job (ccai)")
	return ao
}

// applyWithProgress applies p with progress on stderr, then prints the
// summary (and the run as JSON when asked) and returns the exit code;
// rowsFailed says whether rows already count as failed before the run.
func applyWithProgress(ctx context.Context, env *cmdEnv, name string, t sync.Target, p *sync.Plan,
	ao sync.ApplyOptions, existing []sync.User, asJSON, rowsFailed bool) int {
	events := make(chan sync.Event, 256)
	ao.Events = events
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		showProgress(env.stderr, events)
	}()
	run, err := sync.ApplyWith(ctx, t, p, ao, existing)
	close(events)
	<-progressDone
	if err != nil {
		fmt.Fprintf(env.stderr, "usersync %s: %v\n", name, err)
		return exitFor(err)
	}
	if asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", " ")
		enc.Encode(run)
	}
	printRunSummary(env.stderr, run)
	switch {
	case run.Canary.Differs():
		return exitRowsFailed // the server does not store what is sent: not a resumable interruption
	case run.Interrupted:
		return exitInterrupted
	case run.Counts.Failed > 0 || rowsFailed || run.Verify.Differs():
		return exitRowsFailed
	}
	return exitOK
}

// confirm asks on a terminal; elsewhere it refuses without --yes, because a
// script that forgot it must not send anything.
func confirm(env *cmdEnv, p *sync.Plan) (int, bool) {
	in, isFile := env.stdin.(*os.File)
	if !isFile || !term.IsTerminal(int(in.Fd())) {
		fmt.Fprintln(env.stderr, "usersync apply: not applied: add --yes to apply without a terminal (see `usersync plan` for the diff)")
		return exitUsage, false
	}
	fmt.Fprintf(env.stderr, "Apply to %s? Type yes to go on: ", p.Target)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(strings.ToLower(line)) != "yes" {
		fmt.Fprintln(env.stderr, "not applied")
		return exitUsage, false
	}
	return exitOK, true
}

// showProgress draws a bar on a terminal and plain lines (every two
// seconds, and at the end) elsewhere or with NO_COLOR (no escape at all).
// The bar's escapes go to the writer under run's renderer; its text
// through it.
func showProgress(w io.Writer, events <-chan sync.Event) {
	tty := false
	raw, noColor := rawWriter(w)
	if f, ok := raw.(*os.File); ok && !noColor && term.IsTerminal(int(f.Fd())) {
		tty = true
	}
	var last sync.Event
	lastLine := time.Now()
	for e := range events {
		last = e
		if e.Note != "" && e.Outcome == nil && e.Note != "finished" {
			if tty {
				fmt.Fprint(raw, "\r\033[K")
			}
			fmt.Fprintln(w, e.Note)
		}
		if e.Batch != nil && !tty {
			fmt.Fprintf(w, "batch %d/%d (%d rows) job %s: %s\n", e.Batch.Index, e.Batch.Of, e.Batch.Rows, orDash(e.Batch.JobID), e.Batch.State)
		}
		if e.Outcome != nil && e.Outcome.Result == sync.Failed {
			if tty {
				fmt.Fprint(raw, "\r\033[K")
			}
			fmt.Fprintf(w, "failed: line %d %s: %s\n", e.Outcome.Line, e.Outcome.Email, e.Outcome.Message)
		}
		switch {
		case tty:
			fmt.Fprint(raw, "\r\033[K")
			fmt.Fprint(w, progressLine(e, true))
		case time.Since(lastLine) >= 2*time.Second:
			fmt.Fprintln(w, progressLine(e, false))
			lastLine = time.Now()
		}
	}
	if tty {
		fmt.Fprint(raw, "\r\033[K")
	}
	if last.Total > 0 {
		fmt.Fprintln(w, progressLine(last, false))
	}
}

func progressLine(e sync.Event, bar bool) string {
	frac := 1.0
	if e.Total > 0 {
		frac = float64(e.Done) / float64(e.Total)
	}
	s := fmt.Sprintf("%d/%d writes (created %d, updated %d, deactivated %d, failed %d)",
		e.Done, e.Total, e.Counts.Create, e.Counts.Update, e.Counts.Deactivate, e.Counts.Failed)
	if e.Rate > 0 {
		s += fmt.Sprintf(" %.1f/s", e.Rate)
	}
	if e.ETA > 0 {
		s += " ETA " + e.ETA.Round(time.Second).String()
	}
	if bar {
		// bubbles/progress draws it, as the TUI's; plain characters: the
		// writer under run's renderer colours nothing here.
		bar := progress.New(progress.WithWidth(24), progress.WithoutPercentage(),
			progress.WithFillCharacters('█', '·'), progress.WithColors(lipgloss.NoColor{}))
		bar.EmptyColor = lipgloss.NoColor{}
		s = "[" + bar.ViewAs(frac) + "] " + s
	}
	return s
}

func printRunSummary(w io.Writer, r *sync.Run) {
	c := r.Counts
	fmt.Fprintf(w, "\n%d created (%d registration emails), %d updated, %d unchanged, %d skipped, %d deactivated, %d failed",
		c.Create, c.Mails, c.Update, c.Unchanged, c.Skip, c.Deactivate, c.Failed)
	if c.Pending > 0 {
		fmt.Fprintf(w, ", %d not yet sent", c.Pending)
	}
	fmt.Fprintln(w)
	if r.Interrupted {
		fmt.Fprintf(w, "Stopped: %s.\n", textsafe.Show(r.Reason))
	}
	for _, rb := range []struct {
		name string
		r    *sync.ReadBack
	}{{"canary", r.Canary}, {"verify", r.Verify}} {
		switch {
		case rb.r == nil:
		case rb.r.Err != "":
			fmt.Fprintf(w, "%s: could not read the users back: %s\n", rb.name, textsafe.Show(rb.r.Err))
		case rb.r.Differs():
			fmt.Fprintf(w, "%s: %d of the %d users read back differ from what was sent:\n", rb.name, len(rb.r.Mismatches), rb.r.Users)
			for i, m := range rb.r.Mismatches {
				if i == 20 {
					fmt.Fprintf(w, "  … and %d more (the report lists each)\n", len(rb.r.Mismatches)-i)
					break
				}
				fmt.Fprintf(w, "  %s\n", textsafe.Show(m.String()))
			}
		default:
			fmt.Fprintf(w, "%s: the %d users read back hold what was sent", rb.name, rb.r.Users)
			if len(rb.r.Unchecked) > 0 {
				fmt.Fprintf(w, " (not listed by the server, so unchecked: %s)", strings.Join(rb.r.Unchecked, ", "))
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "report:  %s (and %s)\njournal: %s\nbackup:  %s\n", r.ReportPath, r.ReportJSONPath, r.JournalPath, r.BackupPath)
}

func orDefault(s, d string) string {
	if s != "" {
		return s
	}
	return d
}
