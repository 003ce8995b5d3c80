package ui

import (
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"usersync/sync"
	"usersync/sync/render"
)

// summaryScreen is the end of an import: what happened to every row, the
// failed rows with reasons, and where the report, journal and backup are.
type summaryScreen struct {
	noDetail
	plan    *sync.Plan
	run     *sync.Run
	err     error
	failed  []sync.Outcome
	cursor  int
	offset  int
	kind    applyKind
	unsaved bool   // the file has edits not yet saved
	mail    bool   // the target sends registration mails
	resume  string // the headless command that resumes an interrupted run
	width   int
	height  int
}

func newSummary(plan *sync.Plan, run *sync.Run, err error, prev *sync.Run, kind applyKind, unsaved bool) summaryScreen {
	s := summaryScreen{plan: plan, run: run, err: err, unsaved: unsaved, kind: kind}
	if run == nil && prev != nil {
		s.run = prev // keep the earlier run's paths visible when a retry failed to start
	}
	if run != nil {
		for _, o := range run.Outcomes {
			if o.Result == sync.Failed {
				s.failed = append(s.failed, o)
			}
		}
	}
	return s
}

func (s *summaryScreen) setSize(w, h int) {
	s.width, s.height = w, h
}

func (s summaryScreen) bindings(k KeyMap) bindings {
	b := bindings{}
	if s.canRetry() {
		r := k.Summary.Retry
		if s.run.Interrupted {
			r = key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resume"))
		}
		b = append(b, r)
	}
	if len(s.failed) > 0 {
		b = append(b, k.Summary.Down, k.Summary.Up)
	}
	if s.canRollback() {
		b = append(b, k.Summary.Rollback)
	}
	return append(b, k.Summary.NewImport, k.Summary.Quit)
}

// canRollback: a run that wrote something can be undone.
func (s summaryScreen) canRollback() bool {
	if s.run == nil {
		return false
	}
	c := s.run.Counts
	return c.Create+c.Update+c.Deactivate > 0
}

func (s summaryScreen) canRetry() bool {
	return s.run != nil && s.plan != nil && (s.run.Interrupted || s.run.Counts.Failed > 0 || s.run.Counts.Pending > 0)
}

func (m *Model) handleSummaryKey(msg tea.KeyPressMsg) tea.Cmd {
	s := &m.summary
	k := m.keys
	switch {
	case key.Matches(msg, k.Summary.Quit):
		return m.quitWith(k.Summary.Quit)
	case key.Matches(msg, k.Global.Quit):
		return m.quit()
	case key.Matches(msg, k.Preview.Save) && m.unsaved():
		// The preview cannot be reached from here: its fixes are saved here.
		return m.startSave(false)
	case key.Matches(msg, k.Summary.Retry) && s.canRetry():
		if s.run.Interrupted {
			// The journal makes the same apply resume where it stopped.
			return m.startApply(s.plan, s.kind, resumePaths(s.run))
		}
		return m.startApply(sync.RetryPlan(s.plan, s.run), applyRetry, m.retryPaths(s.run))
	case key.Matches(msg, k.Summary.Rollback) && s.canRollback():
		return m.startRollbackPlan(s.run)
	case key.Matches(msg, k.Summary.Down):
		s.cursor = min(s.cursor+1, max(len(s.failed)-1, 0))
	case key.Matches(msg, k.Summary.Up):
		s.cursor = max(s.cursor-1, 0)
	case key.Matches(msg, k.Summary.NewImport):
		if cmd, asked := m.askDiscard(k.Summary.NewImport, newImportMsg{}, "starts another file without them"); asked {
			return cmd
		}
		return m.update(newImportMsg{})
	case key.Matches(msg, k.Global.Back):
		return m.setStatus(sevInfo, "The import is done: o starts another, q quits.")
	}
	return nil
}

