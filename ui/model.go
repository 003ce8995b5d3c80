// Package ui is the guided import: a Bubble Tea program that walks the
// operator from login to summary. One root Model routes between screens
// (plain structs, one file each); every I/O happens in a tea.Cmd through the
// Backend, and results come back as typed, past-tense messages carrying the
// id of the job that produced them, so late answers are dropped.
package ui

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"usersync/sync"
)

// Screen is one step of the guided import.
type Screen int

const (
	ScreenLogin Screen = iota
	ScreenFile
	ScreenMapping
	ScreenPreview
	ScreenDiff
	ScreenProgress
	ScreenSummary
)

func (s Screen) String() string {
	return [...]string{"Sign in", "Choose a file", "Map columns", "Preview", "Dry run", "Applying", "Summary"}[s]
}

// step is the screen's place in the six steps the header counts.
func (s Screen) step() int {
	return [...]int{1, 2, 2, 3, 4, 5, 6}[s]
}

// Model is the root of the program.
type Model struct {
	backend  Backend
	defaults Defaults
	keys     KeyMap
	styles   Styles
	help     help.Model
	noColor  bool
	isDark   bool

	width, height int
	layout        Layout
	screen        Screen

	// jobSeq numbers every asynchronous job; results name theirs, and a
	// screen keeps the id it waits for, so a result nobody waits for any
	// more (the operator went back, or started again) is dropped.
	jobSeq int
	// cancel stops the job in flight that can be stopped (login, file
	// read, listing users, apply); nil when none runs.
	cancel context.CancelFunc

	status   status
	session  *Session
	journals []string // the journals of the last import (its run and retries)
	// dialogs are the modals open over the screen (dialog.go): the top
	// one takes the keys.
	dialogs dialogStack

	login    loginScreen
	file     fileScreen
	mapping  mappingScreen
	preview  previewScreen
	diff     diffScreen
	progress progressScreen
	summary  summaryScreen
}

// New builds the root model. noColor drops every colour (NO_COLOR). The
// model is used through a pointer: it holds a dozen text inputs, and
// copying them on every message would cost more than drawing a frame.
func New(b Backend, d Defaults, noColor bool) *Model {
	if d.Now == nil {
		d.Now = time.Now
	}
	m := Model{
		backend:  b,
		defaults: d,
		keys:     DefaultKeyMap(),
		noColor:  noColor,
		isDark:   true,
		help:     help.New(),
		screen:   ScreenLogin,
	}
	m.applyTheme()
	m.login = newLoginScreen(d, m.styles)
	m.file = newFileScreen(d)
	m.resize(80, 24)
	return &m
}

// Init asks the terminal for its background (to pick the palette) and
// starts the first screen's components.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.login.focusCmd(), m.file.picker.Init())
}

// Screen reports the current screen (tests and the end-to-end run use it).
func (m *Model) Screen() Screen { return m.screen }

// Update only dispatches: each case hands the message to one handler.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m.handleResize(msg)
	case tea.BackgroundColorMsg:
		m.isDark = msg.IsDark()
		m.applyTheme()
		return nil
	case tea.KeyPressMsg:
		if q, ok := m.dialogs.top().(*quitDialog); ok && !key.Matches(msg, q.again) {
			m.closeDialog(q) // another key: the operator keeps working
		}
		if key.Matches(msg, m.keys.Global.Help) && !m.typing() {
			m.help.ShowAll = !m.help.ShowAll
			m.resize(m.width, m.height)
			return nil
		}
		return m.handleKeyPress(msg)
	case tea.PasteMsg:
		return m.handlePaste(msg)
	case statusExpiredMsg:
		m.expireStatus(msg.id)
		return nil
	case loggedInMsg:
		return m.applyLoggedIn(msg)
	case fileOpenedMsg:
		return m.applyFileOpened(msg)
	case mappingSavedMsg:
		return m.applyMappingSaved(msg)
	case validatedMsg:
		return m.applyValidated(msg)
	case fileSavedMsg:
		return m.applyFileSaved(msg)
	case usersListedMsg:
		return m.applyUsersListed(msg)
	case plannedMsg:
		return m.applyPlanned(msg)
	case planExportedMsg:
		return m.applyPlanExported(msg)
	case applyEventMsg:
		return m.applyApplyEvent(msg)
	case appliedMsg:
		return m.applyApplied(msg)
	case reloginAskedMsg:
		return m.applyReloginAsked(msg)
	case reloginMsg:
		return m.applyRelogin(msg)
	case questionAnsweredMsg:
		return m.applyQuestionAnswered(msg)
	case promptAnsweredMsg:
		return m.applyPromptAnswered(msg)
	case applyConfirmedMsg:
		return m.confirmedApply()
	case quitConfirmedMsg:
		m.stopJob()
		return tea.Quit
	case newImportMsg:
		return m.applyNewImport()
	case dirRememberedMsg:
		return nil
	case checkedMsg:
		return m.applyChecked(msg)
	}
	return m.forwardToComponents(msg)
}

