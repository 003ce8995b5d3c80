package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// promptKind says what a prompt's answer is for.
type promptKind int

const (
	promptSearch promptKind = iota
	promptLine
	promptFill
	promptReplace
)

// prompt asks for one line of text, or a few (find, then replace with);
// enter moves to the next field and, on the last, answers with a
// promptAnsweredMsg for the screen that opened it.
type prompt struct {
	owner  Screen // the screen its answer is for
	kind   promptKind
	title  string
	hint   string
	labels []string
	inputs []textinput.Model
	focus  int
}

// promptAnsweredMsg is a prompt's answer: its values, in field order.
type promptAnsweredMsg struct {
	owner  Screen
	kind   promptKind
	values []string
}

func newPrompt(owner Screen, kind promptKind, title, hint string, isDark bool, labels ...string) *prompt {
	p := &prompt{owner: owner, kind: kind, title: title, hint: hint, labels: labels}
	for range labels {
		ti := textinput.New()
		ti.Prompt = ""
		ti.CharLimit = 1 << 16
		ti.SetWidth(40)
		ti.SetStyles(textinput.DefaultStyles(isDark))
		p.inputs = append(p.inputs, ti)
	}
	return p
}

func (p *prompt) focusCmd() tea.Cmd {
	for k := range p.inputs {
		p.inputs[k].Blur()
	}
	return p.inputs[p.focus].Focus()
}

func (p *prompt) value(k int) string { return p.inputs[k].Value() }

func (p *prompt) setValue(k int, s string) {
	p.inputs[k].SetValue(s)
	p.inputs[k].CursorEnd()
}

func (p *prompt) setWidth(w int) {
	for k := range p.inputs {
		p.inputs[k].SetWidth(max(w-len(p.labels[k])-6, 10))
	}
}

// handleKey takes one key: enter goes on (or answers), tab and shift+tab
// move between fields, esc cancels; anything else is typed.
func (p *prompt) handleKey(msg tea.KeyPressMsg, k KeyMap) (bool, tea.Msg, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Edit.Cancel):
		return true, nil, nil
	case key.Matches(msg, k.Edit.Accept):
		if p.focus < len(p.inputs)-1 {
			p.focus++
			return false, nil, p.focusCmd()
		}
		vals := make([]string, len(p.inputs))
		for i := range p.inputs {
			vals[i] = p.value(i)
		}
		return true, promptAnsweredMsg{owner: p.owner, kind: p.kind, values: vals}, nil
	case msg.String() == "tab" || msg.String() == "shift+tab":
		if len(p.inputs) > 1 {
			p.focus = (p.focus + 1) % len(p.inputs)
			return false, nil, p.focusCmd()
		}
		return false, nil, nil
	}
	var cmd tea.Cmd
	p.inputs[p.focus], cmd = p.inputs[p.focus].Update(msg)
	return false, nil, cmd
}

func (p *prompt) paneTitle() string { return "" }
func (p *prompt) typing() bool      { return true }

// bindings are the prompt's keys for the help line.
func (p *prompt) bindings(k KeyMap) bindings {
	what := "ok"
	switch {
	case p.focus < len(p.inputs)-1:
		what = "next field"
	case p.kind == promptSearch:
		what = "find"
	case p.kind == promptLine:
		what = "go"
	case p.kind == promptFill:
		what = "fill"
	case p.kind == promptReplace:
		what = "replace"
	}
	b := bindings{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", what)),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))}
	if len(p.inputs) > 1 {
		b = append(b, key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "other field")))
	}
	return b
}

// update forwards what is not a key (cursor blinks, pastes) to the field.
func (p *prompt) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	p.inputs[p.focus], cmd = p.inputs[p.focus].Update(msg)
	return cmd
}

func (p *prompt) view(st Styles, w int) []string {
	lines := []string{" " + st.Label.Render(p.title)}
	for k, l := range p.labels {
		style := st.Muted
		if k == p.focus {
			style = st.Focused
		}
		lines = append(lines, " "+style.Render(l+": ")+p.inputs[k].View())
	}
	if p.hint != "" {
		lines = append(lines, st.Muted.Render(" "+wrap(p.hint, max(w-3, 20), " ")))
	}
	return lines
}
