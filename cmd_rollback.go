package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"usersync/sync"
)

func init() {
	register(command{name: "rollback", summary: "undo an apply from its journal and backup (resumable)", run: runRollback})
}

func runRollback(env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "rollback", "usage: usersync rollback --journal PATH [--backup PATH] [CONN] [--yes] [--force] [--json]")
	conn := addConnFlags(fs)
	journalPath := fs.String("journal", "", "the journal of the apply to undo (required)")
	backupPath := fs.String("backup", "", "the backup that apply took (default: the one its journal names)")
	yes := fs.Bool("yes", false, "roll back without asking")
	force := fs.Bool("force", false, "also undo users someone else changed since the apply")
	asJSON := fs.Bool("json", false, "print one JSON document on stdout")
	ao := addApplyFlags(fs)
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
	journal, err := sync.ReadJournal(*journalPath)
	if err != nil {
		return fail(exitUsage, err)
	}
	if *backupPath == "" {
		*backupPath = journal.Head.Backup
	}
	backup, err := sync.ReadBackup(*backupPath)
	if err != nil {
		return fail(exitUsage, err)
	}
	if !flagGiven(fs, "target") {
		conn.target = journal.Head.Target
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t, err := conn.open(ctx, env)
	if err != nil {
		return fail(exitUsage, err)
	}
	if d, ok := t.(sync.Describer); ok && journal.Head.Connection != "" && d.Describe() != journal.Head.Connection {
		return fail(exitUsage, fmt.Errorf("the journal is of %s, but this connection is %s", journal.Head.Connection, d.Describe()))
	}
	current, err := t.ListUsers(ctx)
	if err != nil {
		return fail(exitUsage, withLoginHint(fmt.Errorf("list existing users: %w", err)))
	}
	p, err := sync.RollbackPlan(journal, backup, current, *force)
	if err != nil {
		return fail(exitUsage, err)
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
		if code, ok := confirm(env, p); !ok {
			return code
		}
	}
	// The rollback has its own journal, report and backup (the state before
	// it), so it resumes like an apply and can itself be undone.
	base := strings.TrimSuffix(*journalPath, filepath.Ext(*journalPath))
	stamp := time.Now().UTC().Format("20060102-150405")
	ao.JournalPath = base + ".rollback.jsonl"
	ao.BackupPath = base + ".rollback-backup-" + stamp + ".json"
	ao.ReportPath = orDefault(ao.ReportPath, base+".rollback-report-"+stamp+".csv")
	return applyWithProgress(ctx, env, "rollback", t, p, *ao, current, *asJSON, conflicts > 0)
}

// flagGiven reports whether the flag was on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