// forwardToComponents hands everything else (spinner ticks, the picker's
// directory reads, cursor blinks) to the components that asked for it.
func (m *Model) forwardToComponents(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	cmds = append(cmds, m.login.updateComponents(msg))
	cmds = append(cmds, m.file.updateComponents(msg, m.screen == ScreenFile))
	cmds = append(cmds, m.preview.updateComponents(msg))
	cmds = append(cmds, m.diff.updateComponents(msg))
	if d := m.dialogs.top(); d != nil {
		cmds = append(cmds, d.update(msg))
	}
	return tea.Batch(cmds...)
}

func (m *Model) applyTheme() {
	m.styles = NewStyles(m.isDark, m.noColor)
	m.help.Styles = help.DefaultStyles(m.isDark)
	if m.noColor {
		m.help.Styles = help.Styles{}
	}
	m.login.setStyles(m.styles, m.isDark)
	m.file.setStyles(m.styles, m.isDark)
	m.preview.setStyles(m.isDark)
}

func (m *Model) handleResize(msg tea.WindowSizeMsg) tea.Cmd {
	m.resize(msg.Width, msg.Height)
	return nil
}

// resize recomputes the layout and hands every screen its size, whether it
// shows or not, so going back to a screen draws it at the right size.
func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	m.help.SetWidth(w)
	m.layout = m.computeLayout(m.wantsDetail())
	body := m.computeLayout(false).Body
	detail := m.computeLayout(true)
	for s := ScreenLogin; s <= ScreenSummary; s++ {
		if p := m.pageOf(s); p.hasDetail() {
			p.resize(w, detail.Body, detail.Detail)
		} else {
			p.resize(w, body, 0)
		}
	}
	m.dialogs.setWidth(w)
}

// wantsDetail: the screen has a detail band, and no sign-in again covers it.
func (m *Model) wantsDetail() bool {
	return m.page().hasDetail() && !m.signingInAgain()
}

// computeLayout is the layout for the current help (one line, or all keys).
func (m *Model) computeLayout(wantDetail bool) Layout {
	lines := 1
	if m.help.ShowAll {
		lines = strings.Count(m.helpView(), "\n") + 1
	}
	return ComputeLayoutBands(m.width, m.height, wantDetail, lines, m.status.lines(m.width, m.screen))
}

// setState moves to another screen; the one place screens change.
func (m *Model) setState(s Screen) {
	m.screen = s
	m.resize(m.width, m.height)
}

// typing reports whether keys go into a text field, where ? is a character.
func (m *Model) typing() bool {
	if d := m.dialogs.top(); d != nil {
		return d.typing()
	}
	return m.page().textEntry()
}

// nextJob returns a fresh job id.
func (m *Model) nextJob() int {
	m.jobSeq++
	return m.jobSeq
}

// startCancellable returns a context for a job the operator can stop,
// cancelling any earlier one.
func (m *Model) startCancellable() context.Context {
	m.stopJob()
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	return ctx
}

