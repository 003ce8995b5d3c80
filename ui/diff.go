package ui

import (
	"context"
	"errors"
	"maps"
	"slices"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"usersync/csvfile"
	"usersync/sync"
)

// groupOrder is the order actions are listed in: writes first.
var groupOrder = []sync.Action{sync.Create, sync.Update, sync.Deactivate, sync.Skip, sync.Unchanged}

// diffScreen is the dry run: what an apply would do, row by row, before
// anything is sent. Its drawing is in diff_view.go, its confirmation in
// diff_confirm.go, search and filters in diff_search.go.
type diffScreen struct {
	busy  bool
	job   int
	phase string
	spin  spinner.Model

	existing []sync.User // the listing the plan was made from (read-only)
	rollback *sync.Run   // set when the plan undoes this run
	plan     *sync.Plan
	opts     sync.PlanOptions
	bulk     bool
	// mail is whether the target's creates send a registration mail
	// (its schema says: coursedog's do, ccai's do not).
	mail   bool
	schema *csvfile.Schema // for field order and the names of IDs
	// names are the names of the IDs of fields that hold IDs (role IDs),
	// by field key then ID, from the schema.
	names map[string]map[string]string

	groups    map[sync.Action][]int // plan row indexes per action
	collapsed map[sync.Action]bool
	open      map[int]bool // plan rows expanded to field changes
	created   map[int][]sync.Change
	items     []diffItem
	cursor    int
	offset    int

	// Filters: one action ("" for all) and one field key ("" for all).
	onlyAction sync.Action
	onlyField  string
	search     string

	err      string
	exported string

	width, height, detailHeight int
}

type itemKind uint8

const (
	itemGroup itemKind = iota
	itemRow
	itemChange
)

// diffItem is one line of the list: a group header, a row, or one change
// of an expanded row.
type diffItem struct {
	kind   itemKind
	action sync.Action
	row    int32 // plan row index
	change int32
}

// usersListedMsg carries the target's users for the plan.
type usersListedMsg struct {
	job   int
	users []sync.User
	err   error
}

// plannedMsg is a plan computed off the UI goroutine.
type plannedMsg struct {
	job  int
	plan *sync.Plan
	err  error
}

type planExportedMsg struct {
	job  int
	path string
	err  error
}

func (d *diffScreen) setSize(w, body, detail int) {
	d.width, d.height, d.detailHeight = w, body, detail
	d.scrollIntoView()
}

func (d *diffScreen) updateComponents(msg tea.Msg) tea.Cmd {
	if !d.busy {
		return nil
	}
	var cmd tea.Cmd
	d.spin, cmd = d.spin.Update(msg)
	return cmd
}

// startPlan lists the users (once per file) and plans, from commands.
func (m *Model) startPlan() tea.Cmd {
	p := &m.preview
	d := &m.diff
	if d.spin.ID() == 0 {
		d.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
		d.opts.Mail = true // the vendor's default: new users get the registration mail
		d.collapsed = map[sync.Action]bool{sync.Unchanged: true}
	}
	d.opts.Exclude, d.opts.Why = p.leftOut(), p.leftOutWhy()
	d.mail = m.session.Schema != nil && m.session.Schema.Mail
	d.schema = m.session.Schema
	d.names = idNames(d.schema)
	d.err, d.exported = "", ""
	m.setState(ScreenDiff)
	if d.existing != nil {
		return m.plan()
	}
	ctx := m.startCancellable()
	job := m.nextJob()
	d.busy, d.job, d.phase = true, job, "Reading the users that already exist"
	b, sess := m.backend, *m.session
	list := func() tea.Msg {
		users, err := b.ExistingUsers(ctx, sess)
		return usersListedMsg{job: job, users: users, err: err}
	}
	return tea.Batch(list, d.spin.Tick)
}

func (m *Model) applyUsersListed(msg usersListedMsg) tea.Cmd {
	d := &m.diff
	if msg.job != d.job {
		return nil
	}
	m.cancel = nil
	if msg.err != nil {
		d.busy = false
		if errors.Is(msg.err, context.Canceled) {
			return nil
		}
		d.err = "Could not read the existing users: " + msg.err.Error()
		if cmd, ended := m.sessionEnded(msg.err); ended {
			return cmd
		}
		return nil
	}
	if msg.users == nil {
		msg.users = []sync.User{}
	}
	d.existing = msg.users
	return m.plan()
}

