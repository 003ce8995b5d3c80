package ui

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

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

// loginScreen asks where to connect and who signs in. It is the first
// screen, and the form the sign-in again shows over a screen (relogin.go).
type loginScreen struct {
	noDetail
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

// handleFormKey moves between the fields, cycles a choice, or types into
// the focused field.
func (l *loginScreen) handleFormKey(msg tea.KeyPressMsg, k KeyMap) tea.Cmd {
	switch {
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
	case l.isChoice(l.focus) || key.Matches(msg, k.Global.Back):
		return nil
	}
	var cmd tea.Cmd
	l.inputs[l.focus], cmd = l.inputs[l.focus].Update(msg)
	l.err = ""
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
		b.WriteString(st.Muted.Render("  " + wrap("Press enter to sign in. "+l.secretNote(), max(w-4, 20), "  ")))
	}
	return b.String()
}

// secretNote says what becomes of the secret the target asks for: a
// password signs in once; an API token (ccai) goes with every request.
func (l *loginScreen) secretNote() string {
	shown := l.fields()
	for _, fd := range l.desc().Fields {
		if f, ok := loginInputs[fd.Key]; !fd.Secret || !ok || !slices.Contains(shown, f) {
			continue // a saved token asks for no password
		}
		if fd.Key == targets.FieldPassword {
			return "The password is sent once and never stored."
		}
		return "The " + fd.Label + " is used for this session and never stored."
	}
	return ""
}

func choiceView(st Styles, v string, focused bool) string {
	if focused {
		return st.Focused.Render("‹ " + v + " ›")
	}
	return st.Text.Render("  " + v)
}

// The login screen as a page of the root model.

func (l *loginScreen) handleKey(m *Model, msg tea.KeyPressMsg) tea.Cmd { return m.handleLoginKey(msg) }
func (l *loginScreen) handlePaste(msg tea.PasteMsg) tea.Cmd            { return l.paste(msg) }
func (l *loginScreen) body(m *Model, ly Layout) string {
	return l.view(m.styles, m.defaults, ly.Width, ly.Body)
}
func (l *loginScreen) keys(m *Model) bindings     { return l.bindings(m.keys) }
func (l *loginScreen) textEntry() bool            { return !l.isChoice(l.focus) }
func (l *loginScreen) title() string              { return "" }
func (l *loginScreen) resize(w, body, detail int) { l.setSize(w, body) }
