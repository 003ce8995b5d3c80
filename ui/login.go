package ui

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"usersync/sync"
	"usersync/sync/targets"
)

// loginField is one row of the login form.
type loginField int

const (
	fieldTarget loginField = iota
	fieldEnv
	fieldURL
	fieldSchool
	fieldSaved
	fieldEmail
	fieldPassword
	fieldTenant
	fieldAPIToken
	fieldCount
)

var fieldLabels = [fieldCount]string{
	"Target", "Environment", "URL", "School ID", "Saved token", "Email", "Password", "Tenant", "API token",
}

// loginScreen asks where to connect and who signs in.
type loginScreen struct {
	targets  []string
	target   int
	envs     []envChoice // offered for the current target
	envIdx   int
	useSaved bool
	saved    bool // a saved token is at hand
	sandbox  string
	inputs   [fieldCount]textinput.Model
	focus    loginField
	spin     spinner.Model
	busy     bool
	job      int
	cancel   context.CancelFunc // stops the sign-in in flight
	err      string
}

// loggedInMsg is the result of a login job.
type loggedInMsg struct {
	job     int
	session Session
	err     error
	req     LoginRequest // without secrets: only what explains the error
}

func newLoginScreen(d Defaults, st Styles) loginScreen {
	l := loginScreen{targets: d.Targets, saved: d.SavedToken, sandbox: d.SandboxURL}
	if len(l.targets) == 0 {
		l.targets = targets.Names()
	}
	if len(l.targets) == 0 {
		l.targets = []string{""} // nothing registered: the form still draws
	}
	for i, t := range l.targets {
		if t == d.Login.Target {
			l.target = i
		}
	}
	for f := range fieldCount {
		ti := textinput.New()
		ti.Prompt = ""
		ti.CharLimit = 512
		l.inputs[f] = ti
	}
	l.inputs[fieldPassword].EchoMode = textinput.EchoPassword
	l.inputs[fieldPassword].EchoCharacter = '•'
	l.inputs[fieldAPIToken].EchoMode = textinput.EchoPassword
	l.inputs[fieldAPIToken].EchoCharacter = '•'
	l.inputs[fieldURL].SetValue(d.Login.URL)
	for k, f := range loginInputs {
		l.inputs[f].SetValue(d.Login.Value(k))
	}
	l.useSaved = d.Login.UseSavedToken && d.SavedToken
	l.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	l.setEnvs()
	for i, e := range l.envs {
		if e.kind == d.Login.Env && (d.Login.EnvName == "" || e.name == d.Login.EnvName) {
			l.envIdx = i
			break
		}
	}
	l.focus = l.firstEmpty()
	l.setStyles(st, true)
	return l
}

// stop cancels the sign-in in flight.
func (l *loginScreen) stop() {
	if l.cancel != nil {
		l.cancel()
		l.cancel = nil
	}
	l.busy, l.job = false, 0
}

func (l *loginScreen) targetName() string { return l.targets[l.target] }

// fields are the rows the form shows, which depend on target and choices.
func (l *loginScreen) fields() []loginField {
	var fs []loginField
	if len(l.targets) > 1 {
		fs = append(fs, fieldTarget)
	}
	fs = append(fs, fieldEnv)
	if l.env() == EnvCustom {
		fs = append(fs, fieldURL)
	}
	d := l.desc()
	for _, fd := range d.Fields {
		if f, ok := loginInputs[fd.Key]; ok && !fd.SignIn {
			fs = append(fs, f)
		}
	}
	if l.savedOffered() {
		fs = append(fs, fieldSaved)
	}
	if !l.useSaved || !l.savedOffered() {
		for _, fd := range d.Fields {
			if f, ok := loginInputs[fd.Key]; ok && fd.SignIn {
				fs = append(fs, f)
			}
		}
	}
	return fs
}

func (l *loginScreen) isChoice(f loginField) bool {
	return f == fieldTarget || f == fieldEnv || f == fieldSaved
}

// firstEmpty is the first text field still blank (or the last field).
func (l *loginScreen) firstEmpty() loginField {
	fs := l.fields()
	for _, f := range fs {
		if !l.isChoice(f) && strings.TrimSpace(l.inputs[f].Value()) == "" {
			return f
		}
	}
	return fs[len(fs)-1]
}

func (l *loginScreen) setStyles(st Styles, isDark bool) {
	for f := range fieldCount {
		s := textinput.DefaultStyles(isDark)
		if st.NoColor {
			s = textinput.Styles{Cursor: s.Cursor}
		}
		l.inputs[f].SetStyles(s)
	}
	l.spin.Style = st.Accent
}

func (l *loginScreen) setSize(w, _ int) {
	for f := range fieldCount {
		l.inputs[f].SetWidth(max(w-22, 10))
	}
}

