package ui

import tea "charm.land/bubbletea/v2"

// page is what the root model asks of every screen, so it routes and lays
// out without knowing any screen by name: keys and pastes go to the
// current one (when no dialog is open), it draws the body and detail
// bands, shows the screen's keys in the help and takes the sizes the
// layout gives. Screens are plain structs, one file each; what a screen
// does to the rest of the program it does through the model's start and
// apply functions, and leaving it is setState.
type page interface {
	handleKey(m *Model, msg tea.KeyPressMsg) tea.Cmd
	handlePaste(msg tea.PasteMsg) tea.Cmd
	// body draws the body band; detail the detail band (dlg is the dialog
	// drawn there, if any), for screens that have one.
	body(m *Model, l Layout) string
	detail(m *Model, dlg dialog, l Layout) string
	// hasDetail: the layout gives the screen a detail band.
	hasDetail() bool
	// keys are the screen's bindings for the help, in its current state.
	keys(m *Model) bindings
	// textEntry: keys go into a text field (? is then a character).
	textEntry() bool
	// title names the screen when it differs from Screen.String (a
	// rollback's screens say so); "" otherwise.
	title() string
	// resize gives the screen its bands' sizes.
	resize(w, body, detail int)
}

// pageOf returns the screen s, as the root model sees it.
func (m *Model) pageOf(s Screen) page {
	return [...]page{&m.login, &m.file, &m.mapping, &m.preview, &m.diff, &m.progress, &m.summary}[s]
}

// page is the current screen.
func (m *Model) page() page { return m.pageOf(m.screen) }

// noDetail is embedded by screens without a detail band.
type noDetail struct{}

func (noDetail) detail(*Model, dialog, Layout) string { return "" }
func (noDetail) hasDetail() bool                      { return false }
