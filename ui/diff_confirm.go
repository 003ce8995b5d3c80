package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"usersync/sync"
)

// The dry run's confirmation, the rollback plan and the plan export.

// confirmDialog asks before an apply. What it will do is said in numbers;
// in Production the School ID must be typed, not just y.
type confirmDialog struct {
	what       string // what the apply does, in words
	production bool
	account    string
	typed      textinput.Model
	err        string
}

// applyConfirmedMsg: the operator said yes to the apply.
type applyConfirmedMsg struct{}

func newConfirmDialog(what string, sess *Session, isDark bool) (*confirmDialog, tea.Cmd) {
	c := &confirmDialog{what: what, production: sess.Production, account: sess.Account, typed: textinput.New()}
	c.typed.Prompt = ""
	c.typed.Placeholder = sess.Account
	c.typed.SetWidth(30)
	c.typed.SetStyles(textinput.DefaultStyles(isDark))
	if c.production {
		return c, c.typed.Focus()
	}
	return c, nil
}

func (c *confirmDialog) handleKey(msg tea.KeyPressMsg, k KeyMap) (bool, tea.Msg, tea.Cmd) {
	if c.production {
		switch msg.String() {
		case "esc":
			return true, nil, nil
		case "enter":
			if strings.TrimSpace(c.typed.Value()) != c.account {
				c.err = "That is not the School ID. Type " + c.account + " exactly to apply to Production."
				return false, nil, nil
			}
			return true, applyConfirmedMsg{}, nil
		}
		var cmd tea.Cmd
		c.typed, cmd = c.typed.Update(msg)
		return false, nil, cmd
	}
	switch {
	case key.Matches(msg, k.Confirm.Apply):
		return true, applyConfirmedMsg{}, nil
	case key.Matches(msg, k.Confirm.No):
		return true, nil, nil
	case msg.String() == "enter":
		c.err = "Press y to apply, or n to go back: enter does not confirm an apply."
	}
	return false, nil, nil
}

func (c *confirmDialog) update(msg tea.Msg) tea.Cmd {
	if !c.production {
		return nil
	}
	var cmd tea.Cmd
	c.typed, cmd = c.typed.Update(msg)
	return cmd
}

func (c *confirmDialog) view(st Styles, w int) []string {
	lines := []string{" " + st.Text.Render(wrap(c.what, max(w-3, 20), " "))}
	if !c.production {
		lines = append(lines, " "+st.Focused.Render("y")+st.Text.Render(" apply now   ")+st.Focused.Render("n")+st.Text.Render(" not yet"))
	} else {
		lines = append(lines, " "+st.Prod.Render(" PRODUCTION ")+st.Bad.Render(" Type the School ID to apply: ")+c.typed.View())
	}
	if c.err != "" {
		lines = append(lines, " "+st.Error.Render("✗ "+show(c.err)))
	}
	return lines
}

func (c *confirmDialog) paneTitle() string { return "Confirm" }
func (c *confirmDialog) typing() bool      { return c.production }
func (c *confirmDialog) setWidth(int)      {}
func (c *confirmDialog) bindings(k KeyMap) bindings {
	return bindings{k.Confirm.Apply, k.Confirm.No}
}

// confirmApply opens the confirmation of the dry run's plan.
func (m *Model) confirmApply() tea.Cmd {
	d := &m.diff
	what := "This will: "
	if d.rollback != nil {
		what = "Rolling back, this will: "
	}
	c, cmd := newConfirmDialog(what+whatWillHappen(d.plan, m.session, d.bulk, d.mail, d.rollback != nil), m.session, m.isDark)
	m.openDialog(c)
	return cmd
}

// confirming reports whether the apply's confirmation is open.
func (m *Model) confirming() bool {
	_, ok := find[*confirmDialog](&m.dialogs)
	return ok
}

// confirmedApply starts the apply the operator just confirmed.
func (m *Model) confirmedApply() tea.Cmd {
	d := &m.diff
	if d.rollback != nil {
		return m.startApply(d.plan, applyRollback, m.rollbackPaths(d.rollback.JournalPath))
	}
	return m.startApply(d.plan, applyImport, m.importPaths())
}

// startRollbackPlan plans the undo of run: the journal says what it did,
// the backup what the users were, the target what they are now. The plan
// is shown on the dry-run screen with the same confirmation.
func (m *Model) startRollbackPlan(run *sync.Run) tea.Cmd {
	ctx := m.startCancellable()
	job := m.nextJob()
	m.diff = diffScreen{busy: true, job: job, phase: "Planning the rollback", rollback: run, schema: m.session.Schema, names: idNames(m.session.Schema),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot)), collapsed: map[sync.Action]bool{sync.Unchanged: true}}
	m.diff.setSize(m.preview.width, m.preview.height, m.preview.detailHeight)
	m.setState(ScreenDiff)
	b, sess := m.backend, *m.session
	journals, backup := slices.Clone(m.journals), run.BackupPath
	if len(journals) == 0 {
		journals = []string{run.JournalPath}
	}
	plan := func() tea.Msg {
		j, err := readJournals(journals)
		if err != nil {
			return plannedMsg{job: job, err: err}
		}
		bk, err := sync.ReadBackup(backup)
		if err != nil {
			return plannedMsg{job: job, err: err}
		}
		users, err := b.ExistingUsers(ctx, sess)
		if err != nil {
			return plannedMsg{job: job, err: fmt.Errorf("list existing users: %w", err)}
		}
		p, err := sync.RollbackPlan(j, bk, users, false)
		return plannedMsg{job: job, plan: p, err: err}
	}
	return tea.Batch(plan, m.diff.spin.Tick)
}

// readJournals reads the journals of one import (its run, then each retry)
// as one: a user's latest outcome is what the import left it as.
func readJournals(paths []string) (*sync.JournalState, error) {
	var all *sync.JournalState
	for _, p := range paths {
		st, err := sync.ReadJournal(p)
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = st
			continue
		}
		all.Entries = append(all.Entries, st.Entries...)
		all.InDoubt = append(all.InDoubt, st.InDoubt...)
	}
	return all, nil
}

func (m *Model) exportPlan() tea.Cmd {
	d := &m.diff
	file := m.preview.path
	path := strings.TrimSuffix(file, filepath.Ext(file)) + ".plan.json"
	if d.rollback != nil {
		path = strings.TrimSuffix(d.rollback.JournalPath, filepath.Ext(d.rollback.JournalPath)) + ".rollback-plan.json"
	}
	job := m.nextJob()
	d.job = job
	p := d.plan
	return func() tea.Msg {
		return planExportedMsg{job: job, path: path, err: sync.SavePlan(path, p)}
	}
}

func (m *Model) applyPlanExported(msg planExportedMsg) tea.Cmd {
	if msg.job != m.diff.job {
		return nil
	}
	if msg.err != nil {
		return m.setStatus(sevError, "Plan not exported: "+msg.err.Error())
	}
	m.diff.exported = msg.path
	return m.setStatus(sevOK, "Plan written to "+msg.path+" (usersync apply "+filepath.Base(msg.path)+" --yes applies it).")
}
