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
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/ccai"
	"usersync/sync/coursedog"
	"usersync/textsafe"
	"usersync/ui"
)

func init() {
	rootCommand = runTUI
	rootFlags = func(w io.Writer) {
		fs := tuiFlagSet(w, &tuiFlags{})
		fs.PrintDefaults()
	}
}

// tuiFlags are the guided import's flags: --sandbox and the CONN words,
// which only prefill the login screen.
type tuiFlags struct {
	sandbox    bool
	target     string
	env        string
	school     string
	tenant     string
	properties string
	users      int
	latency    time.Duration
	jobPace    time.Duration
}

// runTUI is `usersync [--sandbox] [CONN] [FILE]`: the guided import.
func runTUI(env *cmdEnv, args []string) int {
	var tf tuiFlags
	fs := tuiFlagSet(env.stderr, &tf)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	return runTUIWith(env, tf, pos)
}

// tuiFlagSet declares the guided import's flags into tf.
func tuiFlagSet(out io.Writer, tf *tuiFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("usersync", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.BoolVar(&tf.sandbox, "sandbox", false, "start a sandbox in-process with demo users and sign in to it (the demo identity is filled in)")
	fs.StringVar(&tf.target, "target", "coursedog", "the API: coursedog or ccai")
	fs.StringVar(&tf.env, "env", "", "staging, production, sandbox or a URL (prefills the login screen)")
	fs.StringVar(&tf.school, "school", "", "coursedog School Unique ID (prefills the login screen)")
	fs.StringVar(&tf.tenant, "tenant", "", "ccai tenant subdomain")
	fs.StringVar(&tf.properties, "properties", "", "coursedog.properties holding token=… (default: ./coursedog.properties, then the config dir)")
	fs.IntVar(&tf.users, "sandbox-users", 200, "users the sandbox is seeded with")
	fs.DurationVar(&tf.latency, "sandbox-latency", 0, "latency the sandbox adds to each request (to watch the progress screen)")
	fs.DurationVar(&tf.jobPace, "sandbox-job-pace", 0, "how long each stage of a ccai job takes in the sandbox (default: its realistic pace)")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: usersync [--sandbox] [--env E --school ID] [FILE]\n\nThe guided import: sign in, choose a file, fix it, see the dry run, apply.")
		fs.PrintDefaults()
	}
	return fs
}