func (s summaryScreen) view(st Styles, w, h int) string {
	var b strings.Builder
	if s.run == nil {
		b.WriteString("\n " + st.Error.Render("✗ The apply did not run: "+errText(s.err)) + "\n")
		b.WriteString(st.Muted.Render("\n Nothing was sent. esc… o picks a file again; q quits."))
		return b.String()
	}
	r := s.run
	c := r.Counts
	what := "Import"
	if s.kind == applyRollback {
		what = "Rollback"
	}
	head := what + " finished"
	hs := st.OK
	switch {
	case r.Interrupted:
		head, hs = what+" stopped before the end", st.Warn
	case c.Failed > 0:
		head, hs = what+" finished with failures", st.Warn
	}
	b.WriteString("\n " + hs.Render(head) + "\n\n")
	// Counts wrap between items at any width: none is cut.
	counts := st.pieces(render.RunCounts(c, s.kind == applyRollback))
	var tally []piece
	if s.mail {
		tally = append(tally, st.pieces([]render.Piece{render.Mails(c)})...)
	}
	tally = append(tally, piece{plural(len(r.Outcomes), "row", "rows") + " accounted for", st.Muted})
	for _, line := range append(joinWrap(counts, piece{" · ", st.Muted}, "", max(w-2, 20)), joinWrap(tally, piece{" · ", st.Muted}, "", max(w-2, 20))...) {
		b.WriteString(" " + line + "\n")
	}
	if note := render.Inactive(c); note != "" {
		b.WriteString(" " + strings.Join(wrapStyled(st.Warn, "! "+note, w-2, "  "), "\n ") + "\n")
	}
	if v := r.Verify; v.Differs() {
		// Mismatch.String quotes the values (%q), so server text is escaped.
		b.WriteString(" " + st.Warn.Render("! Read back after the import, "+render.Differs(v)+" (the report says which): "+show(v.Mismatches[0].String())) + "\n")
	}
	if s.err != nil {
		b.WriteString(" " + strings.Join(wrapStyled(st.Error, "✗ "+errText(s.err), w-2, "  "), "\n ") + "\n")
	}
	if r.Interrupted {
		b.WriteString(" " + strings.Join(wrapStyled(st.Warn, "! "+render.StopReason(r), w-2, "  "), "\n ") + "\n")
		b.WriteString(" " + st.Text.Render("Press r to resume here, or later run:") + "\n")
		b.WriteString(st.Accent.Render(wrapCommand(s.resume, max(w-6, 30))) + "\n")
		if s.unsaved {
			b.WriteString(" " + strings.Join(wrapStyled(st.Warn, "! The file has unsaved edits: save them (ctrl+s) before resuming from the command line.", w-2, "  "), "\n ") + "\n")
		}
	}
	// Paths are shortened from the middle: the file name always shows.
	pw := max(w-10, 20)
	b.WriteString("\n" + st.Label.Render(" Report  ") + st.Text.Render(shortPath(r.ReportPath, pw)) + "\n")
	if r.ReportJSONPath != "" {
		b.WriteString(st.Label.Render("         ") + st.Text.Render(shortPath(r.ReportJSONPath, pw)) + "\n")
	}
	b.WriteString(st.Label.Render(" Journal ") + st.Text.Render(shortPath(r.JournalPath, pw)) + "\n")
	b.WriteString(st.Label.Render(" Backup  ") + st.Text.Render(shortPath(r.BackupPath, pw)) + "\n")
	if len(s.failed) > 0 {
		b.WriteString("\n " + st.Bad.Render("Failed rows ("+count(len(s.failed))+")") + st.Muted.Render("  r retries only these") + "\n")
		used := strings.Count(b.String(), "\n")
		rows := max(h-used, 1)
		off := s.offset
		if s.cursor >= off+rows {
			off = s.cursor - rows + 1
		}
		if s.cursor < off {
			off = s.cursor
		}
		for i := off; i < len(s.failed) && i < off+rows; i++ {
			o := s.failed[i]
			cursor := " "
			if i == s.cursor {
				cursor = st.Focused.Render("›")
			}
			why := show(o.Message)
			if o.Column != "" {
				why += " (" + show(o.Column) + ")"
			}
			// The reason wraps under the row rather than being cut.
			parts := joinWrap([]piece{{padRight("line "+itoa(o.Line), 10) + " " + padRight(show(o.Email), 30), st.Text}, {why, st.Muted}},
				piece{" ", st.Text}, "     ", max(w-3, 20))
			line := cursor + st.Bad.Render("✗ ") + strings.Join(parts, "\n")
			if i == s.cursor {
				line = st.SelectedRow.Render(padVisible(line, w))
			}
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func errText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return show(err.Error())
}

// wrapCommand breaks a shell command before its flags so that it fits in w
// columns, with a backslash at each line end so it still pastes whole.
func wrapCommand(cmd string, w int) string {
	parts := strings.Split(cmd, " --")
	var lines []string
	line := "   " + parts[0]
	for _, p := range parts[1:] {
		if lipgloss.Width(line)+3+lipgloss.Width(p) > w { // cells: a path may hold wide characters
			lines = append(lines, line+" \\")
			line = "     --" + p
			continue
		}
		line += " --" + p
	}
	return strings.Join(append(lines, line), "\n")
}

// The summary as a page of the root model.

func (s *summaryScreen) handleKey(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	return m.handleSummaryKey(msg)
}
func (s *summaryScreen) handlePaste(tea.PasteMsg) tea.Cmd { return nil }
func (s *summaryScreen) body(m *Model, l Layout) string {
	v := *s
	v.unsaved = m.unsaved() // a save from here clears it
	out := v.view(m.styles, l.Width, l.Body)
	if m.preview.saving {
		out += "\n " + m.styles.Text.Render("Saving "+filepath.Base(m.preview.path)+"…")
	}
	// The summary has no detail band: a question of the save (an
	// encoding the file cannot hold) draws above it, never cut.
	if dlg := m.detailDialog(); dlg != nil {
		out = strings.Join(dlg.view(m.styles, l.Width), "\n") + "\n" + out
	}
	return out
}

// keys are the summary's, with ctrl+s while the file has unsaved edits
// (the preview, where it is otherwise, is behind the import).
func (s *summaryScreen) keys(m *Model) bindings {
	b := s.bindings(m.keys)
	if m.unsaved() && !m.preview.saving {
		b = append(b[:len(b)-1:len(b)-1], m.keys.Preview.Save, b[len(b)-1])
	}
	return b
}
func (s *summaryScreen) textEntry() bool       { return false }
func (s *summaryScreen) resize(w, body, _ int) { s.setSize(w, body) }
func (s *summaryScreen) title() string {
	if s.kind == applyRollback {
		return "Rollback summary"
	}
	return ""
}
