package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"usersync/csvfile"
	"usersync/csvfile/atomicfile"
	"usersync/csvfile/textsafe"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/render"
	"usersync/sync/targets"
	"usersync/ui"
)

func init() {
	rootCommand = runTUI
	rootFlags = func(w io.Writer) {
		fs := tuiFlagSet(w, &tuiFlags{})
		fs.PrintDefaults()
	}
}

// tuiFlags are the guided import's flags: --sandbox and the CONN flags
// (the same ones the headless commands take), which only prefill the
// login screen.
type tuiFlags struct {
	sandbox bool
	conn    *connFlags
	users   int
	latency time.Duration
	jobPace time.Duration
	workDir string
}

// runTUI is `usersync [--sandbox] [CONN] [FILE]`: the guided import.
func runTUI(env *cmdEnv, args []string) int {
	var tf tuiFlags
	fs := tuiFlagSet(newFlagOutput(env), &tf)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		if code == exitUsage {
			sayCommandFirst(env.stderr, args)
		}
		return code
	}
	return runTUIWith(env, tf, pos)
}

// sayCommandFirst: args name a command after a flag the guided import
// does not know (`usersync --json validate FILE`): the flag is the
// command's, and goes after its name.
func sayCommandFirst(w io.Writer, args []string) {
	for i, a := range args {
		if _, ok := commands[a]; ok && i > 0 {
			rest := append(append([]string{a}, args[:i]...), args[i+1:]...)
			fmt.Fprintf(w, "\nusersync: a command's flags go after its name: usersync %s\n", strings.Join(rest, " "))
			return
		}
	}
}

// tuiFlagSet declares the guided import's flags into tf.
func tuiFlagSet(out io.Writer, tf *tuiFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("usersync", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.BoolVar(&tf.sandbox, "sandbox", false, "start a sandbox in-process with demo users and sign in to it (the demo identity is filled in)")
	tf.conn = addConnFlags(fs)
	fs.IntVar(&tf.users, "sandbox-users", 200, "users the sandbox is seeded with")
	fs.DurationVar(&tf.latency, "sandbox-latency", 0, "latency the sandbox adds to each request (to watch the progress screen)")
	fs.DurationVar(&tf.jobPace, "sandbox-job-pace", 0, "how long each stage of a ccai job takes in the sandbox (default: its realistic pace)")
	fs.StringVar(&tf.workDir, "sandbox-dir", "", "where the sandbox works on copies of the files it opens, and writes their journals and reports\n(default: a new temporary folder; your files are never changed by a sandbox session)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: usersync [--sandbox] [flags] [FILE] | usersync COMMAND [flags]\n\nThe guided import (sign in, choose a file, fix it, dry run, apply); its flags:")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\nRun 'usersync --help' for the commands.")
	}
	return fs
}

