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
	envs     []Env // offered for the current target
	envIdx   int
	useSaved bool
	saved    bool // a coursedog token is at hand
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
		l.targets = []string{"coursedog"}
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
	l.inputs[fieldURL].Placeholder = "https://… (ccai: or the domain, uc1.ccaiplatform.com)"
	l.inputs[fieldSchool].Placeholder = "your School Unique ID"
	l.inputs[fieldEmail].Placeholder = "you@school.edu"
	l.inputs[fieldURL].SetValue(d.Login.URL)
	l.inputs[fieldSchool].SetValue(d.Login.School)
	l.inputs[fieldEmail].SetValue(d.Login.Email)
	l.inputs[fieldPassword].SetValue(d.Login.Password)
	l.inputs[fieldTenant].SetValue(d.Login.Tenant)
	l.inputs[fieldAPIToken].SetValue(d.Login.APIToken)
	l.useSaved = d.Login.UseSavedToken && d.SavedToken
	l.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	l.setEnvs()
	for i, e := range l.envs {
		if e == d.Login.Env {
			l.envIdx = i
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

func (l *loginScreen) env() Env {
	if len(l.envs) == 0 {
		return EnvCustom
	}
	return l.envs[l.envIdx]
}

// setEnvs lists the environments the current target offers.
func (l *loginScreen) setEnvs() {
	cur := l.env()
	l.envs = l.envs[:0]
	if l.sandbox != "" {
		l.envs = append(l.envs, EnvSandbox)
	}
	if l.targetName() == "coursedog" {
		l.envs = append(l.envs, EnvStaging, EnvProduction)
	}
	l.envs = append(l.envs, EnvCustom)
	l.envIdx = 0
	for i, e := range l.envs {
		if e == cur {
			l.envIdx = i
		}
	}
}

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
	if l.targetName() == "ccai" {
		return append(fs, fieldTenant, fieldAPIToken)
	}
	fs = append(fs, fieldSchool)
	if l.saved {
		fs = append(fs, fieldSaved)
	}
	if !l.useSaved {
		fs = append(fs, fieldEmail, fieldPassword)
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
		if l.saved && l.targetName() != "coursedog" {
			l.useSaved = false
		}
	case fieldEnv:
		l.envIdx = (l.envIdx + delta + len(l.envs)) % len(l.envs)
	case fieldSaved:
		l.useSaved = !l.useSaved
	}
}

func (l *loginScreen) request() LoginRequest {
	v := func(f loginField) string { return strings.TrimSpace(l.inputs[f].Value()) }
	return LoginRequest{
		Target:        l.targetName(),
		Env:           l.env(),
		URL:           v(fieldURL),
		School:        v(fieldSchool),
		Email:         v(fieldEmail),
		Password:      l.inputs[fieldPassword].Value(), // passwords may carry spaces
		UseSavedToken: l.useSaved,
		Tenant:        v(fieldTenant),
		APIToken:      v(fieldAPIToken),
	}
}

// missing names the first blank required field, focusing it.
func (l *loginScreen) missing() string {
	for _, f := range l.fields() {
		if l.isChoice(f) {
			continue
		}
		if strings.TrimSpace(l.inputs[f].Value()) == "" {
			l.focus = f
			return fieldLabels[f]
		}
	}
	if l.env() == EnvCustom {
		raw := strings.TrimSpace(l.inputs[fieldURL].Value())
		u, err := url.Parse(raw)
		isURL := err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
		// ccai also takes the platform's domain (uc1.ccaiplatform.com).
		isDomain := l.targetName() == "ccai" && strings.Contains(raw, ".") && !strings.ContainsAny(raw, "/:@ ")
		if !isURL && !isDomain {
			l.focus = fieldURL
			if l.targetName() == "ccai" {
				return "a URL (https://…) or the platform's domain (uc1.ccaiplatform.com)"
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
	explain := LoginRequest{Target: req.Target, Env: req.Env, URL: req.URL, School: req.School, Email: req.Email, UseSavedToken: req.UseSavedToken, Tenant: req.Tenant}
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

// describeLoginError says in plain words why signing in failed.
func describeLoginError(err error, req LoginRequest, sandboxURL string) string {
	where := req.URL
	switch req.Env {
	case EnvSandbox:
		where = sandboxURL
	case EnvStaging:
		where = "Coursedog staging"
	case EnvProduction:
		where = "Coursedog production"
	}
	if errors.Is(err, context.Canceled) {
		return "Sign-in cancelled."
	}
	var se *sync.Error
	if errors.As(err, &se) {
		switch se.Kind {
		case sync.KindUnauthorized:
			switch {
			case req.UseSavedToken:
				return "The saved token was refused: it has expired or a newer sign-in replaced it. Sign in with your email and password."
			case req.Target == "ccai":
				return "Tenant or API token not accepted. Check both and try again."
			default:
				return "Wrong email or password. Check both and try again."
			}
		case sync.KindNotFound:
			if req.Target == "ccai" {
				return "Tenant \"" + req.Tenant + "\" was not found at " + where + "."
			}
			return "School ID \"" + req.School + "\" was not found at " + where + "."
		case sync.KindNetwork:
			return "Cannot reach " + where + ": the server did not answer. Check the URL, your network or VPN, and try again."
		case sync.KindRateLimited:
			return "The server is rate limiting sign-ins; wait a moment and try again."
		case sync.KindServer:
			return "The server failed (" + se.Error() + "). Try again in a moment."
		}
		return "Sign-in failed: " + se.Error()
	}
	return "Sign-in failed: " + err.Error()
}

func (l loginScreen) view(st Styles, d Defaults, w, h int) string {
	var b strings.Builder
	b.WriteString("\n")
	b.WriteString(st.Text.Render("  Sign in to the user-management API that receives the import.") + "\n\n")
	for _, f := range l.fields() {
		label := fieldLabels[f]
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
			name := l.env().String()
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
