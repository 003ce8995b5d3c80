package ui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Dialogs are modals on a stack the root model keeps. While one is open it
// takes every key (ctrl+c still quits); it knows nothing of the screen
// that opened it: answering, it hands back a message, which the root
// handles at once like any other (questionAnsweredMsg, applyConfirmedMsg…).
// Prompts, questions and the apply's confirmation draw in the screen's
// detail band; the sign-in again (relogin.go) draws over the body.
type dialog interface {
	// handleKey takes one key. done closes the dialog; answer, when not
	// nil, is the message its answer sends.
	handleKey(msg tea.KeyPressMsg, k KeyMap) (done bool, answer tea.Msg, cmd tea.Cmd)
	// update takes what is not a key: cursor blinks, pastes.
	update(msg tea.Msg) tea.Cmd
	// view draws the dialog's lines at width w.
	view(st Styles, w int) []string
	// paneTitle names the detail pane while it shows ("" keeps the
	// screen's own).
	paneTitle() string
	bindings(k KeyMap) bindings
	// typing says keys are text (? is then a character, not help).
	typing() bool
	setWidth(w int)
}

// dialogStack holds the open dialogs, the top one last.
type dialogStack struct{ open []dialog }

func (s *dialogStack) push(d dialog) { s.open = append(s.open, d) }

// top is the dialog taking keys, nil when none is open.
func (s *dialogStack) top() dialog {
	if len(s.open) == 0 {
		return nil
	}
	return s.open[len(s.open)-1]
}

// remove closes d wherever it is on the stack.
func (s *dialogStack) remove(d dialog) {
	s.open = slices.DeleteFunc(s.open, func(o dialog) bool { return o == d })
}

func (s *dialogStack) setWidth(w int) {
	for _, d := range s.open {
		d.setWidth(w)
	}
}

// find returns the topmost open dialog of type T.
func find[T dialog](s *dialogStack) (T, bool) {
	for k := len(s.open) - 1; k >= 0; k-- {
		if d, ok := s.open[k].(T); ok {
			return d, true
		}
	}
	var zero T
	return zero, false
}

// openDialog puts d on top, sized to the terminal.
func (m *Model) openDialog(d dialog) {
	d.setWidth(m.width)
	m.dialogs.push(d)
	m.resize(m.width, m.height)
}

// closeDialog takes d off the stack.
func (m *Model) closeDialog(d dialog) {
	m.dialogs.remove(d)
	m.resize(m.width, m.height)
}

// handleDialogKey gives a key to the top dialog; its answer is handled
// at once, so the dialog's effect is seen by the next key.
func (m *Model) handleDialogKey(d dialog, msg tea.KeyPressMsg) tea.Cmd {
	if _, quitting := d.(*quitDialog); !quitting && key.Matches(msg, m.keys.Global.Quit) {
		return m.quit()
	}
	done, answer, cmd := d.handleKey(msg, m.keys)
	if done {
		m.closeDialog(d)
	}
	if answer == nil {
		return cmd
	}
	return tea.Batch(cmd, m.update(answer))
}

// detailDialog is the dialog that draws in the detail band, if one is
// open on top.
func (m *Model) detailDialog() dialog {
	d := m.dialogs.top()
	switch d.(type) {
	case nil, *quitDialog, *reloginDialog:
		return nil
	}
	return d
}

// quitDialog is a key that drops unsaved edits (ctrl+c, or the
// summary's q or o) pressed once: the same key again does it; any other
// key closes it and goes on to what is beneath. It draws nothing: the
// status line says what it asks.
type quitDialog struct {
	again key.Binding // the key that asked, which confirms
	then  tea.Msg     // what confirming does: quitConfirmedMsg{} or newImportMsg{}
}

// quitConfirmedMsg: the quit key twice, the edits are dropped.
type quitConfirmedMsg struct{}

func (q *quitDialog) handleKey(msg tea.KeyPressMsg, k KeyMap) (bool, tea.Msg, tea.Cmd) {
	if key.Matches(msg, q.again) {
		return true, q.then, nil
	}
	return true, msg, nil // the key was meant for the screen
}

func (q *quitDialog) update(tea.Msg) tea.Cmd    { return nil }
func (q *quitDialog) view(Styles, int) []string { return nil }
func (q *quitDialog) paneTitle() string         { return "" }
func (q *quitDialog) typing() bool              { return false }
func (q *quitDialog) setWidth(int)              {}
func (q *quitDialog) bindings(k KeyMap) bindings {
	what := "quit without saving"
	if _, another := q.then.(newImportMsg); another {
		what = "another file without saving"
	}
	return bindings{key.NewBinding(key.WithKeys(q.again.Keys()...), key.WithHelp(q.again.Help().Key, what)),
		key.NewBinding(key.WithKeys("any"), key.WithHelp("any key", "keep working"))}
}

// quitAsked reports whether a quit key was pressed once with unsaved edits.
func (m *Model) quitAsked() bool {
	_, ok := find[*quitDialog](&m.dialogs)
	return ok
}
