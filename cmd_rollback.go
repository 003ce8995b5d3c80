package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"usersync/csvfile/textsafe"
	"usersync/sync"
)

func init() {
	register(command{name: "rollback", summary: "undo an apply from its journal and backup (resumable)", run: runRollback})
}

// A rollback is a run of its own, with its own journal beside the import's
// (sync.RollbackPaths: J.rollback.jsonl, J.TIME.rollback.jsonl for an
// import set aside as J.TIME): its targets are fixed when it starts, and
// running the command again resumes that list. Both journals are locked
// for its life, so no apply of the import runs meanwhile.
func runRollback(env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "rollback", "usage: usersync rollback --journal PATH [--backup PATH] [CONN] [--yes] [--force] [--json]")
	conn := addConnFlags(fs)
	journalPath := fs.String("journal", "", "the journal of the apply to undo (required)")
	backupPath := fs.String("backup", "", "the backup that apply took (default: the one its journal names)")
	yes := fs.Bool("yes", false, "roll back without asking")
	force := fs.Bool("force", false, "also undo users someone else changed since the apply")
	asJSON := fs.Bool("json", false, "print one JSON document on stdout")
	ao := addApplyFlags(fs)
	batchSize := fs.Int("batch-size", sync.DefaultBatchSize, "rows per job (ccai)")
	fs.StringVar(&ao.ReportPath, "report", "", "report path, CSV; a JSON twin is written beside it")
	_, code, ok := parseArgs(fs, args, 0)
	if !ok {
		return code
	}
	if *journalPath == "" {
		fs.Usage()
		return exitUsage
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(env.stderr, "usersync rollback: %v\n", err)
		return code
	}
	// A file that is no journal is refused before a lock is made beside it.
	if st, err := sync.PeekJournal(*journalPath); err != nil {
		return fail(exitUsage, err)
	} else if st == nil {
		return fail(exitUsage, fmt.Errorf("read journal: %s does not exist or records no run: nothing to undo", *journalPath))
	}
	// The import's journal first, then the rollback's: both are held.
	imp, err := sync.OpenRun(*journalPath)
	if err != nil {
		return fail(exitUsage, err)
	}
	if st := imp.Unfinished(); st != nil && st.Head.Kind == sync.KindRollback && len(st.Head.Undoes) > 0 {
		// The journal of an unfinished rollback: resume that rollback.
		imp.Close()
		fmt.Fprintf(env.stderr, "%s is the journal of an unfinished rollback of %s: resuming it\n", *journalPath, st.Head.Undoes[0])
		*journalPath = st.Head.Undoes[0]
		if imp, err = sync.OpenRun(*journalPath); err != nil {
			return fail(exitUsage, err)
		}
	}
	defer imp.Close()
	if imp.State() == nil {
		return fail(exitUsage, fmt.Errorf("read journal: %s does not exist", *journalPath))
	}
	// The rollback's files sit beside the journal itself, however it was
	// named (a symlink, a relative path): one rollback per import.
	j, report, backup := sync.RollbackPaths(imp.Path(), env.clock())
	ao.JournalPath, ao.BackupPath = j, backup
	ao.FreshReport = ao.ReportPath == "" // a default name: never over another run's report
	ao.ReportPath = orDefault(ao.ReportPath, report)
	if st, err := sync.PeekJournal(ao.JournalPath); err != nil {
		return fail(exitUsage, err)
	} else if err := st.Holds(sync.KindRollback); err != nil {
		return fail(exitUsage, err)
	}
	rf, err := openCheckedRun(ao.JournalPath)
	if err != nil {
		return fail(exitUsage, err)
	}
	defer rf.Close()
	journal := imp.State()
	head := journal.Head
	resumed := rf.Unfinished()
	if resumed != nil {
		head = resumed.Head
	}
	if !flagGiven(fs, "target") && head.Target != "" {
		conn.target = head.Target
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t, err := conn.open(ctx, env)
	if err != nil {
		return fail(exitUsage, err)
	}
	if d, ok := t.(sync.Describer); ok && head.Connection != "" && d.Describe() != head.Connection {
		return fail(exitUsage, fmt.Errorf("the journal is of %s, but this connection is %s", head.Connection, d.Describe()))
	}

	var p *sync.Plan
	var current []sync.User
	if resumed != nil {
		// Resume the targets fixed when the rollback started: never plan again.
		if resumed.Head.Kind != sync.KindRollback {
			return fail(exitUsage, fmt.Errorf("the journal %s holds an import, not a rollback", rf.Path()))
		}
		if flagGiven(fs, "force") || flagGiven(fs, "backup") || (flagGiven(fs, "batch-size") && *batchSize != resumed.Head.Options.BatchSize) {
			return fail(exitUsage, fmt.Errorf("the rollback recorded in %s (started %s) is resumed with its own targets and options: "+
				"--force, --backup and --batch-size cannot change them; leave them out to finish it (to start a new rollback, finish this one first)",
				rf.Path(), resumed.Head.Started.UTC().Format("2006-01-02 15:04 UTC")))
		}
		p = sync.RecordedPlan(resumed.Head)
		fmt.Fprintf(env.stderr, "resuming the rollback started %s: its %d users, fixed then\n",
			resumed.Head.Started.UTC().Format("2006-01-02 15:04 UTC"), len(p.Rows))
	} else {
		if !journal.Sent() && len(journal.Damaged) == 0 {
			// Its last run has nothing to undo: an earlier one it set aside
			// may be the import meant.
			if earlier, st := sync.EarlierRun(imp.Path()); st != nil {
				return fail(exitUsage, fmt.Errorf("the last run in %s (started %s) sent nothing, so there is nothing of it to undo: nothing was done; "+
					"the run before it, started %s, is kept in %s: to undo that one, usersync rollback --journal %s%s",
					imp.Path(), journal.Head.Started.UTC().Format("2006-01-02 15:04 UTC"), st.Head.Started.UTC().Format("2006-01-02 15:04 UTC"), earlier,
					textsafe.ShellQuote(earlier), conn.args(fs)))
			}
		}
		if len(journal.Damaged) > 0 {
			fmt.Fprintf(env.stderr, "the journal is damaged: the rollback works from its readable lines, the backup and the server\n")
		}
		if *backupPath == "" {
			*backupPath = journal.Head.Backup
		}
		if *backupPath == "" {
			return fail(exitUsage, fmt.Errorf("the journal names no backup: pass --backup PATH"))
		}
		backup, err := sync.ReadBackup(*backupPath)
		if err != nil {
			return fail(exitUsage, err)
		}
		var code int
		if current, code, err = listBeforeSending(ctx, t); err != nil {
			return fail(code, err)
		}
		if p, err = sync.RollbackPlan(journal, backup, current, *force); err != nil {
			return fail(exitUsage, err)
		}
		p.Options.BatchSize = *batchSize
	}
	if !*asJSON {
		printPlan(env.stderr, p)
	}
	conflicts := 0
	for _, r := range p.Rows {
		if r.Action == sync.Skip && strings.HasPrefix(strings.Join(r.Reasons, ""), "conflict") {
			conflicts++
		}
	}
	if conflicts > 0 {
		fmt.Fprintf(env.stderr, "%d users were changed by someone else since the apply and are left alone (--force to undo them too)\n", conflicts)
	}
	if !*yes {
		if code, ok := confirm(env, "rollback", p); !ok {
			return code
		}
	}
	// The import's run, if unfinished, ends here: once its undo has begun,
	// no apply may resume it. (Only that run: the journal may hold a later
	// one by the time a rollback is resumed.)
	if imp.Unfinished() != nil && sync.RollbackFingerprint(journal.Head) == p.FileFingerprint {
		if err := imp.EndUnfinished("rolled back"); err != nil {
			return fail(exitUsage, err)
		}
	}
	ao.Run, ao.SignInAgain = rf, signInAgain(t.Name())
	code = applyWithProgress(ctx, env, "rollback", t, p, *ao, current, *asJSON, conflicts > 0)
	if len(p.Doubts) > 0 && code == exitOK {
		fmt.Fprintln(env.stderr, "the journal was damaged: see above for what the rollback could not establish")
		code = exitRowsFailed
	}
	return code
}

// flagGiven reports whether the flag was on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
