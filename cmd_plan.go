package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"usersync/csvfile"
	"usersync/csvfile/textsafe"
	"usersync/sync"
	"usersync/sync/render"
	"usersync/sync/targets"
)

func init() {
	register(command{name: "plan", summary: "show what an apply would do (a dry-run diff); sends nothing", run: runPlan})
}

// planFlags are the flags plan and apply share.
type planFlags struct {
	conn              *connFlags
	replace           bool
	deactivateMissing bool
	maxDeactivate     int
	noMail            bool
	bulk              bool
	batchSize         int
	// recorded, once set, is the options a saved plan or an unfinished run
	// holds: they are used instead of the flags (which must agree).
	recorded *sync.PlanOptions
	// target, once opened, is used instead of opening the CONN flags again.
	target    sync.Target
	delimiter string
	maps      mapFlag
	mapping   string
	sheet     string
	json      bool
}

func addPlanFlags(fs *flag.FlagSet) *planFlags {
	pf := &planFlags{conn: addConnFlags(fs)}
	fs.BoolVar(&pf.replace, "replace", false, "make list fields (products, roles…) exactly what the file says; default adds and never removes")
	fs.BoolVar(&pf.deactivateMissing, "deactivate-missing", false, "deactivate existing users the file does not name")
	fs.IntVar(&pf.maxDeactivate, "max-deactivate", sync.DefaultMaxDeactivate, "refuse to deactivate more users than this")
	fs.BoolVar(&pf.noMail, "no-registration-mail", false, "create users without sending the registration email")
	fs.BoolVar(&pf.bulk, "bulk", false, "coursedog: GET all users, merge, and PUT every user back in one request")
	fs.IntVar(&pf.batchSize, "batch-size", sync.DefaultBatchSize, "rows per job (ccai)")
	fs.StringVar(&pf.delimiter, "delimiter", "", "the file's delimiter (default: sniffed): , ; or tab")
	fs.Var(&pf.maps, "map", "map a file header to a field: \"Given=First Name\" (repeatable)")
	fs.StringVar(&pf.mapping, "mapping", "", "a mapping file (default: FILE.mapping when the guided import saved one)")
	fs.StringVar(&pf.sheet, "sheet", "", "the sheet of an Excel workbook to read (default: the first with data)")
	fs.BoolVar(&pf.json, "json", false, "print one JSON document on stdout")
	return pf
}

func (pf *planFlags) options() sync.PlanOptions {
	if pf.recorded != nil {
		return *pf.recorded
	}
	return sync.PlanOptions{Replace: pf.replace, DeactivateMissing: pf.deactivateMissing,
		MaxDeactivate: pf.maxDeactivate, Mail: !pf.noMail, Bulk: pf.bulk, BatchSize: pf.batchSize}
}

// planFlagFor names the flag that sets each recorded setting.
var planFlagFor = map[string]string{
	"mail": "--no-registration-mail", "replace": "--replace", "deactivate_missing": "--deactivate-missing",
	"max_deactivate": "--max-deactivate", "bulk": "--bulk", "batch_size": "--batch-size",
}

// merged is the options recorded (by a saved plan or an unfinished run)
// with the flags given on the command line laid over, and the settings in
// which they differ (each naming its flag).
func (pf *planFlags) merged(fs *flag.FlagSet, recorded sync.PlanOptions) (sync.PlanOptions, []sync.Setting) {
	asked := recorded
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "no-registration-mail":
			asked.Mail = !pf.noMail
		case "replace":
			asked.Replace = pf.replace
		case "deactivate-missing":
			asked.DeactivateMissing = pf.deactivateMissing
		case "max-deactivate":
			asked.MaxDeactivate = pf.maxDeactivate
		case "bulk":
			asked.Bulk = pf.bulk
		case "batch-size":
			asked.BatchSize = pf.batchSize
		}
	})
	diffs := recorded.Differences(asked)
	for i := range diffs {
		if f := planFlagFor[diffs[i].Key]; f != "" {
			diffs[i].Asked += " (" + f + ")"
		}
	}
	return asked, diffs
}

