package ui

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"usersync/csvfile/textsafe"
	"usersync/sync"
	"usersync/sync/render"
	"usersync/sync/targets"
)

const latestFailures = 5

// progressScreen follows an apply: the engine streams events on a channel
// and the model re-arms a wait command after each one; the final result
// comes from Apply's own return.
type progressScreen struct {
	noDetail
	job                     int
	plan                    *sync.Plan
	kind                    applyKind
	gate                    *sync.Gate
	last                    sync.Event
	failures                []sync.Outcome // the latest, newest last
	batch                   *sync.BatchEvent
	note                    string
	started                 time.Time
	stopping                bool
	journal, report, backup string
	ch                      applyChannels

	width, height int
}

// applyEventMsg is one progress event of the apply job.
type applyEventMsg struct {
	job   int
	event sync.Event
	ch    applyChannels
}

// appliedMsg is the end of an apply job.
type appliedMsg struct {
	job int
	run *sync.Run
	err error
}

func (p *progressScreen) setSize(w, h int) { p.width, p.height = w, h }

// applyKind says what an apply is: the import itself, a retry of its
// failed rows (rebased on what the earlier run left), or a rollback.
type applyKind int

const (
	applyImport applyKind = iota
	applyRetry
	applyRollback
)

// applyPaths are where an apply keeps its journal, report and backup.
type applyPaths struct{ journal, report, backup string }

// importPaths are the default paths beside the file.
func (m *Model) importPaths() applyPaths {
	file := m.preview.path
	if abs, err := filepath.Abs(file); err == nil {
		file = abs // the summary names where the files are, from anywhere
	}
	j, r, b := sync.DefaultPaths(file, m.defaults.Now())
	return applyPaths{journal: j, report: r, backup: b}
}

// rollbackPaths give a rollback its own journal, report and backup (the
// state before it), as `usersync rollback` does, so it resumes like an
// apply and can itself be undone.
func (m *Model) rollbackPaths(journal string) applyPaths {
	j, r, b := sync.RollbackPaths(journal, m.defaults.Now())
	return applyPaths{journal: j, report: r, backup: b}
}

// resumePaths are an interrupted run's own paths: its journal makes the
// same apply go on where it stopped.
func resumePaths(r *sync.Run) applyPaths {
	return applyPaths{journal: r.JournalPath, report: r.ReportPath, backup: r.BackupPath}
}

// retryPaths give a retry of failed rows a journal and report of its own
// beside the run's (the engine starts a finished journal afresh, and a
// rollback reads every journal of the import) and the run's backup, which
// holds the users as they were before the import.
func (m *Model) retryPaths(r *sync.Run) applyPaths {
	base := strings.TrimSuffix(r.JournalPath, filepath.Ext(r.JournalPath))
	stamp := m.defaults.Now().UTC().Format("20060102-150405")
	report := strings.TrimSuffix(r.ReportPath, filepath.Ext(r.ReportPath))
	journal := base + ".retry-" + stamp + ".jsonl"
	// Two retries in one second: each keeps a journal of its own (the
	// engine would set the first aside, and the rollback of the import
	// reads every journal it is made of). The report takes a free name
	// itself (FreshReport).
	for n := 2; slices.Contains(m.journals, journal); n++ {
		journal = base + ".retry-" + stamp + "-" + strconv.Itoa(n) + ".jsonl"
	}
	return applyPaths{journal: journal, report: report + ".retry-" + stamp + ".csv", backup: r.BackupPath}
}