// stopJob cancels the job in flight, if any.
func (m *Model) stopJob() {
	m.login.stop()
	m.answerRelogin(context.Canceled)
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

// handleKeyPress gives the key to the open dialog, else to the screen.
func (m *Model) handleKeyPress(msg tea.KeyPressMsg) tea.Cmd {
	if d := m.dialogs.top(); d != nil {
		return m.handleDialogKey(d, msg)
	}
	return m.page().handleKey(m, msg)
}

func (m *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	if d := m.dialogs.top(); d != nil {
		return d.update(msg)
	}
	return m.page().handlePaste(msg)
}

// applyPromptAnswered hands a prompt's answer to the screen that asked.
func (m *Model) applyPromptAnswered(msg promptAnsweredMsg) tea.Cmd {
	if msg.owner == ScreenDiff {
		return m.applyDiffPrompt(msg)
	}
	return m.applyPreviewPrompt(msg)
}

// newImportMsg: the summary's o, another import in the same session.
type newImportMsg struct{}

// applyNewImport starts another import: the session stays, the file,
// plan and run go.
func (m *Model) applyNewImport() tea.Cmd {
	m.preview = previewScreen{}
	m.diff = diffScreen{}
	m.summary = summaryScreen{}
	m.journals = nil
	m.file.path.SetValue("")
	m.setState(ScreenFile)
	return m.file.picker.Init()
}

// quit stops any job and ends the program.
func (m *Model) quit() tea.Cmd { return m.quitWith(m.keys.Global.Quit) }

// quitWith is quit by the key k (ctrl+c, or the summary's q): with unsaved
// edits it asks once, and k again quits.
func (m *Model) quitWith(k key.Binding) tea.Cmd {
	if cmd, asked := m.askDiscard(k, quitConfirmedMsg{}, "quits without saving"); asked {
		return cmd
	}
	m.stopJob()
	return tea.Quit
}

// askDiscard asks once before k drops unsaved edits (edits live only in
// memory until saved): asked is false when there is nothing to lose or k
// was pressed already, and then sends what k does.
func (m *Model) askDiscard(k key.Binding, then tea.Msg, what string) (tea.Cmd, bool) {
	if !m.unsaved() || m.quitAsked() {
		return nil, false
	}
	m.openDialog(&quitDialog{again: k, then: then})
	save := "ctrl+s in the preview saves them"
	if m.screen == ScreenPreview || m.screen == ScreenSummary {
		save = "ctrl+s saves them"
	}
	return m.setStatus(sevWarn, "Unsaved edits in "+filepath.Base(m.preview.path)+": "+save+"; "+k.Help().Key+" again "+what+"."), true
}

// unsaved reports whether the open file has edits not written back.
func (m *Model) unsaved() bool {
	if m.preview.saving {
		return true // the save owns the editor until it reports back
	}
	return m.preview.ed != nil && m.preview.ed.Dirty()
}

// View draws header, body, detail, status and help, each band cut to the
// lines the layout gives it, so the frame always fits the terminal.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "usersync · " + m.screenTitle()
	return v
}

func (m *Model) render() string {
	l := m.layout
	var bands []string
	if l.Header > 0 {
		bands = append(bands, fit(m.renderHeader(), l.Width, l.Header))
	}
	if l.Body > 0 {
		bands = append(bands, fit(m.renderBody(l), l.Width, l.Body))
	}
	if l.Detail > 0 {
		bands = append(bands, fit(m.page().detail(m, m.detailDialog(), l), l.Width, l.Detail))
	}
	if l.Status > 0 {
		bands = append(bands, fit(markCut(m.status.render(m.styles, l.Width, m.screen), l.Status, l.Width), l.Width, l.Status))
	}
	if l.Help > 0 {
		bands = append(bands, fit(cutHelp(m.helpView(), l.Help, l.Width), l.Width, l.Help))
	}
	return safeFrame(strings.Join(bands, "\n"))
}