// mapFlag collects repeated --map A=B flags.
type mapFlag map[string]string

func (m *mapFlag) String() string { return "" }
func (m *mapFlag) Set(s string) error {
	from, to, err := csvfile.ParseMapping(s) // the same rule as mapping files
	if err != nil {
		return err
	}
	if *m == nil {
		*m = mapFlag{}
	}
	(*m)[from] = to
	return nil
}

func parseDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case ",", "comma":
		return ',', nil
	case ";", "semicolon":
		return ';', nil
	case "\t", "\\t", "tab":
		return '\t', nil
	case "|", "pipe":
		return '|', nil
	}
	return 0, fmt.Errorf("unknown delimiter %q (want , ; tab or |)", s)
}

// planned is everything a plan was made from.
type planned struct {
	target   sync.Target
	plan     *sync.Plan
	existing []sync.User
}

// makePlan reads the file with the target's live schema, lists the users
// and plans. Errors come back with the exit code they deserve.
func makePlan(ctx context.Context, env *cmdEnv, pf *planFlags, path string) (*planned, int, error) {
	delim, err := parseDelimiter(pf.delimiter)
	if err != nil {
		return nil, exitUsage, err
	}
	t := pf.target
	if t == nil {
		if t, err = pf.conn.open(ctx, env); err != nil {
			return nil, exitUsage, err
		}
	}
	schema, err := t.Schema(ctx)
	if code, ierr, stopped := interruptedBefore(ctx); stopped {
		return nil, code, ierr
	}
	if err != nil {
		code, err := readFailed(fmt.Errorf("read %s's roles and settings: %w", t.Name(), err), t.Name())
		return nil, code, err
	}
	mapping, from, err := loadValidateMapping(path, pf.mapping, pf.maps)
	if err != nil {
		return nil, exitUsage, err
	}
	if from != "" {
		fmt.Fprintf(env.stderr, "using the column mapping in %s\n", from)
	}
	rows, err := scanForPlan(t.Name(), path, schema, csvfile.Options{Delimiter: delim, Mapping: mapping, Sheet: pf.sheet, Stdin: env.stdin})
	if err != nil {
		return nil, exitUsage, err
	}
	existing, code, err := listBeforeSending(ctx, t)
	if err != nil {
		return nil, code, err
	}
	p, err := sync.NewPlanFromRows(t.Name(), path, schema, rows, existing, pf.options())
	if err != nil {
		return nil, exitRowsFailed, err
	}
	return &planned{target: t, plan: p, existing: existing}, exitOK, nil
}

// scanForPlan reads and validates the file row by row (scanUserFile) and
// keeps of each row what a plan needs: its line, the user it asks for and
// its errors. The file's text is not held, only the plan's rows.
func scanForPlan(target, path string, schema *csvfile.Schema, opts csvfile.Options) ([]sync.FileRow, error) {
	var rows []sync.FileRow
	var errs []csvfile.Message // the coming row's, which come before it
	h := csvfile.ScanHandler{
		Message: func(m csvfile.Message) error {
			if m.Severity != csvfile.Error || m.Line == 0 {
				return nil
			}
			m = cloneMessage(m)
			// A duplicate's message can come after its row.
			if k, ok := slices.BinarySearchFunc(rows, m.Line, func(r sync.FileRow, line int) int { return r.Line - line }); ok {
				rows[k].Errors = append(rows[k].Errors, m)
				return nil
			}
			errs = append(errs, m)
			return nil
		},
		Row: func(r *csvfile.ScanRow) error {
			var own []csvfile.Message
			for _, m := range errs {
				if m.Line == r.Line {
					own = append(own, m)
				}
			}
			errs = errs[:0]
			rows = append(rows, sync.FileRow{Line: r.Line, Desired: sync.ScannedUser(schema, r), Errors: own})
			return nil
		},
	}
	if _, err := scanUserFile(target, path, schema, opts, h); err != nil {
		return nil, err
	}
	return rows, nil
}

// interruptedBefore is the error of a command stopped (Ctrl-C, SIGTERM)
// before it sent anything: exit 3, run it again.
func interruptedBefore(ctx context.Context) (int, error, bool) {
	if ctx.Err() == nil {
		return 0, nil, false
	}
	return exitInterrupted, errors.New("interrupted before anything was sent; run the same command again"), true
}