// startApply runs plan in a command and streams its events.
func (m *Model) startApply(plan *sync.Plan, kind applyKind, paths applyPaths) tea.Cmd {
	// The journals that make up the import, for "roll back this import".
	switch kind {
	case applyImport, applyRollback:
		if !slices.Contains(m.journals, paths.journal) || len(m.journals) == 0 {
			m.journals = []string{paths.journal}
		}
	case applyRetry:
		if !slices.Contains(m.journals, paths.journal) {
			m.journals = append(m.journals, paths.journal)
		}
	}
	ctx := m.startCancellable()
	job := m.nextJob()
	m.progress = progressScreen{job: job, plan: plan, kind: kind, gate: sync.NewGate(), started: m.defaults.Now(),
		journal: paths.journal, report: paths.report, backup: paths.backup, width: m.progress.width, height: m.progress.height}
	m.progress.last.Total = plan.Counts.Writes()
	m.setState(ScreenProgress)
	events := make(chan sync.Event, 256)
	done := make(chan struct{})
	asks := make(chan chan error)
	opts := sync.ApplyOptions{
		JournalPath: paths.journal, ReportPath: paths.report, BackupPath: paths.backup,
		// Every path here carries the time to the second (a resume's is
		// the interrupted run's): a run never writes over another's report.
		FreshReport: true,
		Events:      events, Gate: m.progress.gate,
		Rebase: kind == applyRetry, Relogin: askRelogin(asks),
	}
	b, sess := m.backend, *m.session
	apply := func() tea.Msg {
		defer close(done)
		run, err := b.Apply(ctx, sess, plan, opts)
		return appliedMsg{job: job, run: run, err: err}
	}
	m.progress.ch = applyChannels{events: events, asks: asks, done: done}
	return tea.Batch(apply, waitApplyEvent(job, m.progress.ch))
}

