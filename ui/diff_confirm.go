package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"usersync/sync"
)

// The dry run's confirmation, the rollback plan and the plan export.

func (m *Model) handleConfirmKey(msg tea.KeyPressMsg) tea.Cmd {
	d := &m.diff
	k := m.keys
	if m.session.Production {
		switch {
		case msg.String() == "esc":
			d.confirming = false
			d.typed.Blur()
			return nil
		case msg.String() == "enter":
			if strings.TrimSpace(d.typed.Value()) != m.session.Account {
				d.err = "That is not the School ID. Type " + m.session.Account + " exactly to apply to Production."
				return nil
			}
			d.confirming, d.err = false, ""
			return m.confirmedApply()
		}
		var cmd tea.Cmd
		d.typed, cmd = d.typed.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Confirm.Yes):
		d.confirming = false
		return m.confirmedApply()
	case key.Matches(msg, k.Confirm.No):
		d.confirming = false
	}
	return nil
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