// plan computes the plan in a command, from a snapshot of the rows: the
// operator may go back and edit or save meanwhile (the plan, made from the
// rows as they were, is then dropped by its job id).
func (m *Model) plan() tea.Cmd {
	d := &m.diff
	job := m.nextJob()
	d.busy, d.job, d.phase = true, job, "Planning"
	target := m.session.Target.Name()
	f, v := m.preview.ed.Snapshot()
	users, opts := d.existing, d.opts
	opts.Exclude, opts.Why = slices.Clone(opts.Exclude), maps.Clone(opts.Why)
	plan := func() tea.Msg {
		p, err := sync.NewPlan(target, f, v, users, opts)
		return plannedMsg{job: job, plan: p, err: err}
	}
	return tea.Batch(plan, d.spin.Tick)
}

func (m *Model) applyPlanned(msg plannedMsg) tea.Cmd {
	d := &m.diff
	if msg.job != d.job {
		return nil
	}
	d.busy = false
	if d.rollback != nil {
		m.cancel = nil
	}
	if msg.err != nil {
		if cmd, ended := m.sessionEnded(msg.err); ended {
			d.err = "Could not plan: " + msg.err.Error()
			return cmd
		}
		var lim *sync.DeactivateLimitError
		if errors.As(msg.err, &lim) {
			d.err = "The plan would deactivate " + count(lim.Count) + " users, more than the limit of " + count(lim.Max) + "; nothing will be sent."
		} else {
			d.err = "Could not plan: " + msg.err.Error()
		}
		return nil
	}
	// A plan made again (mail or replace toggled, the file fixed) keeps
	// the cursor on its row and the rows expanded, when its rows are the
	// same; a plan of other rows starts at the top.
	same := d.plan != nil && len(d.plan.Rows) == len(msg.plan.Rows)
	at := d.cursorRow()
	d.plan = msg.plan
	d.groups = map[sync.Action][]int{}
	for i, r := range d.plan.Rows {
		d.groups[r.Action] = append(d.groups[r.Action], i)
	}
	d.created = map[int][]sync.Change{}
	if !same || d.open == nil {
		d.open = map[int]bool{}
		d.onlyAction, d.onlyField = "", ""
		d.cursor, d.offset, at = 0, 0, -1
	}
	if d.collapsed == nil {
		d.collapsed = map[sync.Action]bool{sync.Unchanged: true}
	}
	d.rebuild()
	if at >= 0 {
		d.cursorTo(at)
	}
	return nil
}

// rebuild flattens groups, rows and open changes into the list, as the
// filters allow.
func (d *diffScreen) rebuild() {
	d.items = d.items[:0]
	for _, a := range groupOrder {
		if d.onlyAction != "" && a != d.onlyAction {
			continue
		}
		rows := d.groups[a]
		if d.onlyField != "" {
			rows = d.withField(rows)
		}
		if len(rows) == 0 {
			continue
		}
		d.items = append(d.items, diffItem{kind: itemGroup, action: a})
		if d.collapsed[a] {
			continue
		}
		for _, i := range rows {
			d.items = append(d.items, diffItem{kind: itemRow, action: a, row: int32(i)})
			if d.open[i] {
				for c := range d.changesOf(i) {
					d.items = append(d.items, diffItem{kind: itemChange, action: a, row: int32(i), change: int32(c)})
				}
			}
		}
	}
	d.scrollIntoView()
}

func (d *diffScreen) listRows() int { return max(d.height-len(d.headLines(Styles{}, nil, false)), 1) }

func (d *diffScreen) scrollIntoView() {
	d.cursor = min(max(d.cursor, 0), max(len(d.items)-1, 0))
	rows := d.listRows()
	if d.cursor < d.offset {
		d.offset = d.cursor
	}
	if d.cursor >= d.offset+rows {
		d.offset = d.cursor - rows + 1
	}
	d.offset = min(max(d.offset, 0), max(len(d.items)-rows, 0))
}