func runTUIWith(env *cmdEnv, tf tuiFlags, pos []string) int {
	if len(pos) > 1 {
		fmt.Fprintf(env.stderr, "usersync: one file at most, got %d\n", len(pos))
		return exitUsage
	}
	d, ok := targets.Lookup(tf.conn.target)
	if !ok {
		fmt.Fprintf(env.stderr, "usersync: --target is %s, not %q\n", targets.OneOf(), tf.conn.target)
		return exitUsage
	}
	tf.conn.target = d.Name // as the login screen names it
	file := ""
	if len(pos) == 1 {
		file = pos[0]
		if st, err := os.Stat(file); err != nil || st.IsDir() {
			fmt.Fprintf(env.stderr, "usersync: %s: not a readable file\n", file)
			return exitUsage
		}
	}

	b := &tuiBackend{getenv: env.getenv, properties: tf.conn.properties}
	defaults := ui.Defaults{
		Targets:  targets.Names(),
		Login:    ui.LoginRequest{Target: tf.conn.target},
		StartDir: b.recentDir(),
		File:     file,
	}
	for k := range tf.conn.values {
		defaults.Login.SetValue(k, tf.conn.value(k))
	}
	if file != "" {
		defaults.StartDir = filepath.Dir(file)
	}
	if tf.sandbox || strings.EqualFold(tf.conn.env, targets.EnvSandbox) {
		srv, err := sandbox.Start(sandbox.Options{Users: tf.users, Latency: tf.latency})
		if err != nil {
			fmt.Fprintf(env.stderr, "usersync: start the sandbox: %v\n", err)
			return exitUsage
		}
		defer srv.Close()
		if tf.jobPace > 0 {
			srv.SetCCAIJobPace(tf.jobPace, 0)
		}
		b.sandboxURL = srv.URL()
		defaults.SandboxURL = srv.URL()
		if b.workDir, err = sandboxWorkDir(tf.workDir); err != nil {
			fmt.Fprintf(env.stderr, "usersync: %v\n", err)
			return exitUsage
		}
		// The demo identity of every target, so switching target keeps it.
		defaults.Login = ui.LoginRequest{Target: tf.conn.target, Env: ui.EnvSandbox}
		for _, d := range targets.All() {
			for k, v := range d.Sandbox {
				defaults.Login.SetValue(k, v)
			}
		}
	} else {
		b.prefill(&defaults, tf.conn.env)
	}

	opts := []tea.ProgramOption{}
	noColor := env.getenv("NO_COLOR") != ""
	if noColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	final, err := tea.NewProgram(ui.New(b, defaults, noColor), opts...).Run()
	if b.sandboxURL != "" {
		fmt.Fprintf(env.stderr, "usersync: the sandbox at %s stopped with the program.\n", b.sandboxURL)
		b.sayCopies(env.stderr)
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "usersync: %v\n", err)
		return exitUsage
	}
	m, _ := final.(*ui.Model)
	run := m.LastRun()
	switch {
	case run == nil:
		return exitOK
	case run.Interrupted:
		b.printResumeHint(env.stderr, env.stdin, isTerminal(env.stdin), m.ResumeCommand())
		return exitInterrupted
	}
	fmt.Fprintf(env.stderr, "usersync: %s. Report: %s\n",
		strings.Join(render.Texts(render.RunCounts(run.Counts, m.LastRunRolledBack())), ", "), run.ReportPath)
	if run.Counts.Failed > 0 {
		return exitRowsFailed
	}
	return exitOK
}

// tuiBackend is ui.Backend over the real packages: sync/targets to
// connect (the same path as the headless commands), csvfile for reading,
// sync for listing and applying.
type tuiBackend struct {
	getenv     func(string) string
	properties string
	sandboxURL string
	login      tuiLogin // the last sign-in, for the resume hint
	// workDir is where a session with the in-process sandbox works on
	// copies of the files it opens (sandbox_copy.go); "" outside one.
	workDir string
	copies  map[string]string // original (absolute) → its copy
}

// prefill fills the login screen from the CONN flags and what login saved.
func (b *tuiBackend) prefill(d *ui.Defaults, env string) {
	chosen, _ := targets.Lookup(d.Login.Target)
	for _, t := range append([]*targets.Descriptor{chosen}, targets.All()...) {
		if t.FindSaved == nil {
			continue
		}
		saved, ok := t.FindSaved(b.getenv, b.properties)
		if !ok {
			continue
		}
		d.SavedToken, d.Login.UseSavedToken = true, true
		for k, v := range saved.Values {
			if d.Login.Value(k) == "" {
				d.Login.SetValue(k, v)
			}
		}
		if env == "" && t == chosen {
			env = saved.URL
		}
		break
	}
	switch e, ok := chosen.EnvOf(env); {
	case ok:
		d.Login.Env, d.Login.EnvName = ui.NamedEnv(e.Production), e.Name
	case env == "" && len(chosen.Envs) > 0:
		d.Login.Env, d.Login.EnvName = ui.NamedEnv(chosen.Envs[0].Production), chosen.Envs[0].Name
	default:
		d.Login.Env, d.Login.URL = ui.EnvCustom, env
	}
}

// request is the connection the login screen asks for.
func (b *tuiBackend) request(req ui.LoginRequest) targets.Request {
	r := targets.Request{Target: req.Target, SandboxURL: b.sandboxURL, Values: req.Values(),
		SignIn: !req.UseSavedToken, Properties: b.properties, Getenv: b.getenv}
	switch req.Env {
	case ui.EnvSandbox:
		r.Env = targets.EnvSandbox
	case ui.EnvCustom:
		r.Env = req.URL
	default:
		r.Env = req.EnvName
		if d, ok := targets.Lookup(req.Target); ok && r.Env == "" {
			for _, e := range d.Envs { // a request that names only the kind
				if e.Production == (req.Env == ui.EnvProduction) {
					r.Env = e.Name
					break
				}
			}
		}
	}
	if d, ok := targets.Lookup(req.Target); ok {
		if _, pw := d.Field(targets.FieldPassword); !pw {
			r.SignIn = false // the typed token is the credential
		}
	}
	return r
}

