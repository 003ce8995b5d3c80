package ui

import (
	"context"
	"errors"
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

// groupOrder is the order actions are listed in: writes first.
var groupOrder = []sync.Action{sync.Create, sync.Update, sync.Deactivate, sync.Skip, sync.Unchanged}

// diffScreen is the dry run: what an apply would do, row by row, before
// anything is sent.
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
	mail bool

	groups    map[sync.Action][]int // plan row indexes per action
	collapsed map[sync.Action]bool
	open      map[int]bool // plan rows expanded to field changes
	items     []diffItem
	cursor    int
	offset    int

	confirming bool
	typed      textinput.Model // Production: the School ID, typed
	err        string
	exported   string

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
	job      int
	plan     *sync.Plan
	err      error
	readFile bool // the job read the preview's file (not a rollback plan)
}

type planExportedMsg struct {
	job  int
	path string
	err  error
}

func (d *diffScreen) setStyles(isDark bool) {
	d.typed.SetStyles(textinput.DefaultStyles(isDark))
}

func (d *diffScreen) setSize(w, body, detail int) {
	d.width, d.height, d.detailHeight = w, body, detail
	d.scrollIntoView()
}

func (d *diffScreen) updateComponents(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	var cmd tea.Cmd
	if d.busy {
		d.spin, cmd = d.spin.Update(msg)
		cmds = append(cmds, cmd)
	}
	if d.confirming {
		d.typed, cmd = d.typed.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

func (d *diffScreen) paste(msg tea.PasteMsg) tea.Cmd {
	if !d.confirming {
		return nil
	}
	var cmd tea.Cmd
	d.typed, cmd = d.typed.Update(msg)
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
	d.opts.Exclude = p.exclusions()
	d.mail = m.session.Schema != nil && m.session.Schema.Mail
	d.err, d.confirming, d.exported = "", false, ""
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

// plan computes the plan in a command. The file is only read meanwhile:
// the preview refuses edits while d.busy.
func (m *Model) plan() tea.Cmd {
	d := &m.diff
	job := m.nextJob()
	d.busy, d.job, d.phase = true, job, "Planning"
	target := m.session.Target.Name()
	f, v, users, opts := m.preview.file, m.preview.v, d.existing, d.opts
	opts.Exclude = append([]int(nil), opts.Exclude...)
	// The plan reads the file until it reports back, even if nobody waits
	// for it any more: the preview allows no edit until then.
	m.preview.readers++
	plan := func() tea.Msg {
		p, err := sync.NewPlan(target, f, v, users, opts)
		return plannedMsg{job: job, plan: p, err: err, readFile: true}
	}
	return tea.Batch(plan, d.spin.Tick)
}

func (m *Model) applyPlanned(msg plannedMsg) tea.Cmd {
	d := &m.diff
	if msg.readFile && m.preview.readers > 0 {
		m.preview.readers--
	}
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
	d.plan = msg.plan
	d.groups = map[sync.Action][]int{}
	for i, r := range d.plan.Rows {
		d.groups[r.Action] = append(d.groups[r.Action], i)
	}
	d.open = map[int]bool{}
	d.rebuild()
	d.cursor, d.offset = 0, 0
	return nil
}

// rebuild flattens groups, rows and open changes into the list.
func (d *diffScreen) rebuild() {
	d.items = d.items[:0]
	for _, a := range groupOrder {
		rows := d.groups[a]
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
				for c := range d.plan.Rows[i].Changes {
					d.items = append(d.items, diffItem{kind: itemChange, action: a, row: int32(i), change: int32(c)})
				}
			}
		}
	}
	d.scrollIntoView()
}

func (d *diffScreen) listRows() int { return max(d.height-2, 1) }

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

// toggle expands or collapses the group or row under the cursor.
func (d *diffScreen) toggle() {
	if len(d.items) == 0 {
		return
	}
	it := d.items[d.cursor]
	switch it.kind {
	case itemGroup:
		d.collapsed[it.action] = !d.collapsed[it.action]
	case itemRow, itemChange:
		i := int(it.row)
		if len(d.plan.Rows[i].Changes) == 0 {
			return
		}
		d.open[i] = !d.open[i]
		// Keep the cursor on the row itself.
		for d.cursor > 0 && d.items[d.cursor].kind == itemChange {
			d.cursor--
		}
	}
	d.rebuild()
}

func (d diffScreen) bindings(k KeyMap, bulkOK bool) bindings {
	switch {
	case d.busy:
		return bindings{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")), k.Global.Quit}
	case d.confirming:
		return bindings{k.Confirm.Yes, k.Confirm.No}
	}
	if d.rollback != nil {
		return bindings{k.Diff.Apply, k.Diff.Expand, k.Diff.Export, k.Diff.Down, k.Global.Back, k.Global.Quit}
	}
	b := bindings{k.Diff.Apply, k.Diff.Expand}
	if d.mail {
		b = append(b, k.Diff.Mail)
	}
	b = append(b, k.Diff.Replace)
	if bulkOK {
		b = append(b, k.Diff.Bulk)
	}
	return append(b, k.Diff.Export, k.Diff.Down, k.Global.Back, k.Global.Quit)
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
	if d.confirming {
		return m.handleConfirmKey(msg)
	}
	if d.rollback != nil && key.Matches(msg, k.Diff.Mail, k.Diff.Replace, k.Diff.Bulk) {
		return m.setStatus(sevInfo, "A rollback restores exactly what the backup holds: nothing to choose.")
	}
	switch {
	case key.Matches(msg, k.Global.Back):
		m.setState(back)
		return nil
	case d.plan == nil:
		if key.Matches(msg, k.Diff.Apply) {
			if d.rollback != nil {
				return m.startRollbackPlan(d.rollback)
			}
			return m.startPlan() // try again after an error
		}
		return nil
	case key.Matches(msg, k.Diff.Up):
		d.cursor--
	case key.Matches(msg, k.Diff.Down):
		d.cursor++
	case key.Matches(msg, k.Diff.PageUp):
		d.cursor -= d.listRows()
	case key.Matches(msg, k.Diff.PageDown):
		d.cursor += d.listRows()
	case key.Matches(msg, k.Diff.Expand):
		d.toggle()
	case key.Matches(msg, k.Diff.Mail) && d.mail:
		d.opts.Mail = !d.opts.Mail
		return m.plan()
	case key.Matches(msg, k.Diff.Replace):
		d.opts.Replace = !d.opts.Replace
		return m.plan()
	case key.Matches(msg, k.Diff.Bulk) && m.canBulk():
		// Bulk is one of the plan's options, like mail: the plan (and the
		// run's record) carries it, so a resume keeps it.
		d.bulk = !d.bulk
		d.opts.Bulk = d.bulk
		if d.bulk {
			return tea.Batch(m.setStatus(sevWarn, "Bulk mode: one PUT of every user after a backup; refused if users appeared, vanished or changed since the plan."), m.plan())
		}
		return tea.Batch(m.setStatus(sevInfo, "Per-user mode: one request per changed user."), m.plan())
	case key.Matches(msg, k.Diff.Export):
		return m.exportPlan()
	case key.Matches(msg, k.Diff.Apply):
		if d.plan.Counts.Writes() == 0 {
			return m.setStatus(sevOK, "Nothing to send: every user is already up to date.")
		}
		d.confirming = true
		d.typed = textinput.New()
		d.typed.Prompt = ""
		d.typed.Placeholder = m.session.Account
		d.typed.SetWidth(30)
		d.setStyles(m.isDark)
		if m.session.Production {
			return d.typed.Focus()
		}
		return nil
	}
	d.scrollIntoView()
	return nil
}

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
	m.diff = diffScreen{busy: true, job: job, phase: "Planning the rollback", rollback: run,
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

// whatWillHappen says exactly what an apply of p does, in numbers.
func whatWillHappen(p *sync.Plan, sess *Session, bulk, mail bool) string {
	c := p.Counts
	if p.Mode == sync.KindRollback {
		return plural(c.Deactivate, "user the import created deactivated", "users the import created deactivated") + ", " +
			plural(c.Update, "user it updated restored", "users it updated restored") + " to the backed-up values in " +
			sess.Target.Name() + " " + sess.Env.String() + " (" + sess.Account + "). " +
			plural(c.Skip, "user", "users") + " left alone, " + count(c.Unchanged) + " already undone."
	}
	var parts []string
	if c.Create > 0 {
		s := plural(c.Create, "user created", "users created")
		switch {
		case !mail:
		case c.Mails > 0:
			s += " (" + plural(c.Mails, "registration email", "registration emails") + " sent)"
		default:
			s += " (no registration email)"
		}
		parts = append(parts, s)
	}
	if c.Update > 0 {
		parts = append(parts, plural(c.Update, "user updated", "users updated"))
	}
	if c.Deactivate > 0 {
		parts = append(parts, plural(c.Deactivate, "user deactivated", "users deactivated"))
	}
	s := strings.Join(parts, ", ")
	if s == "" {
		s = "nothing"
	}
	where := sess.Target.Name() + " " + sess.Env.String() + " (" + sess.Account + ")"
	s += " in " + where + "."
	if c.Skip > 0 || c.Unchanged > 0 {
		s += " " + plural(c.Skip, "row", "rows") + " skipped, " + count(c.Unchanged) + " unchanged."
	}
	if p.Options.Replace {
		s += " Replace mode: lists become exactly what the file says."
	}
	if bulk {
		s += " Bulk mode: the users are read again, then all " + count(p.ExistingUsers+c.Create) +
			" are sent in one PUT (those the file does not change exactly as read); it is refused if any user" +
			" appeared, vanished or changed since this plan, or if fewer users would be sent than the server has."
	}
	return s
}

func (d diffScreen) view(st Styles, sess *Session, bulkOK bool, w, h int) string {
	var b strings.Builder
	if d.busy {
		b.WriteString("\n  " + d.spin.View() + " " + st.Text.Render(d.phase+"…") + "\n\n" + st.Muted.Render("  esc goes back to the preview"))
		return b.String()
	}
	if d.plan == nil {
		if d.err != "" {
			b.WriteString("\n  " + st.Error.Render("✗ "+wrap(d.err, max(w-6, 20), "    ")) + "\n\n" + st.Muted.Render("  enter tries again; esc goes back to the preview"))
		}
		return b.String()
	}
	c := d.plan.Counts
	b.WriteString(" " + st.OK.Render("+ "+count(c.Create)+" create") + st.Muted.Render(" · ") +
		st.Warn.Render("~ "+count(c.Update)+" update") + st.Muted.Render(" · ") +
		st.Bad.Render("- "+count(c.Deactivate)+" deactivate") + st.Muted.Render(" · ") +
		st.Muted.Render("= "+count(c.Unchanged)+" unchanged · ⊘ "+count(c.Skip)+" skipped"))
	b.WriteString("\n ")
	switch {
	case d.rollback != nil:
		b.WriteString(st.Warn.Render("Rollback of the import: updated users get their backed-up fields back, created users are deactivated (never deleted)."))
	default:
		if d.mail {
			b.WriteString(toggleView(st, "mail", d.opts.Mail, count(c.Mails)+" registration emails") + "  ")
		}
		b.WriteString(toggleView(st, "replace", d.opts.Replace, "lists exactly as the file"))
		if bulkOK {
			b.WriteString("  " + toggleView(st, "bulk", d.bulk, "one PUT of all users"))
		}
	}
	rows := d.listRows()
	for pos := d.offset; pos < len(d.items) && pos < d.offset+rows; pos++ {
		b.WriteString("\n" + d.renderItem(st, d.items[pos], pos == d.cursor, w))
	}
	return b.String()
}

func toggleView(st Styles, name string, on bool, what string) string {
	if on {
		return st.Accent.Render("["+"x] "+name) + st.Muted.Render(": "+what)
	}
	return st.Muted.Render("[ ] " + name)
}

var actionMarks = map[sync.Action]string{
	sync.Create: "+", sync.Update: "~", sync.Deactivate: "-", sync.Skip: "⊘", sync.Unchanged: "=",
}

func (d *diffScreen) renderItem(st Styles, it diffItem, selected bool, w int) string {
	style := st.Text
	switch it.action {
	case sync.Create:
		style = st.OK
	case sync.Update:
		style = st.Warn
	case sync.Deactivate, sync.Skip:
		style = st.Bad
	case sync.Unchanged:
		style = st.Muted
	}
	var line string
	switch it.kind {
	case itemGroup:
		arrow := "▾"
		if d.collapsed[it.action] {
			arrow = "▸"
		}
		line = style.Render(arrow+" "+groupTitle(it.action)) + st.Muted.Render(" ("+count(len(d.groups[it.action]))+")")
	case itemRow:
		r := d.plan.Rows[it.row]
		where := "line " + itoa(r.Line)
		if r.Line == 0 {
			where = "not in file"
		}
		arrow := " "
		if len(r.Changes) > 0 {
			arrow = "▸"
			if d.open[int(it.row)] {
				arrow = "▾"
			}
		}
		line = "  " + st.Muted.Render(arrow) + " " + style.Render(actionMarks[r.Action]) + " " +
			st.Text.Render(padRight(r.Email, 32)) + " " + st.Muted.Render(padRight(where, 12))
		switch {
		case r.Action == sync.Update:
			line += st.Muted.Render(changedFields(r.Changes))
		case r.Action == sync.Skip:
			line += st.Bad.Render(strings.Join(r.Reasons, "; "))
		case r.Mail && d.mail:
			line += st.Muted.Render("registration email")
		}
	case itemChange:
		ch := d.plan.Rows[it.row].Changes[it.change]
		line = "      " + st.Label.Render(padRight(ch.Header, 22)) + " " + changeText(st, ch)
	}
	// The cursor is a character too, so it shows without colour.
	if selected {
		return st.SelectedRow.Render(padVisible(st.Focused.Render("›")+line, w))
	}
	return " " + line
}

func groupTitle(a sync.Action) string {
	switch a {
	case sync.Create:
		return "Create"
	case sync.Update:
		return "Update"
	case sync.Deactivate:
		return "Deactivate"
	case sync.Skip:
		return "Skipped"
	}
	return "Unchanged"
}

func changedFields(cs []sync.Change) string {
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.Header)
	}
	return strings.Join(names, ", ")
}

// changeText shows one change as old → new; for a list it shows what is
// added and removed, which a long list would otherwise hide.
func changeText(st Styles, c sync.Change) string {
	old, new := splitList(c.Old), splitList(c.New)
	if len(old) > 1 || len(new) > 1 {
		var parts []string
		for _, v := range new {
			if !slices.Contains(old, v) {
				parts = append(parts, st.OK.Render("+ "+v))
			}
		}
		for _, v := range old {
			if !slices.Contains(new, v) {
				parts = append(parts, st.Bad.Render("− "+v))
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, "  ") + st.Muted.Render("  ("+orNone(c.Old)+" → "+orNone(c.New)+")")
		}
	}
	return st.Bad.Render(orNone(c.Old)) + st.Muted.Render(" → ") + st.OK.Render(orNone(c.New))
}

// splitList splits a list field as the plan joins it (", ").
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(blank)"
	}
	return s
}