// renderBody draws the screen's body, or the sign-in again over it.
func (m *Model) renderBody(l Layout) string {
	if r, ok := find[*reloginDialog](&m.dialogs); ok {
		return strings.Join(r.view(m.styles, l.Width), "\n")
	}
	return m.page().body(m, l)
}

// renderHeader draws the step and, on the right, where writes go. A
// Production connection is a red, reversed badge on every screen.
func (m *Model) renderHeader() string {
	left := m.styles.Title.Render("usersync") + m.styles.Muted.Render(" › ") +
		m.styles.Text.Render(m.screenTitle()) +
		m.styles.Muted.Render(" · step "+itoa(m.screen.step())+" of 6")
	right := ""
	if m.session != nil {
		right = sessionBadge(m.styles, *m.session)
	} else if m.login.env() == EnvProduction {
		right = m.styles.Prod.Render(" PRODUCTION ")
	}
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

// screenTitle names the screen; a rollback's screens say so.
func (m *Model) screenTitle() string {
	if t := m.page().title(); t != "" {
		return t
	}
	return m.screen.String()
}

// sessionBadge names the connection: target, environment and account.
func sessionBadge(s Styles, sess Session) string {
	name := sess.Target.Name() + " · " + sess.Account
	if sess.Production {
		return s.Prod.Render(" PRODUCTION ") + " " + s.Bad.Render(name)
	}
	return s.Muted.Render(sess.Env.String()+" · ") + s.Text.Render(name)
}

// currentBindings are the keys the help line shows for this screen and
// state: the screen's own, with ? (all keys) second when it is a key.
func (m *Model) currentBindings() bindings {
	b := m.screenBindings()
	if len(b) > 0 && !m.typing() {
		b = append(bindings{b[0], m.keys.Global.Help}, b[1:]...)
	}
	return b
}

// screenBindings are the open dialog's keys, else the screen's.
func (m *Model) screenBindings() bindings {
	// The quit question adds no keys: those of what it is over show.
	for k := len(m.dialogs.open) - 1; k >= 0; k-- {
		if _, quitting := m.dialogs.open[k].(*quitDialog); !quitting {
			return m.dialogs.open[k].bindings(m.keys)
		}
	}
	return m.page().keys(m)
}

// helpView is the help band: one line of the main keys, or with ? every
// key of the screen.
func (m *Model) helpView() string {
	if m.help.ShowAll {
		return fullHelp(m.help.Styles, m.currentBindings(), m.width)
	}
	return m.help.ShortHelpView(m.currentBindings())
}

// cutHelp fits the full help into h lines: what does not fit is said on
// the last line rather than cut without a word.
func cutHelp(s string, h, w int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= h || h < 2 {
		return s
	}
	note := "… more keys: enlarge the terminal"
	if lipgloss.Width(note) > w {
		note = "… more keys"
	}
	return strings.Join(append(lines[:h-1], note), "\n")
}

// markCut keeps the first h lines of s; when it drops some, the last
// kept one ends with "…", so a message is never cut without a mark.
func markCut(s string, h, w int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= h || h < 1 {
		return s
	}
	last := strings.TrimRight(lines[h-1], " ")
	if lipgloss.Width(last)+1 > w {
		last = ansi.Truncate(last, max(w-1, 0), "")
	}
	lines[h-1] = last + "…"
	return strings.Join(lines[:h], "\n")
}

// fit cuts s to w columns and exactly h lines.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, line := range lines {
		// A line no longer in bytes than w columns cannot be wider.
		if len(line) > w && lipgloss.Width(line) > w {
			lines[i] = ansi.Truncate(line, w, "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// LastRun is the result of the last apply, if any (the program's exit code
// follows it).
func (m *Model) LastRun() *sync.Run { return m.summary.run }

// LastRunRolledBack reports whether the last run undid an import.
func (m *Model) LastRunRolledBack() bool { return m.summary.kind == applyRollback }