// Login connects the way every command does (signing in with the password
// or using the saved token) and reads the target's schema, which also
// proves the token and the account.
func (b *tuiBackend) Login(ctx context.Context, req ui.LoginRequest) (ui.Session, error) {
	c, err := targets.Open(ctx, b.request(req))
	if err != nil {
		return ui.Session{}, err
	}
	schema, err := c.Target.Schema(ctx)
	if err != nil {
		return ui.Session{}, err
	}
	b.login = tuiLogin{conn: c, req: b.request(req)}
	return ui.Session{Target: c.Target, Schema: schema, Env: req.Env, URL: c.URL, Account: c.Account,
		Production: req.Env == ui.EnvProduction || c.Production}, nil
}

// Reauthenticate signs the session's own target in again, so an apply
// holding it carries on after a refused token.
func (b *tuiBackend) Reauthenticate(ctx context.Context, s ui.Session, req ui.LoginRequest) error {
	r := b.request(req)
	if err := targets.Renew(ctx, s.Target, r); err != nil {
		return err
	}
	if b.login.conn != nil && b.login.conn.Target == s.Target {
		b.login.req = r // the session is now the one this sign-in made
	}
	return nil
}

// mappingPath is where the mapping of a file is kept: beside it.
func mappingPath(file string) string { return file + ".mapping" }

// OpenFile reads the file as the session's target reads it (for ccai, CSV
// or its JSON template), with the mapping saved for it when none is given.
func (b *tuiBackend) OpenFile(_ context.Context, req ui.OpenRequest) (*csvfile.File, error) {
	path, err := b.workCopy(req.Path)
	if err != nil {
		return nil, err
	}
	req.Path = path
	mapping := req.Mapping
	if mapping == nil {
		m, err := csvfile.LoadMapping(mappingPath(req.Path))
		switch {
		case err == nil:
			mapping = m
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	target := ""
	if req.Schema != nil {
		target = req.Schema.Target
	}
	return openUserFile(target, req.Path, req.Schema, csvfile.Options{Mapping: mapping, Sheet: req.Sheet, AskSheet: req.Sheet == ""})
}

func (b *tuiBackend) SaveMapping(file string, mapping map[string]string) (string, error) {
	p := mappingPath(file)
	return p, csvfile.SaveMapping(p, mapping)
}

// Check runs the target's read-only probe; its lines are made safe to show.
func (b *tuiBackend) Check(ctx context.Context, s ui.Session) ([]string, error) {
	pr, ok := s.Target.(sync.Prober)
	if !ok {
		return nil, nil
	}
	p := pr.Probe(ctx)
	var out []string
	for _, m := range p.Mismatches() {
		out = append(out, textsafe.Show(m))
	}
	switch {
	case p.Refused():
		// The target's own words for what to do (its descriptor's).
		return nil, &ui.CheckStopped{Heading: render.ProbeRefused, Lines: append(out, signInAgain(s.Target.Name()))}
	case p.Unanswered():
		return nil, &ui.CheckStopped{Heading: render.ProbeUnanswered, Lines: out}
	}
	return out, nil
}

func (b *tuiBackend) ExistingUsers(ctx context.Context, s ui.Session) ([]sync.User, error) {
	return s.Target.ListUsers(ctx)
}

func (b *tuiBackend) Apply(ctx context.Context, s ui.Session, p *sync.Plan, opts sync.ApplyOptions) (*sync.Run, error) {
	return sync.Apply(ctx, s.Target, p, opts)
}

// recentFile keeps the directory of the last file opened.
func recentFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "usersync", "recent-dir"), nil
}

func (b *tuiBackend) recentDir() string {
	p, err := recentFile()
	if err != nil {
		return "."
	}
	d, err := os.ReadFile(p)
	if err != nil {
		return "."
	}
	dir := strings.TrimSpace(string(d))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "."
	}
	return dir
}

func (b *tuiBackend) RememberDir(dir string) error {
	p, err := recentFile()
	if err != nil {
		return err
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return atomicfile.WriteBytes(p, atomicfile.Secret, []byte(dir+"\n"), atomicfile.MakeDir())
}