// focusCmd focuses the current field's input, blurring the others.
func (l *loginScreen) focusCmd() tea.Cmd {
	for f := range fieldCount {
		l.inputs[f].Blur()
	}
	if l.isChoice(l.focus) {
		return nil
	}
	return l.inputs[l.focus].Focus()
}

func (l *loginScreen) move(delta int) tea.Cmd {
	fs := l.fields()
	i := 0
	for j, f := range fs {
		if f == l.focus {
			i = j
		}
	}
	i = (i + delta + len(fs)) % len(fs)
	l.focus = fs[i]
	return l.focusCmd()
}

// choose cycles the focused choice field.
func (l *loginScreen) choose(delta int) {
	switch l.focus {
	case fieldTarget:
		l.target = (l.target + delta + len(l.targets)) % len(l.targets)
		l.setEnvs()
		if !l.savedOffered() {
			l.useSaved = false
		}
	case fieldEnv:
		l.envIdx = (l.envIdx + delta + len(l.envs)) % len(l.envs)
	case fieldSaved:
		l.useSaved = !l.useSaved
	}
}

func (l *loginScreen) request() LoginRequest {
	req := LoginRequest{
		Target:        l.targetName(),
		Env:           l.env(),
		EnvName:       l.envChoice().name,
		URL:           strings.TrimSpace(l.inputs[fieldURL].Value()),
		UseSavedToken: l.useSaved && l.savedOffered(),
	}
	for _, fd := range l.desc().Fields {
		if f, ok := loginInputs[fd.Key]; ok {
			v := l.inputs[f].Value()
			if !fd.Secret {
				v = strings.TrimSpace(v) // passwords may carry spaces
			}
			req.SetValue(fd.Key, v)
		}
	}
	return req
}

// missing names the first blank required field, focusing it.
func (l *loginScreen) missing() string {
	for _, f := range l.fields() {
		if l.isChoice(f) {
			continue
		}
		if strings.TrimSpace(l.inputs[f].Value()) == "" {
			l.focus = f
			return l.label(f)
		}
	}
	if l.env() == EnvCustom {
		raw := strings.TrimSpace(l.inputs[fieldURL].Value())
		u, err := url.Parse(raw)
		isURL := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
		// Some targets also take the platform's domain (uc1.ccaiplatform.com).
		d := l.desc()
		isDomain := d.DomainOK && strings.Contains(raw, ".") && !strings.ContainsAny(raw, "/:@ ")
		if !isURL && !isDomain {
			l.focus = fieldURL
			if d.CustomHint != "" {
				return d.CustomHint
			}
			return "a valid URL (http:// or https://)"
		}
	}
	return ""
}

