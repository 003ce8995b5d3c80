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
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"
	"golang.org/x/term"

	"usersync/sync"
	"usersync/sync/render"
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
	fs.BoolVar(&ao.NoCanary, "no-canary", false, "do not send one create and one update first and read them back before the rest")
	fs.StringVar(&ao.JournalPath, "journal", "", "journal path (default: FILE.usersync-journal.jsonl beside the file)")
	fs.StringVar(&ao.ReportPath, "report", "", "report path, CSV; a JSON twin is written beside it")
	fs.StringVar(&ao.BackupPath, "backup", "", "backup of the existing users, written before the first write")
	pos, code, ok := parseArgs(fs, args, 1)
	if !ok {
		return code
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(env.stderr, "usersync apply: %v\n", err)
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	saved, loadErr := sync.LoadPlan(pos[0])
	file := pos[0]
	if loadErr == nil {
		file = saved.File
	}
	// A default report name carries the time to the second: the run takes
	// the first free of it, -2, -3, … (two runs in one second).
	ao.FreshReport = ao.ReportPath == ""
	if ao.JournalPath == "" || ao.ReportPath == "" || ao.BackupPath == "" {
		j, r, b := sync.DefaultPaths(file, env.clock())
		ao.JournalPath = orDefault(ao.JournalPath, j)
		ao.ReportPath = orDefault(ao.ReportPath, r)
		ao.BackupPath = orDefault(ao.BackupPath, b)
	}
	// The record names the backup from anywhere: a resume from another
	// folder must find the backup this run took, not take one there.
	if abs, err := filepath.Abs(ao.BackupPath); err == nil {
		ao.BackupPath = abs
	}
	// A refused command changes nothing on disk: whatever can refuse (the
	// journal's kind, the token, the plan's target, a contradicting flag,
	// the file, a stale plan, no --yes) is checked before a finished run
	// is set aside or a new one recorded. A rollback's journal, or a file
	// that is no journal, is refused before a lock is made beside it.
	if st, err := sync.PeekJournal(ao.JournalPath); err != nil {
		return fail(exitUsage, err)
	} else if err := st.Holds(sync.KindApply); err != nil {
		return fail(exitUsage, err)
	}
	t, err := pf.conn.open(ctx, env)
	if err != nil {
		return fail(exitUsage, err)
	}
	if saved != nil && t.Name() != saved.Target {
		return fail(exitUsage, fmt.Errorf("the plan is for %s, not %s", saved.Target, t.Name()))
	}
	// The run: its journal is locked from here to the end (the lock goes
	// with it, refused or not), and an unfinished run there decides every
	// option.
	rf, err := openCheckedRun(ao.JournalPath)
	if err != nil {
		return fail(exitUsage, err)
	}
	defer rf.Close()
	if err := rf.State().Holds(sync.KindApply); err != nil {
		return fail(exitUsage, err) // it became one meanwhile
	}
	if code, err := settleOptions(fs, pf, rf, saved, pos[0], ao); err != nil {
		return fail(code, err)
	}
	rec := sync.RunRecord{Kind: sync.KindApply, Target: t.Name(), File: file, Options: pf.options(), Backup: ao.BackupPath}
	if abs, err := filepath.Abs(file); err == nil {
		rec.File = abs // the record names the file from anywhere
	}
	if d, ok := t.(sync.Describer); ok {
		rec.Connection = d.Describe()
	}
	if saved != nil {
		rec.FileFingerprint = saved.FileFingerprint
	}
	if err := rf.Conflict(rec); err != nil {
		return fail(exitUsage, err)
	}
	pf.target = t

	var (
		p        *sync.Plan
		existing []sync.User
	)
	prior := rf.Unfinished()
	switch {
	case saved != nil && prior != nil && prior.Sent():
		p = saved // resumed: Apply settles it against the users as they are now
	case saved != nil:
		// Refused here, not once the run is recorded: a changed file, or
		// users that changed since the plan was made (the lock is held, so
		// no other usersync changes them before this run starts).
		p = saved
		if err := sync.CheckPlanFile(p); err != nil {
			return fail(exitUsage, err)
		}
		var code int
		if existing, code, err = listBeforeSending(ctx, t); err != nil {
			return fail(code, err)
		}
		if err := sync.Drift(p, existing); err != nil {
			return fail(exitFor(err), err)
		}
	default:
		pl, code, err := makePlan(ctx, env, pf, pos[0])
		if err != nil {
			return fail(code, err)
		}
		t, p, existing = pl.target, pl.plan, pl.existing
	}

	fmt.Fprintf(env.stderr, "%s → %s: %s\n", p.File, t.Name(), render.PlanSummary(p.Counts, render.Rollback(p)))
	if s := render.Inactive(p.Counts); s != "" {
		fmt.Fprintln(env.stderr, "note: "+s)
	}
	if !*yes {
		if code, ok := confirm(env, "apply", p); !ok {
			return code
		}
	}
	if prior == nil || !prior.Sent() {
		// A new run: its backup never goes over another run's (whose
		// rollback reads it); decided before the record names it.
		since := time.Now().UTC()
		if prior != nil {
			since = prior.Head.Started
		}
		free, note, err := sync.FreeBackupPath(ao.BackupPath, since)
		if err != nil {
			return fail(exitUsage, err)
		}
		if note != "" {
			fmt.Fprintf(env.stderr, "note: %s\n", note)
		}
		ao.BackupPath, rec.Backup = free, free
	}
	// The decisions are recorded (a finished run there set aside) only now,
	// once nothing is left to refuse them; a stop from here on leaves them
	// for the next run.
	if err := rf.Begin(rec); err != nil {
		return fail(exitUsage, err)
	}
	ao.Run, ao.SignInAgain = rf, signInAgain(t.Name())
	return applyWithProgress(ctx, env, "apply", t, p, *ao, existing, pf.json, p.Rejected() > 0)
}

