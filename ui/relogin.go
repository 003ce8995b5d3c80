package ui

import (
	"context"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"usersync/sync"
)

// The sign-in again, in one place: the target refused the session's token
// (it expired, or a sign-in elsewhere revoked it) while an apply ran, or
// while listing users or planning. A dialog shows the login form over the
// screen, which keeps its work; enter signs in again (an apply's own
// target: the engine waits for the answer, its workers with it), esc
// gives up (an apply then stops, resumably).

// reloginDialog is the sign-in again over the current screen.
type reloginDialog struct {
	form *loginScreen // the login form, shown again
	// reply is the apply waiting for the answer; nil once answered, or
	// when the session ended outside an apply.
	reply chan error
	apply bool // an apply asked: it closes when that apply ends
}

// reloginMsg is what a key on the sign-in again r asks for.
type reloginMsg struct {
	r      *reloginDialog
	action reloginAction
}

type reloginAction int

const (
	reloginSubmit  reloginAction = iota // enter: sign in
	reloginStop                         // esc while signing in: stop that
	reloginDecline                      // esc: do not sign in again
)

func (r *reloginDialog) handleKey(msg tea.KeyPressMsg, k KeyMap) (bool, tea.Msg, tea.Cmd) {
	l := r.form
	switch {
	case l.busy:
		if key.Matches(msg, k.Global.Back) {
			return false, reloginMsg{r, reloginStop}, nil
		}
		return false, nil, nil
	case key.Matches(msg, k.Login.Submit):
		return false, reloginMsg{r, reloginSubmit}, nil
	case key.Matches(msg, k.Global.Back):
		return true, reloginMsg{r, reloginDecline}, nil
	}
	return false, nil, l.handleFormKey(msg, k)
}

// update takes pastes; the form's blinks and spinner reach it as the login
// screen's components.
func (r *reloginDialog) update(msg tea.Msg) tea.Cmd {
	if p, ok := msg.(tea.PasteMsg); ok {
		return r.form.paste(p)
	}
	return nil
}

func (r *reloginDialog) view(st Styles, w int) []string {
	return strings.Split(r.form.view(st, Defaults{}, w, 0), "\n")
}

func (r *reloginDialog) paneTitle() string { return "Sign in again" }
func (r *reloginDialog) typing() bool      { return !r.form.isChoice(r.form.focus) }
func (r *reloginDialog) setWidth(int)      {}
func (r *reloginDialog) bindings(k KeyMap) bindings {
	b := r.form.bindings(k)
	if r.form.busy {
		return b
	}
	what := "keep the session ended"
	if r.reply != nil {
		what = "stop the apply (resumable)"
	}
	return append(b, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", what)))
}

// signingInAgain reports whether the sign-in again is open.
func (m *Model) signingInAgain() bool {
	_, ok := find[*reloginDialog](&m.dialogs)
	return ok
}

// openRelogin opens the sign-in again with why in the form, replacing one
// already open.
func (m *Model) openRelogin(why string, reply chan error) tea.Cmd {
	if r, ok := find[*reloginDialog](&m.dialogs); ok {
		m.dialogs.remove(r)
	}
	l := &m.login
	l.stop()
	l.useSaved = false
	l.err = why
	l.focus = l.firstEmpty()
	m.openDialog(&reloginDialog{form: l, reply: reply, apply: reply != nil})
	return l.focusCmd()
}

// sessionEnded opens the sign-in again when err says the session's token
// was refused. Everything else stays as it is; after the sign-in the
// operator carries on where they were.
func (m *Model) sessionEnded(err error) (tea.Cmd, bool) {
	var se *sync.Error
	if !errors.As(err, &se) || se.Kind != sync.KindUnauthorized || m.session == nil {
		return nil, false
	}
	why := "the token expired or was revoked"
	if se.Msg != "" {
		why = se.Msg
	}
	return m.openRelogin("Your session has ended ("+why+"). Sign in again to carry on; your work is kept.", nil), true
}

// applyReloginAsked: the apply met a refused token and waits for a sign-in.
func (m *Model) applyReloginAsked(msg reloginAskedMsg) tea.Cmd {
	p := &m.progress
	if msg.job != p.job {
		msg.reply <- errors.New("that apply is no longer shown")
		return nil
	}
	cmd := m.openRelogin("The session ended during the apply (its token was refused). Sign in again and the apply carries on; esc stops it (resumable).", msg.reply)
	return tea.Batch(cmd, waitApplyEvent(msg.job, p.ch))
}

// answerRelogin gives the waiting apply its answer, if one waits.
func (m *Model) answerRelogin(err error) {
	for _, d := range m.dialogs.open {
		if r, ok := d.(*reloginDialog); ok {
			r.answer(err)
		}
	}
}

// answer gives the apply waiting for r its answer, once.
func (r *reloginDialog) answer(err error) {
	if r.reply != nil {
		r.reply <- err
		r.reply = nil
	}
}

// endRelogin closes the apply's sign-in again: the apply ended.
func (m *Model) endRelogin() {
	if r, ok := find[*reloginDialog](&m.dialogs); ok && r.apply {
		r.answer(context.Canceled)
		m.login.stop()
		m.closeDialog(r)
	}
}

func (m *Model) applyRelogin(msg reloginMsg) tea.Cmd {
	switch msg.action {
	case reloginSubmit:
		return m.startLogin(msg.r)
	case reloginStop:
		m.login.stop()
		return m.setStatus(sevWarn, "Sign-in cancelled.")
	case reloginDecline:
		// The session stays ended; an apply waiting for it stops, resumably.
		msg.r.answer(errors.New("the operator did not sign in again"))
	}
	return nil
}

// applySignedInAgain carries on after the sign-in again: the apply goes
// on, or the work where the session ended (the dry run is made if it was
// being made). Another account is a new session.
func (m *Model) applySignedInAgain(r *reloginDialog, s Session) tea.Cmd {
	m.closeDialog(r)
	if r.reply != nil {
		r.answer(nil)
		return m.setStatus(sevOK, "Signed in again; the apply carries on.")
	}
	if m.session == nil || m.session.Target.Name() != s.Target.Name() || m.session.Account != s.Account {
		return m.startSession(s)
	}
	m.session = &s
	status := m.setStatus(sevOK, "Signed in again; carrying on.")
	if m.screen == ScreenDiff && m.diff.plan == nil {
		if m.diff.rollback != nil {
			return tea.Batch(status, m.startRollbackPlan(m.diff.rollback))
		}
		return tea.Batch(status, m.startPlan())
	}
	return status
}