func (l *loginScreen) updateComponents(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	if l.busy {
		var cmd tea.Cmd
		l.spin, cmd = l.spin.Update(msg)
		cmds = append(cmds, cmd)
	}
	if !l.isChoice(l.focus) {
		var cmd tea.Cmd
		l.inputs[l.focus], cmd = l.inputs[l.focus].Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

func (l *loginScreen) paste(msg tea.PasteMsg) tea.Cmd {
	if l.busy || l.isChoice(l.focus) {
		return nil
	}
	var cmd tea.Cmd
	l.inputs[l.focus], cmd = l.inputs[l.focus].Update(msg)
	return cmd
}

func (l loginScreen) bindings(k KeyMap) bindings {
	if l.busy {
		return bindings{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel sign-in")), k.Global.Quit}
	}
	b := bindings{k.Login.Submit, k.Login.Next, k.Login.Prev}
	if l.isChoice(l.focus) {
		b = append(b, k.Login.Choice)
	}
	return append(b, k.Global.Quit)
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
		return m.startLogin()
	case key.Matches(msg, k.Login.Next):
		return l.move(1)
	case key.Matches(msg, k.Login.Prev):
		return l.move(-1)
	case l.isChoice(l.focus) && key.Matches(msg, k.Login.Choice):
		if msg.String() == "left" {
			l.choose(-1)
		} else {
			l.choose(1)
		}
		return nil
	case l.isChoice(l.focus) && msg.String() == "space":
		l.choose(1)
		return nil
	case key.Matches(msg, k.Global.Back):
		if m.reauthOK {
			// Back to where the session ended (it stays ended); an apply
			// waiting for the sign-in stops, resumably.
			m.reauthOK = false
			m.answerRelogin(errors.New("the operator did not sign in again"))
			m.setState(m.reauth)
		}
		return nil // otherwise the first screen: nothing to go back to
	}
	if l.isChoice(l.focus) {
		return nil
	}
	var cmd tea.Cmd
	l.inputs[l.focus], cmd = l.inputs[l.focus].Update(msg)
	l.err = ""
	return cmd
}

// startLogin checks the form and signs in from a command.
func (m *Model) startLogin() tea.Cmd {
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
	if m.progress.relogin != nil && m.session != nil {
		// An apply waits: sign its own target in again.
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
	s := msg.session
	// The password has done its work: it is not kept, even in the form.
	l.inputs[fieldPassword].SetValue("")
	l.inputs[fieldAPIToken].SetValue("")
	if m.progress.relogin != nil && m.reauthOK && m.reauth == ScreenProgress {
		m.reauthOK = false
		m.answerRelogin(nil)
		m.setState(ScreenProgress)
		return m.setStatus(sevOK, "Signed in again; the apply carries on.")
	}
	if back, ok := m.reauth, m.reauthOK; ok {
		// Signed in again after the session ended: carry on where the
		// operator was, if it is the same directory.
		m.reauthOK = false
		if m.session != nil && m.session.Target.Name() == s.Target.Name() && m.session.Account == s.Account {
			m.session = &s
			m.setState(back)
			status := m.setStatus(sevOK, "Signed in again; carrying on.")
			if back == ScreenDiff && m.diff.plan == nil {
				if m.diff.rollback != nil {
					return tea.Batch(status, m.startRollbackPlan(m.diff.rollback))
				}
				return tea.Batch(status, m.startPlan())
			}
			return status
		}
	}
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

// sessionEnded sends the operator to sign in again when err says the
// session's token was refused (expired, or revoked by a sign-in elsewhere,
// as the vendor's tokens are). Everything else stays as it is; after the
// sign-in the operator is back where they were.
func (m *Model) sessionEnded(err error) (tea.Cmd, bool) {
	var se *sync.Error
	if !errors.As(err, &se) || se.Kind != sync.KindUnauthorized || m.session == nil {
		return nil, false
	}
	why := "the token expired or was revoked"
	if se.Msg != "" {
		why = se.Msg
	}
	m.reauth, m.reauthOK = m.screen, true
	l := &m.login
	l.busy, l.useSaved = false, false
	l.err = "Your session has ended (" + why + "). Sign in again to carry on; your work is kept."
	l.focus = l.firstEmpty()
	m.setState(ScreenLogin)
	return l.focusCmd(), true
}

func (l loginScreen) view(st Styles, d Defaults, w, h int) string {
	var b strings.Builder
	b.WriteString("\n")
	b.WriteString(st.Text.Render("  Sign in to the user-management API that receives the import.") + "\n\n")
	for _, f := range l.fields() {
		label := l.label(f)
		marker := "  "
		ls := st.Label
		if f == l.focus && !l.busy {
			marker = st.Focused.Render("› ")
			ls = st.Focused
		}
		b.WriteString(marker + ls.Render(padRight(label, 14)) + " ")
		switch f {
		case fieldTarget:
			b.WriteString(choiceView(st, l.targetName(), f == l.focus))
		case fieldEnv:
			name := l.envChoice().label
			if l.env() == EnvProduction {
				b.WriteString(st.Prod.Render(" ‹ PRODUCTION › ") + " " + st.Bad.Render("writes go to real users"))
			} else {
				b.WriteString(choiceView(st, name, f == l.focus))
				if l.env() == EnvSandbox {
					b.WriteString(st.Muted.Render("  " + l.sandbox + " (local, demo users)"))
				}
			}
		case fieldSaved:
			v := "no, sign in with a password"
			if l.useSaved {
				v = "yes, use the saved token"
			}
			b.WriteString(choiceView(st, v, f == l.focus))
		default:
			b.WriteString("  " + l.inputs[f].View()) // values line up with the choices
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	switch {
	case l.busy:
		b.WriteString("  " + l.spin.View() + " " + st.Text.Render("Signing in…") + st.Muted.Render(" (esc cancels)"))
	case l.err != "":
		b.WriteString("  " + st.Error.Render("✗ ") + st.Error.Render(wrap(show(l.err), max(w-6, 20), "    ")))
	default:
		b.WriteString(st.Muted.Render("  Press enter to sign in. The password is sent once and never stored."))
	}
	return b.String()
}

func choiceView(st Styles, v string, focused bool) string {
	if focused {
		return st.Focused.Render("‹ " + v + " ›")
	}
	return st.Text.Render("  " + v)
}

func padRight(s string, n int) string {
	if w := len([]rune(s)); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// wrap breaks s into lines of at most w columns at spaces; continuation
// lines start with indent.
func wrap(s string, w int, indent string) string {
	words := strings.Fields(s)
	var b strings.Builder
	col := 0
	for i, word := range words {
		n := len([]rune(word))
		if i > 0 && col+1+n > w {
			b.WriteString("\n" + indent)
			col = len(indent)
		} else if i > 0 {
			b.WriteString(" ")
			col++
		}
		b.WriteString(word)
		col += n
	}
	return b.String()
}