// openCheckedRun locks and reads a run's journal and refuses a damaged
// one (the run is closed again then): apply and rollback each start so.
func openCheckedRun(path string) (*sync.RunFile, error) {
	rf, err := sync.OpenRun(path)
	if err != nil {
		return nil, err
	}
	if err := rf.Check(); err != nil {
		rf.Close()
		return nil, err
	}
	return rf, nil
}

// settleOptions makes the plan's options those a saved plan or the
// unfinished run in the journal recorded, refusing (exit 2, nothing sent)
// a flag that says otherwise. A run recorded but stopped before it sent
// anything keeps its decisions for the flags not given, and takes those
// given.
func settleOptions(fs *flag.FlagSet, pf *planFlags, rf *sync.RunFile, saved *sync.Plan, planPath string, ao *sync.ApplyOptions) (int, error) {
	prior := rf.Unfinished() // an import's: runApply refused a rollback's journal
	if saved != nil {
		if _, diffs := pf.merged(fs, saved.Options); len(diffs) > 0 {
			return exitUsage, &sync.ConflictError{Of: "the saved plan " + planPath, Settings: diffs}
		}
		pf.recorded = &saved.Options
	}
	if prior == nil {
		return exitOK, nil
	}
	if !prior.Sent() {
		if saved == nil {
			asked, _ := pf.merged(fs, prior.Head.Options)
			pf.recorded = &asked
		}
		if !flagGiven(fs, "backup") && prior.Head.Backup != "" {
			ao.BackupPath = prior.Head.Backup
		}
		return exitOK, nil
	}
	of := fmt.Sprintf("the unfinished run recorded in %s (line 1, started %s)", rf.Path(), prior.Head.Started.UTC().Format("2006-01-02 15:04 UTC"))
	var diffs []sync.Setting
	if saved != nil {
		diffs = prior.Head.Options.Differences(saved.Options)
	} else {
		_, diffs = pf.merged(fs, prior.Head.Options)
		pf.recorded = &prior.Head.Options
	}
	if flagGiven(fs, "backup") && ao.BackupPath != prior.Head.Backup {
		diffs = append(diffs, sync.Setting{Key: "backup", Name: "backup", Recorded: prior.Head.Backup, Asked: ao.BackupPath + " (--backup)"})
	}
	if len(diffs) > 0 {
		return exitUsage, &sync.ConflictError{Of: of, Journal: rf.Path(), Settings: diffs}
	}
	ao.BackupPath = prior.Head.Backup
	return exitOK, nil
}