// listBeforeSending reads every existing user before anything is sent,
// with the exit code for a read that fails or is interrupted.
func listBeforeSending(ctx context.Context, t sync.Target) ([]sync.User, int, error) {
	users, err := t.ListUsers(ctx)
	if code, ierr, stopped := interruptedBefore(ctx); stopped {
		return nil, code, ierr
	}
	if err != nil {
		code, err := readFailed(fmt.Errorf("list existing users: %w", err), t.Name())
		return nil, code, err
	}
	return users, exitOK, nil
}

// readFailed is the exit code for a read before anything was sent: a
// server that did not answer (retries ran out) is exit 3, run again; one
// that refused the credentials is exit 3 too, once logged in again, as
// it is when that happens half-way through a run; the rest are the
// operator's to fix (2).
func readFailed(err error, target string) (int, error) {
	switch {
	case unavailable(err):
		return exitInterrupted, fmt.Errorf("%w\nthe server did not answer: nothing was sent; run the same command again", err)
	case sync.Unauthorized(err):
		return exitInterrupted, withLoginHint(err, target)
	}
	return exitUsage, err
}

// unavailable reports whether err is the server not answering.
func unavailable(err error) bool {
	var se *sync.Error
	return errors.As(err, &se) && se.Retryable()
}

// withLoginHint says what to do about a refused token before anything was
// sent: the error alone ("unauthorized (HTTP 401): token expired") does not.
func withLoginHint(err error, target string) error {
	if sync.Unauthorized(err) {
		return fmt.Errorf("%w\n%s; nothing was sent; run the same command again", err, signInAgain(target))
	}
	return err
}

// signInAgain is target's words for refused credentials (log in again, or
// give a valid token), the same before a run and in it.
func signInAgain(target string) string {
	if d, ok := targets.Lookup(target); ok {
		return d.SignInAgain()
	}
	return sync.SignInAgain
}

func runPlan(env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "plan", "usage: usersync plan FILE [CONN] [--json] [--out plan.json] [--replace] [--deactivate-missing [--max-deactivate N]]\n"+
		"         [--no-registration-mail] [--bulk] [--batch-size N]")
	pf := addPlanFlags(fs)
	out := fs.String("out", "", "save the plan as JSON in `PLAN.json`, for usersync apply PLAN.json")
	pos, code, ok := parseArgs(fs, args, 1)
	if !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pl, code, err := makePlan(ctx, env, pf, pos[0])
	if err != nil {
		fmt.Fprintf(env.stderr, "usersync plan: %v\n", err)
		return code
	}
	p := pl.plan
	if *out != "" {
		if err := sync.SavePlan(*out, p); err != nil {
			fmt.Fprintf(env.stderr, "usersync plan: %v\n", err)
			return exitUsage
		}
	}
	if pf.json {
		p.Notes = render.Notes(p.Counts) // what the readable plan says, for scripts
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(p); err != nil {
			return exitUsage
		}
	} else {
		printPlan(env.stderr, p)
	}
	if *out != "" {
		fmt.Fprintf(env.stderr, "plan saved to %s; apply it with: usersync apply %s%s --yes\n", *out, textsafe.ShellQuote(*out), pf.conn.args(fs))
	}
	if p.Counts.Skip > 0 {
		return exitRowsFailed
	}
	return exitOK
}

// exitFor maps a run error to an exit code: a stale plan or refused
// deactivation is the operator's to fix (1); a server that did not answer
// or refused the credentials before the first write is 3 (run again,
// logged in again for the latter); the rest (a contradicting flag,
// a busy or damaged journal, a changed file, I/O) are 2.
func exitFor(err error) int {
	var stale *sync.StaleError
	var limit *sync.DeactivateLimitError
	switch {
	case errors.As(err, &stale) || errors.As(err, &limit):
		return exitRowsFailed
	case unavailable(err) || sync.Unauthorized(err):
		return exitInterrupted
	}
	return exitUsage
}