func (d diffScreen) bindings(k KeyMap, bulkOK bool) bindings {
	switch {
	case d.busy:
		return bindings{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")), k.Global.Quit}
	}
	dk := k.Diff
	b := bindings{dk.Apply, dk.Expand, dk.ExpandAll, dk.CollapseAll, dk.Search, dk.NextMatch, dk.GoToLine,
		dk.FilterAction, dk.FilterField}
	if d.rollback == nil {
		if d.mail {
			b = append(b, dk.Mail)
		}
		b = append(b, dk.Replace)
		if bulkOK {
			b = append(b, dk.Bulk)
		}
	}
	return append(b, dk.Export, dk.Up, dk.Down, dk.PageUp, dk.PageDown, dk.Top, dk.Bottom, k.Global.Back, k.Global.Quit)
}

func (m *Model) canBulk() bool {
	if m.session == nil {
		return false
	}
	_, ok := m.session.Target.(sync.BulkReplacer)
	return ok
}

func (m *Model) handleDiffKey(msg tea.KeyPressMsg) tea.Cmd {
	d := &m.diff
	k := m.keys
	if key.Matches(msg, k.Global.Quit) {
		return m.quit()
	}
	back := ScreenPreview
	if d.rollback != nil {
		back = ScreenSummary
	}
	if d.busy {
		if key.Matches(msg, k.Global.Back) {
			m.stopJob()
			d.busy, d.job = false, 0
			m.setState(back)
		}
		return nil
	}
	if d.rollback != nil && key.Matches(msg, k.Diff.Mail, k.Diff.Replace, k.Diff.Bulk) {
		return m.setStatus(sevInfo, "A rollback restores exactly what the backup holds: nothing to choose.")
	}
	dk := k.Diff
	switch {
	case key.Matches(msg, k.Global.Back):
		m.setState(back)
		return nil
	case d.plan == nil:
		if key.Matches(msg, dk.Apply) {
			if d.rollback != nil {
				return m.startRollbackPlan(d.rollback)
			}
			return m.startPlan() // try again after an error
		}
		return nil
	case dk.ListKeys.Matches(msg):
		d.cursor = dk.Move(msg, d.cursor, d.listRows(), len(d.items))
	case key.Matches(msg, dk.Expand):
		d.toggle()
	case key.Matches(msg, dk.ExpandAll):
		d.expandAll(true)
	case key.Matches(msg, dk.CollapseAll):
		d.expandAll(false)
	case key.Matches(msg, dk.FilterAction):
		d.nextActionFilter()
	case key.Matches(msg, dk.FilterField):
		d.nextFieldFilter()
	case key.Matches(msg, dk.Search):
		return m.openDiffPrompt(promptSearch)
	case key.Matches(msg, dk.NextMatch):
		return m.searchDiff(d.search, false)
	case key.Matches(msg, dk.PrevMatch):
		return m.searchDiff(d.search, true)
	case key.Matches(msg, dk.GoToLine):
		return m.openDiffPrompt(promptLine)
	case key.Matches(msg, dk.Mail) && d.mail:
		d.opts.Mail = !d.opts.Mail
		return m.plan()
	case key.Matches(msg, dk.Replace):
		d.opts.Replace = !d.opts.Replace
		return m.plan()
	case key.Matches(msg, dk.Bulk) && m.canBulk():
		// Bulk is one of the plan's options, like mail: the plan (and the
		// run's record) carries it, so a resume keeps it.
		d.bulk = !d.bulk
		d.opts.Bulk = d.bulk
		if d.bulk {
			return tea.Batch(m.setStatus(sevWarn, "Bulk mode: one PUT of every user after a backup; refused if users appeared, vanished or changed since the plan."), m.plan())
		}
		return tea.Batch(m.setStatus(sevInfo, "Per-user mode: one request per changed user."), m.plan())
	case key.Matches(msg, dk.Export):
		return m.exportPlan()
	case key.Matches(msg, dk.Apply):
		if d.plan.Counts.Writes() == 0 {
			return m.setStatus(sevOK, "Nothing to send: every user is already up to date.")
		}
		return m.confirmApply()
	}
	d.scrollIntoView()
	return nil
}

// The dry run as a page of the root model.

func (d *diffScreen) handleKey(m *Model, msg tea.KeyPressMsg) tea.Cmd { return m.handleDiffKey(msg) }
func (d *diffScreen) handlePaste(tea.PasteMsg) tea.Cmd                { return nil }
func (d *diffScreen) body(m *Model, l Layout) string {
	return d.view(m.styles, m.session, m.canBulk(), l.Width, l.Body)
}
func (d *diffScreen) detail(m *Model, dlg dialog, l Layout) string {
	return d.detailView(m.styles, m.keys.Diff, dlg, l.Width, l.Detail)
}
func (d *diffScreen) hasDetail() bool            { return true }
func (d *diffScreen) keys(m *Model) bindings     { return d.bindings(m.keys, m.canBulk()) }
func (d *diffScreen) textEntry() bool            { return false }
func (d *diffScreen) resize(w, body, detail int) { d.setSize(w, body, detail) }
func (d *diffScreen) title() string {
	if d.rollback != nil {
		return "Rollback plan"
	}
	return ""
}