// addApplyFlags defines the flags that shape how writes are sent.
func addApplyFlags(fs *flag.FlagSet) *sync.ApplyOptions {
	ao := &sync.ApplyOptions{}
	fs.IntVar(&ao.Concurrency, "concurrency", sync.DefaultConcurrency, "requests in flight at once")
	fs.Float64Var(&ao.Rate, "rate", 0, "writes per second at most (0: no limit of our own)")
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
		showProgress(env.stderr, events, render.Rollback(p))
	}()
	run, err := sync.ApplyWith(ctx, t, p, ao, existing)
	close(events)
	<-progressDone
	if err != nil && run == nil {
		fmt.Fprintf(env.stderr, "usersync %s: %v\n", name, err)
		return exitFor(err)
	}
	if err != nil {
		// Writes were sent: say what became of them before the error (a
		// report or journal that could not be written at the end).
		printRunSummary(env.stderr, run, render.Rollback(p))
		fmt.Fprintf(env.stderr, "usersync %s: %v\n", name, err)
		if run.Interrupted {
			return exitInterrupted
		}
		return exitRowsFailed
	}
	if asJSON {
		run.Notes = render.Notes(run.Counts) // what the summary below says, for scripts
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", " ")
		enc.Encode(run)
	}
	printRunSummary(env.stderr, run, render.Rollback(p))
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
func confirm(env *cmdEnv, name string, p *sync.Plan) (int, bool) {
	in, isFile := env.stdin.(*os.File)
	if !isFile || !term.IsTerminal(int(in.Fd())) {
		if name == "rollback" {
			fmt.Fprintln(env.stderr, "usersync rollback: not applied: add --yes to roll back without a terminal (the plan above is what it would do)")
		} else {
			// The diff itself, not a command to see it: `usersync plan`
			// reads no saved plan, and would need this one's CONN and options.
			printPlan(env.stderr, p)
			fmt.Fprintln(env.stderr, "usersync apply: not applied: add --yes to apply without a terminal (the plan above is what it would do)")
		}
		return exitUsage, false
	}
	verb := "Apply to"
	if name == "rollback" {
		verb = "Roll back on"
	}
	fmt.Fprintf(env.stderr, "%s %s? Type yes to go on: ", verb, p.Target)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(strings.ToLower(line)) != "yes" {
		fmt.Fprintf(env.stderr, "%s: not applied\n", name)
		return exitUsage, false
	}
	return exitOK, true
}

// showProgress draws a bar on a terminal and plain lines (every two
// seconds, and at the end) elsewhere or with NO_COLOR (no escape at all).
// The bar's escapes go to the writer under run's renderer; its text
// through it.
func showProgress(w io.Writer, events <-chan sync.Event, rollback bool) {
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
			where, state := render.Batch(e.Batch)
			fmt.Fprintln(w, where+state)
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
			fmt.Fprint(w, progressLine(e, true, rollback))
		case time.Since(lastLine) >= 2*time.Second:
			fmt.Fprintln(w, progressLine(e, false, rollback))
			lastLine = time.Now()
		}
	}
	if tty {
		fmt.Fprint(raw, "\r\033[K")
	}
	if last.Total > 0 {
		fmt.Fprintln(w, progressLine(last, false, rollback))
	}
}

func progressLine(e sync.Event, bar, rollback bool) string {
	frac := 1.0
	if e.Total > 0 {
		frac = float64(e.Done) / float64(e.Total)
	}
	s := render.Count(e.Done) + "/" + render.Count(e.Total) + " writes (" +
		strings.Join(render.Texts(render.ProgressCounts(e.Counts, rollback)), ", ") + ")"
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

func orDefault(s, d string) string {
	if s != "" {
		return s
	}
	return d
}