// detailView shows the confirmation, or the selected row's changes.
func (d diffScreen) detailView(st Styles, sess *Session, bulk bool, w, h int) string {
	var lines []string
	title := "Details"
	if d.confirming {
		title = "Confirm"
	}
	lines = append(lines, st.Pane.Width(w).Render(st.Label.Render(title)))
	switch {
	case d.plan == nil:
	case d.confirming:
		what := "This will: "
		if d.rollback != nil {
			what = "Rolling back, this will: "
		}
		lines = append(lines, " "+st.Text.Render(wrap(what+whatWillHappen(d.plan, sess, bulk, d.mail), max(w-3, 20), " ")))
		if sess.Production {
			lines = append(lines, " "+st.Prod.Render(" PRODUCTION ")+st.Bad.Render(" Type the School ID to apply: ")+d.typed.View())
			if d.err != "" {
				lines = append(lines, " "+st.Error.Render("✗ "+d.err))
			}
		} else {
			lines = append(lines, " "+st.Focused.Render("y")+st.Text.Render(" apply now   ")+st.Focused.Render("n")+st.Text.Render(" not yet"))
		}
	case d.exported != "":
		lines = append(lines, st.OK.Render(" ✓ plan written to "+d.exported))
		fallthrough
	default:
		if len(d.items) == 0 {
			break
		}
		it := d.items[d.cursor]
		if it.kind == itemGroup {
			help := groupHelp(it.action, d.opts, d.mail)
			if d.rollback != nil {
				help = rollbackGroupHelp(it.action)
			}
			lines = append(lines, st.Muted.Render(" "+help))
			break
		}
		r := d.plan.Rows[it.row]
		lines = append(lines, " "+st.Text.Render(r.Email)+st.Muted.Render(" · "+string(r.Action)))
		for _, c := range r.Changes {
			lines = append(lines, "   "+st.Label.Render(padRight(c.Header, 22))+" "+changeText(st, c))
		}
		for _, reason := range r.Reasons {
			lines = append(lines, "   "+st.Bad.Render(reason))
		}
	}
	return strings.Join(lines, "\n")
}

// rollbackGroupHelp speaks of what the import did, not of the file.
func rollbackGroupHelp(a sync.Action) string {
	switch a {
	case sync.Deactivate:
		return "Users the import created: set Inactive, never deleted."
	case sync.Update:
		return "Users the import updated: the fields it changed go back to the backed-up values."
	case sync.Skip:
		return "Left alone: changed by someone else since the import, gone, or not the import's to undo."
	}
	return "Already as the backup has them: no request is sent."
}

func groupHelp(a sync.Action, o sync.PlanOptions, mail bool) string {
	switch a {
	case sync.Create:
		if !mail {
			return "New users."
		}
		if o.Mail {
			return "New users. Each gets the registration email (m turns it off)."
		}
		return "New users. No registration email is sent (m turns it on)."
	case sync.Update:
		if o.Replace {
			return "Existing users whose fields differ. Replace mode: lists become exactly the file's."
		}
		return "Existing users whose fields differ. Blank cells leave fields as they are; lists only gain."
	case sync.Deactivate:
		return "Existing users the file does not name: set Inactive, never deleted."
	case sync.Skip:
		return "Rows that are not sent: invalid, or excluded in the preview."
	}
	return "Users already as the file says: no request is sent for them."
}
