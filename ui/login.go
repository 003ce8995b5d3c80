package ui

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// loggedInMsg is the result of a login job.
type loggedInMsg struct {
	job     int
	session Session
	err     error
	req     LoginRequest // without secrets: only what explains the error
}

func (m *Model) handleLoginKey(msg tea.KeyPressMsg) tea.Cmd {
	l := &m.login
	k := m.keys
	switch {
	case key.Matches(msg, k.Global.Quit):
		return m.quit()
	case l.busy:
		if key.Matches(msg, k.Global.Back) {
			l.stop()
			return m.setStatus(sevWarn, "Sign-in cancelled.")
		}
		return nil
	case key.Matches(msg, k.Login.Submit):
		return m.startLogin(nil)
	}
	// esc: the first screen, nothing to go back to.
	return l.handleFormKey(msg, k)
}

// startLogin checks the form and signs in from a command. again is the
// sign-in again that asked, if any: when an apply waits for it, the
// apply's own target signs in again.
func (m *Model) startLogin(again *reloginDialog) tea.Cmd {
	l := &m.login
	if what := l.missing(); what != "" {
		l.err = "Please fill in " + what + "."
		return l.focusCmd()
	}
	req := l.request()
	// The sign-in has a context of its own: an apply waiting for it must
	// not be stopped by it.
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	job := m.nextJob()
	l.busy, l.job, l.err = true, job, ""
	b := m.backend
	// Only what explains an error travels back: never the password or token.
	explain := LoginRequest{Target: req.Target, Env: req.Env, EnvName: req.EnvName, URL: req.URL, UseSavedToken: req.UseSavedToken}
	for _, fd := range l.desc().Fields {
		if !fd.Secret {
			explain.SetValue(fd.Key, req.Value(fd.Key))
		}
	}
	login := func() tea.Msg {
		s, err := b.Login(ctx, req)
		return loggedInMsg{job: job, session: s, err: err, req: explain}
	}
	if again != nil && again.reply != nil && m.session != nil {
		sess := *m.session
		login = func() tea.Msg {
			err := b.Reauthenticate(ctx, sess, req)
			return loggedInMsg{job: job, session: sess, err: err, req: explain}
		}
	}
	return tea.Batch(login, l.spin.Tick)
}

func (m *Model) applyLoggedIn(msg loggedInMsg) tea.Cmd {
	l := &m.login
	if msg.job != l.job || !l.busy {
		return nil // cancelled or superseded
	}
	l.busy, l.cancel = false, nil
	if msg.err != nil {
		l.err = describeLoginError(msg.err, msg.req, l.sandbox)
		if msg.req.UseSavedToken {
			// The saved token failed: offer the password fields at once.
			l.useSaved = false
			l.focus = l.firstEmpty()
		}
		return l.focusCmd()
	}
	// The password has done its work: it is not kept, even in the form.
	l.inputs[fieldPassword].SetValue("")
	l.inputs[fieldAPIToken].SetValue("")
	if r, ok := find[*reloginDialog](&m.dialogs); ok {
		return m.applySignedInAgain(r, msg.session)
	}
	return m.startSession(msg.session)
}

// startSession begins the work of a new session: the file step.
func (m *Model) startSession(s Session) tea.Cmd {
	m.session = &s
	m.file.setTarget(s.Target.Name())
	m.setState(ScreenFile)
	status := m.setStatus(sevOK, "Signed in to "+s.Target.Name()+" ("+s.Env.String()+", "+s.Account+").")
	check := m.startCheck(s)
	if m.defaults.File != "" && m.file.path.Value() == "" {
		// usersync --sandbox FILE: open the file straight away.
		m.file.path.SetValue(m.defaults.File)
		return tea.Batch(status, check, m.startOpen(m.defaults.File, nil))
	}
	return tea.Batch(status, check, m.file.picker.Init())
}