func runTUIWith(env *cmdEnv, tf tuiFlags, pos []string) int {
	if len(pos) > 1 {
		fmt.Fprintf(env.stderr, "usersync: one file at most, got %d\n", len(pos))
		return exitUsage
	}
	if tf.target != coursedog.TargetName && tf.target != ccai.TargetName {
		fmt.Fprintf(env.stderr, "usersync: --target is coursedog or ccai, not %q\n", tf.target)
		return exitUsage
	}
	file := ""
	if len(pos) == 1 {
		file = pos[0]
		if st, err := os.Stat(file); err != nil || st.IsDir() {
			fmt.Fprintf(env.stderr, "usersync: %s: not a readable file\n", file)
			return exitUsage
		}
	}

	b := &tuiBackend{getenv: env.getenv, properties: tf.properties}
	defaults := ui.Defaults{
		Targets:  []string{coursedog.TargetName, ccai.TargetName},
		Login:    ui.LoginRequest{Target: tf.target, Env: ui.EnvStaging, School: tf.school, Tenant: tf.tenant},
		StartDir: b.recentDir(),
		File:     file,
	}
	if file != "" {
		defaults.StartDir = filepath.Dir(file)
	}
	if tf.sandbox || tf.env == "sandbox" {
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
		defaults.Login = ui.LoginRequest{Target: tf.target, Env: ui.EnvSandbox,
			School: sandbox.DemoSchool, Email: sandbox.DemoEmail, Password: sandbox.DemoPassword,
			Tenant: sandbox.DemoTenant, APIToken: sandbox.DemoAPIToken}
	} else {
		b.prefill(&defaults, tf)
	}

	opts := []tea.ProgramOption{}
	noColor := env.getenv("NO_COLOR") != ""
	if noColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	final, err := tea.NewProgram(ui.New(b, defaults, noColor), opts...).Run()
	if b.sandboxURL != "" {
		fmt.Fprintf(env.stderr, "usersync: the sandbox at %s stopped with the program.\n", b.sandboxURL)
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
	fmt.Fprintf(env.stderr, "usersync: %d created, %d updated, %d unchanged, %d skipped, %d deactivated, %d failed. Report: %s\n",
		run.Counts.Create, run.Counts.Update, run.Counts.Unchanged, run.Counts.Skip, run.Counts.Deactivate, run.Counts.Failed, run.ReportPath)
	if run.Counts.Failed > 0 {
		return exitRowsFailed
	}
	return exitOK
}

// tuiBackend is ui.Backend over the real packages: the coursedog client for
// sign-in, csvfile for reading, sync for listing and applying.
type tuiBackend struct {
	getenv     func(string) string
	properties string
	sandboxURL string
	login      tuiLogin // the last sign-in, for the resume hint
}

// prefill fills the login screen from CONN flags and the saved token's file.
func (b *tuiBackend) prefill(d *ui.Defaults, tf tuiFlags) {
	if ts, err := coursedog.FindToken(b.getenv, b.properties); err == nil {
		d.SavedToken = true
		d.Login.UseSavedToken = true
		if d.Login.School == "" {
			d.Login.School = ts.Default(coursedog.PropSchool)
		}
		d.Login.Email = ts.Default(coursedog.PropEmail)
		if u := ts.Default(coursedog.PropURL); u != "" && tf.env == "" {
			tf.env = u
		}
	}
	switch strings.ToLower(tf.env) {
	case "", "staging":
		d.Login.Env = ui.EnvStaging
	case "production", "prod":
		d.Login.Env = ui.EnvProduction
	default:
		switch strings.TrimSuffix(tf.env, "/") {
		case coursedog.StagingURL:
			d.Login.Env = ui.EnvStaging
		case coursedog.ProductionURL:
			d.Login.Env = ui.EnvProduction
		default:
			d.Login.Env, d.Login.URL = ui.EnvCustom, tf.env
		}
	}
}

func (b *tuiBackend) baseURL(req ui.LoginRequest) string {
	switch req.Env {
	case ui.EnvSandbox:
		return b.sandboxURL
	case ui.EnvStaging:
		return coursedog.StagingURL
	case ui.EnvProduction:
		return coursedog.ProductionURL
	}
	return req.URL
}

// Login signs in with the password (or checks the saved token) and reads
// the school's schema, which also proves the token and the School ID. For
// ccai, reading the live template proves the tenant and API token.
func (b *tuiBackend) Login(ctx context.Context, req ui.LoginRequest) (ui.Session, error) {
	if req.Target == ccai.TargetName {
		return b.loginCCAI(ctx, req)
	}
	base := b.baseURL(req)
	c, err := coursedog.NewClient(coursedog.Options{BaseURL: base, School: req.School})
	if err != nil {
		return ui.Session{}, err
	}
	token := ""
	if req.UseSavedToken {
		ts, err := coursedog.FindToken(b.getenv, b.properties)
		if err != nil {
			return ui.Session{}, err
		}
		if err := ts.CheckURL(c.URL()); err != nil {
			return ui.Session{}, err
		}
		c.SetToken(ts.Token)
	} else if token, err = c.Login(ctx, req.Email, req.Password); err != nil {
		return ui.Session{}, err
	}
	t := coursedog.NewTarget(c)
	schema, err := t.Schema(ctx)
	if err != nil {
		return ui.Session{}, err
	}
	b.login = tuiLogin{target: coursedog.TargetName, base: c.URL(), school: c.School(), email: req.Email,
		token: token, saved: req.UseSavedToken}
	return ui.Session{Target: t, Schema: schema, Env: req.Env, URL: c.URL(), Account: req.School,
		Production: req.Env == ui.EnvProduction || c.URL() == coursedog.ProductionURL}, nil
}

func (b *tuiBackend) loginCCAI(ctx context.Context, req ui.LoginRequest) (ui.Session, error) {
	base := b.sandboxURL
	if req.Env != ui.EnvSandbox {
		u, err := ccai.BaseURL(req.URL, req.Tenant)
		if err != nil {
			return ui.Session{}, err
		}
		base = u
	}
	t, err := ccai.New(ccai.Options{BaseURL: base, Tenant: req.Tenant, Token: req.APIToken})
	if err != nil {
		return ui.Session{}, err
	}
	schema, err := t.Schema(ctx)
	if err != nil {
		return ui.Session{}, err
	}
	b.login = tuiLogin{target: ccai.TargetName, base: base}
	return ui.Session{Target: t, Schema: schema, Env: req.Env, URL: base, Account: req.Tenant}, nil
}

// Reauthenticate signs the session's own client in again, so an apply
// holding its target carries on after a refused token.
func (b *tuiBackend) Reauthenticate(ctx context.Context, s ui.Session, req ui.LoginRequest) error {
	t, ok := s.Target.(*coursedog.Target)
	if !ok {
		return fmt.Errorf("%s API tokens are not renewed by signing in: check the token", s.Target.Name())
	}
	if req.UseSavedToken {
		ts, err := coursedog.FindToken(b.getenv, b.properties)
		if err != nil {
			return err
		}
		if err := ts.CheckURL(t.Client().URL()); err != nil {
			return err
		}
		t.Client().SetToken(ts.Token)
		_, err = t.Schema(ctx) // proves the token
		return err
	}
	token, err := t.Client().Login(ctx, req.Email, req.Password)
	if err == nil {
		b.login.token, b.login.saved, b.login.email = token, false, req.Email
	}
	return err
}

// mappingPath is where the mapping of a file is kept: beside it.
func mappingPath(file string) string { return file + ".mapping" }

// OpenFile reads the file as the session's target reads it (for ccai, CSV
// or its JSON template), with the mapping saved for it when none is given.
func (b *tuiBackend) OpenFile(_ context.Context, req ui.OpenRequest) (*csvfile.File, error) {
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
	var out []string
	for _, m := range pr.Probe(ctx).Mismatches() {
		out = append(out, textsafe.Show(m))
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
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(dir+"\n"), 0o600)
}