// askRelogin is the engine's Relogin for a 401 mid-apply: it asks the UI
// to have the operator sign in again and waits for the answer (the workers
// wait with it).
func askRelogin(asks chan<- chan error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		reply := make(chan error, 1)
		select {
		case asks <- reply:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case err := <-reply:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// applyChannels are how a running apply talks to the UI.
type applyChannels struct {
	events <-chan sync.Event
	asks   <-chan chan error
	done   <-chan struct{}
}

// reloginAskedMsg: the apply met a refused token and waits for a sign-in.
type reloginAskedMsg struct {
	job   int
	reply chan error
}

// resumeCommand is the headless command that resumes an interrupted run:
// the same file (and mapping) with its journal. A rollback resumes with
// `usersync rollback`.
func (m *Model) resumeCommand(r *sync.Run) string {
	if r == nil || m.session == nil {
		return ""
	}
	conn := " --target " + m.session.Target.Name() + " --env " + shellQuote(m.session.URL)
	if d, ok := targets.Lookup(m.session.Target.Name()); ok && d.Account().Key != "" {
		conn += " --" + d.Account().Key + " " + shellQuote(m.session.Account) // the account's CONN flag
	}
	if m.progress.kind == applyRollback && len(m.journals) > 0 {
		// `usersync rollback` takes the import's journal (the one the
		// rollback's plan undoes) and finds the rollback's own beside it.
		imp := r.JournalPath
		if u := m.progress.plan.Undoes; len(u) > 0 {
			imp = u[0]
		}
		return "usersync rollback --journal " + shellQuote(imp) + conn + " --yes"
	}
	file := m.preview.path
	if abs, err := filepath.Abs(file); err == nil {
		file = abs // a new shell may start in another folder
	}
	cmd := "usersync apply " + shellQuote(file)
	if m.file.sheetPath == m.preview.path && m.file.sheet != "" {
		cmd += " --sheet " + shellQuote(m.file.sheet) // the CLI reads the first sheet with data otherwise
	}
	keys := make([]string, 0, len(m.preview.mapping))
	for k := range m.preview.mapping {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		cmd += " --map " + shellQuote(k+"="+m.preview.mapping[k])
	}
	return cmd + conn + " --journal " + shellQuote(r.JournalPath) + " --yes"
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string { return textsafe.ShellQuote(s) }

// ResumeCommand is the command that resumes the last run when it was
// interrupted, or "".
func (m *Model) ResumeCommand() string {
	if m.summary.run == nil || !m.summary.run.Interrupted {
		return ""
	}
	return m.summary.resume
}

// waitApplyEvent delivers the next event or sign-in request, or nothing
// once the job ended.
func waitApplyEvent(job int, ch applyChannels) tea.Cmd {
	return func() tea.Msg {
		select {
		case e := <-ch.events:
			return applyEventMsg{job: job, event: e, ch: ch}
		case reply := <-ch.asks:
			return reloginAskedMsg{job: job, reply: reply}
		case <-ch.done:
			return nil
		}
	}
}
func (m *Model) applyApplyEvent(msg applyEventMsg) tea.Cmd {
	p := &m.progress
	if msg.job != p.job {
		return nil
	}
	e := msg.event
	p.last = e
	if e.Outcome != nil && e.Outcome.Result == sync.Failed {
		p.failures = append(p.failures, *e.Outcome)
		if len(p.failures) > latestFailures {
			p.failures = p.failures[len(p.failures)-latestFailures:]
		}
	}
	if e.Batch != nil {
		b := *e.Batch
		p.batch = &b
	}
	// A "paused" that arrives after the operator resumed is stale.
	if e.Note != "" && !(e.Note == "paused" && p.gate != nil && !p.gate.Paused()) {
		p.note = show(e.Note)
	}
	return waitApplyEvent(msg.job, msg.ch)
}

func (m *Model) applyApplied(msg appliedMsg) tea.Cmd {
	p := &m.progress
	if msg.job != p.job {
		return nil
	}
	m.endRelogin() // the apply ended while signing in again: show how it ended
	m.cancel = nil
	m.summary = newSummary(p.plan, msg.run, msg.err, m.summary.run, p.kind, m.unsaved())
	m.summary.setSize(m.width, m.computeLayout(false).Body)
	m.summary.mail = m.diff.mail
	m.summary.resume = m.resumeCommand(msg.run)
	m.setState(ScreenSummary)
	var stale *sync.StaleError
	if errors.As(msg.err, &stale) && p.kind == applyImport && m.preview.file != nil {
		// Someone changed the users since the dry run: nothing was sent.
		// Read them again and show the new dry run.
		m.diff.existing = nil
		c := stale.Counts
		plan := m.startPlan() // the status is the dry run's
		return tea.Batch(plan, m.setStatus(sevWarn, "Nothing sent: the users changed since the dry run ("+itoa(c[0])+" added, "+
			itoa(c[1])+" removed, "+itoa(c[2])+" changed). Dry run made again."))
	}
	switch {
	case msg.err != nil:
		if cmd, ended := m.sessionEnded(msg.err); ended {
			return cmd
		}
		return m.setStatus(sevError, "The apply stopped: "+msg.err.Error())
	case msg.run.Interrupted:
		return m.setStatus(sevWarn, "Stopped. Nothing was lost: press r to resume.")
	case msg.run.Counts.Failed > 0:
		return m.setStatus(sevWarn, plural(msg.run.Counts.Failed, "row", "rows")+" failed; r retries only those.")
	}
	return m.setStatus(sevOK, "Import finished.")
}

func (p progressScreen) bindings(k KeyMap) bindings {
	if p.stopping {
		return bindings{}
	}
	return bindings{k.Progress.Pause, k.Progress.Cancel}
}

func (m *Model) handleProgressKey(msg tea.KeyPressMsg) tea.Cmd {
	p := &m.progress
	switch {
	case key.Matches(msg, m.keys.Progress.Cancel):
		if p.stopping {
			return nil
		}
		// Stop cleanly: the requests in flight finish and are journaled,
		// Apply returns Interrupted, and the summary says how to resume.
		p.stopping = true
		p.gate.Resume()
		m.stopJob()
		return m.setStatus(sevWarn, "Stopping: the requests in flight finish and are recorded…")
	case key.Matches(msg, m.keys.Progress.Pause) && !p.stopping:
		if p.gate.Paused() {
			p.gate.Resume()
			if p.note == "paused" {
				p.note = ""
			}
			return m.setStatus(sevInfo, "Resumed.")
		}
		p.gate.Pause()
		return m.setStatus(sevWarn, "Paused: requests already sent finish; p resumes.")
	case key.Matches(msg, m.keys.Global.Back):
		return m.setStatus(sevInfo, "An apply is running: p pauses it, ctrl+c stops it (resumable).")
	}
	return nil
}

func (p progressScreen) view(st Styles, w, h int) string {
	e := p.last
	var b strings.Builder
	title := "Applying the plan"
	switch p.kind {
	case applyRetry:
		title = "Retrying the failed rows"
	case applyRollback:
		title = "Rolling back the import"
	}
	state := ""
	switch {
	case p.stopping:
		state = st.Warn.Render("  stopping…")
	case p.gate != nil && p.gate.Paused():
		state = st.Warn.Render("  ⏸ paused")
	}
	b.WriteString("\n " + st.Text.Render(title) + state + "\n\n")
	pct := 0.0
	if e.Total > 0 {
		pct = float64(e.Done) / float64(e.Total)
	}
	b.WriteString(" " + progressBar(st, pct, min(max(w-30, 10), 60)) + " " + st.Text.Render(itoa(int(pct*100))+"%  "+count(e.Done)+" / "+count(e.Total)+" writes") + "\n\n")
	c := e.Counts
	b.WriteString(" " + strings.Join(joinWrap(st.pieces(render.ProgressCounts(c, p.kind == applyRollback)), piece{" · ", st.Muted}, "", max(w-2, 20)), "\n ") + "\n")
	rate, eta := "—", humanDuration(e.ETA)
	if e.Rate > 0 {
		rate = trimFloat(e.Rate) + " writes/s"
	}
	if p.gate != nil && p.gate.Paused() {
		rate, eta = "— (paused)", "— (paused)"
	}
	b.WriteString(st.Muted.Render(" rate "+rate+" · ETA "+eta) + "\n")
	// Retries and the server's last error show while they happen, not
	// only once rows have failed.
	if e.Retries > 0 {
		b.WriteString(" " + strings.Join(wrapStyled(st.Warn, plural(e.Retries, "request", "requests")+" retried", w-2, "  "), "\n ") + "\n")
		if e.LastError != "" {
			b.WriteString(" " + strings.Join(wrapStyled(st.Muted, "last error: "+e.LastError, w-2, "  "), "\n ") + "\n")
		}
	}
	if p.batch != nil {
		where, state := render.Batch(p.batch)
		b.WriteString(st.Muted.Render(" "+where) + st.Text.Render(state) + "\n")
	}
	if p.note != "" && p.note != "paused" { // the title says paused
		b.WriteString(" " + strings.Join(wrapStyled(st.Muted, p.note, w-2, "  "), "\n ") + "\n")
	}
	if len(p.failures) > 0 {
		b.WriteString("\n " + st.Bad.Render("Latest failures") + "\n")
		for i := len(p.failures) - 1; i >= 0; i-- {
			o := p.failures[i]
			parts := joinWrap([]piece{{"line " + itoa(o.Line) + " " + show(o.Email) + ":", st.Text}, {show(o.Message), st.Muted}}, piece{" ", st.Text}, "    ", max(w-3, 20))
			b.WriteString(" " + st.Bad.Render("✗ ") + strings.Join(parts, "\n") + "\n")
		}
	}
	b.WriteString("\n " + strings.Join(wrapStyled(st.Muted, "journal "+filepath.Base(p.journal)+" · p pauses · ctrl+c stops; running again resumes", w-2, "  "), "\n "))
	return b.String()
}

func trimFloat(f float64) string {
	if f >= 10 {
		return itoa(int(f + 0.5))
	}
	return itoa(int(f)) + "." + itoa(int(f*10)%10)
}

// The progress screen as a page of the root model.

func (p *progressScreen) handleKey(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	return m.handleProgressKey(msg)
}
func (p *progressScreen) handlePaste(tea.PasteMsg) tea.Cmd { return nil }
func (p *progressScreen) body(m *Model, l Layout) string   { return p.view(m.styles, l.Width, l.Body) }
func (p *progressScreen) keys(m *Model) bindings           { return p.bindings(m.keys) }
func (p *progressScreen) textEntry() bool                  { return false }
func (p *progressScreen) resize(w, body, _ int)            { p.setSize(w, body) }
func (p *progressScreen) title() string {
	if p.kind == applyRollback {
		return "Rolling back"
	}
	return ""
}
