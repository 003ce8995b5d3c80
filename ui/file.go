package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"usersync/csvfile"
	"usersync/sync/render"
	"usersync/sync/targets"
)

// fileScreen chooses the user file: a picker filtered to the target's file
// types, or a typed path. While a file loads it shows how far reading and
// validation have come.
type fileScreen struct {
	noDetail
	picker dirPicker
	path   textinput.Model
	typing bool
	spin   spinner.Model

	busy    bool
	job     int
	phase   string // "Reading" or "Validating"
	rows    int
	started time.Time
	err     string
	opening string            // the path being opened
	discard string            // opening this path again discards unsaved edits
	mapping map[string]string // the mapping it is opened with
	// A workbook with several sheets with data asks which (sheet.go).
	choice           *sheetChoice
	sheetPath, sheet string // the sheet chosen for the workbook at sheetPath

	checkJob int      // the contract check of this session
	contract []string // what the check found: how the server differs, or why it could not say
	// contractHead heads contract: render.ProbeDiffers, or the cause that
	// kept the check from judging the API (a refused token, no answer).
	contractHead string
}

// checkedMsg is the result of the read-only contract check after sign-in.
type checkedMsg struct {
	job        int
	mismatches []string
	err        error
}

// startCheck probes the signed-in target, read-only, so a server that
// differs from what the adapter expects is said before any file is read.
func (m *Model) startCheck(s Session) tea.Cmd {
	job := m.nextJob()
	m.file.checkJob, m.file.contract = job, nil
	b := m.backend
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		mm, err := b.Check(ctx, s)
		return checkedMsg{job: job, mismatches: mm, err: err}
	}
}

func (m *Model) applyChecked(msg checkedMsg) tea.Cmd {
	if msg.job != m.file.checkJob {
		return nil // another session's
	}
	m.file.contract, m.file.contractHead = msg.mismatches, render.ProbeDiffers
	var stopped *CheckStopped
	switch {
	case errors.As(msg.err, &stopped):
		m.file.contract, m.file.contractHead = stopped.Lines, stopped.Heading
		if len(m.file.contract) == 0 {
			m.file.contract = []string{stopped.Heading}
		}
	case msg.err != nil:
		m.file.contract, m.file.contractHead = []string{msg.err.Error()}, render.ProbeNotRun
	}
	if len(m.file.contract) == 0 {
		return nil
	}
	return m.setStatus(sevWarn, m.file.contractHead+"; see the file screen.")
}

// fileOpenedMsg is the result of reading a file.
type fileOpenedMsg struct {
	job     int
	path    string
	mapping map[string]string
	file    *csvfile.File
	err     error
}

// validatedMsg is the result of validating a file off the UI goroutine.
type validatedMsg struct {
	job        int
	file       *csvfile.File
	validation *csvfile.Validation
	took       time.Duration
}

type dirRememberedMsg struct{ err error }

func newFileScreen(d Defaults) fileScreen {
	dir := d.StartDir
	if dir == "" {
		dir = "."
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	// Esc goes back a screen, so the picker climbs directories with h/←/backspace only.
	fp := newDirPicker(dir, fileTypes(""))
	ti := textinput.New()
	ti.Prompt = "Path: "
	ti.Placeholder = "path/to/users.csv"
	ti.CharLimit = 4096
	return fileScreen{picker: fp, path: ti, spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
}

// setTarget filters the picker to the files the target reads.
func (f *fileScreen) setTarget(target string) {
	f.picker.AllowedTypes = fileTypes(target)
}

// fileTypes are the file name endings a target reads, as its descriptor
// lists them ("" is the default target; CSV for a name none registered).
func fileTypes(target string) []string {
	if d, ok := targets.Lookup(target); ok && len(d.FileTypes) > 0 {
		return d.FileTypes
	}
	return []string{".csv"}
}

func (f *fileScreen) setStyles(st Styles, isDark bool) {
	s := textinput.DefaultStyles(isDark)
	if st.NoColor {
		s = textinput.Styles{Cursor: s.Cursor}
	}
	f.path.SetStyles(s)
	f.spin.Style = st.Accent
}

func (f *fileScreen) setSize(w, h int) {
	f.picker.SetHeight(max(h-7, 1))
	f.path.SetWidth(max(w-10, 10))
}

func (f *fileScreen) updateComponents(msg tea.Msg, visible bool) tea.Cmd {
	var cmds []tea.Cmd
	if f.busy {
		var cmd tea.Cmd
		f.spin, cmd = f.spin.Update(msg)
		cmds = append(cmds, cmd)
	}
	if _, isKey := msg.(tea.KeyPressMsg); !isKey {
		// The picker reads directories through its own messages.
		var cmd tea.Cmd
		f.picker, cmd = f.picker.Update(msg)
		cmds = append(cmds, cmd)
		if visible && f.typing {
			f.path, cmd = f.path.Update(msg)
			cmds = append(cmds, cmd)
		}
	}
	return tea.Batch(cmds...)
}

func (f *fileScreen) paste(msg tea.PasteMsg) tea.Cmd {
	if f.busy {
		return nil
	}
	if !f.typing {
		f.typing = true
		f.path.SetValue("")
	}
	var cmd tea.Cmd
	f.path, cmd = f.path.Update(msg)
	return tea.Batch(cmd, f.path.Focus())
}

func (f fileScreen) bindings(k KeyMap) bindings {
	if f.busy {
		return bindings{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")), k.Global.Quit}
	}
	if f.choice != nil {
		return f.choice.bindings(k)
	}
	if f.typing {
		return bindings{k.File.Open, k.File.TypePath, k.Global.Back, k.Global.Quit}
	}
	pk := f.picker.KeyMap
	return bindings{k.File.Pick, pk.Up, pk.Down, pk.Back, k.File.TypePath, pk.PageUp, pk.PageDown, pk.Top, pk.Bottom, k.Global.Back, k.Global.Quit}
}

func (m *Model) handleFileKey(msg tea.KeyPressMsg) tea.Cmd {
	f := &m.file
	k := m.keys
	switch {
	case key.Matches(msg, k.Global.Quit):
		return m.quit()
	case f.busy:
		if key.Matches(msg, k.Global.Back) {
			m.stopJob()
			f.busy, f.job = false, 0
			return m.setStatus(sevWarn, "Loading cancelled.")
		}
		return nil
	case f.choice != nil:
		return m.handleSheetKey(msg)
	case key.Matches(msg, k.Global.Back):
		if m.preview.file != nil {
			// Back to the rows already loaded, edits intact.
			m.setState(ScreenPreview)
			return nil
		}
		m.setState(ScreenLogin)
		m.session = nil
		return m.login.focusCmd()
	case key.Matches(msg, k.File.TypePath):
		f.typing = !f.typing
		if f.typing {
			if f.path.Value() == "" {
				f.path.SetValue(f.picker.CurrentDirectory + string(filepath.Separator))
				f.path.CursorEnd()
			}
			return f.path.Focus()
		}
		f.path.Blur()
		return nil
	case f.typing && key.Matches(msg, k.File.Open):
		p := strings.TrimSpace(f.path.Value())
		if p == "" {
			f.err = "Type the path of a file."
			return nil
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			f.picker.CurrentDirectory = p
			f.typing = false
			f.path.Blur()
			return f.picker.Init()
		}
		f.sheetPath = "" // chosen again: ask again which sheet
		return m.startOpen(p, nil)
	case f.typing:
		var cmd tea.Cmd
		f.path, cmd = f.path.Update(msg)
		f.err = ""
		return cmd
	}
	var cmd tea.Cmd
	f.picker, cmd = f.picker.Update(msg)
	if ok, path := f.picker.DidSelectFile(msg); ok {
		f.sheetPath = ""
		return tea.Batch(cmd, m.startOpen(path, nil))
	}
	if ok, path := f.picker.DidSelectDisabledFile(msg); ok {
		f.err = filepath.Base(path) + " is not a file this target reads (" + strings.Join(f.picker.AllowedTypes, ", ") + ")."
	}
	return cmd
}

// startOpen reads path in a command; the spinner shows it is under way.
// Opening another file while the open one has unsaved edits asks first.
func (m *Model) startOpen(path string, mapping map[string]string) tea.Cmd {
	if m.session == nil {
		return nil
	}
	if m.unsaved() && m.file.discard != path && m.screen == ScreenFile {
		m.file.discard = path
		m.file.err = filepath.Base(m.preview.path) + " has unsaved edits: esc goes back to save them (ctrl+s), or open " + filepath.Base(path) + " again to discard them."
		return nil
	}
	m.file.discard = ""
	ctx := m.startCancellable()
	job := m.nextJob()
	f := &m.file
	f.busy, f.job, f.phase, f.err = true, job, "Reading", ""
	f.rows, f.started = 0, m.defaults.Now()
	f.opening, f.mapping = path, copyMap(mapping)
	req := OpenRequest{Path: path, Schema: m.session.Schema, Mapping: copyMap(mapping), Sheet: f.sheetFor(path)}
	b := m.backend
	open := func() tea.Msg {
		file, err := b.OpenFile(ctx, req)
		return fileOpenedMsg{job: job, path: path, mapping: req.Mapping, file: file, err: err}
	}
	return tea.Batch(open, f.spin.Tick)
}

func (m *Model) applyFileOpened(msg fileOpenedMsg) tea.Cmd {
	f := &m.file
	if msg.job != f.job || !f.busy {
		return nil
	}
	m.cancel = nil
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			f.busy = false
			return nil
		}
		// A file whose required columns were not found goes to the
		// mapping step; any other failure is said on this screen.
		f.busy = false
		f.err = msg.err.Error()
		var fe *csvfile.FileError
		if errors.As(msg.err, &fe) && len(fe.Missing) > 0 && len(fe.Headers) > 0 {
			return m.startMapping(msg.path, fe, msg.mapping)
		}
		if fe != nil && len(fe.Sheets) > 0 {
			return m.askSheet(msg.path, fe.Sheets, msg.mapping)
		}
		if m.screen != ScreenFile {
			m.setState(ScreenFile)
		}
		return nil
	}
	f.phase, f.rows = "Validating", msg.file.Len()
	job := f.job
	file := msg.file
	now := m.defaults.Now
	validate := func() tea.Msg {
		start := now()
		v := csvfile.Validate(file)
		return validatedMsg{job: job, file: file, validation: v, took: now().Sub(start)}
	}
	b := m.backend
	dir := filepath.Dir(msg.path)
	remember := func() tea.Msg { return dirRememberedMsg{err: b.RememberDir(dir)} }
	return tea.Batch(validate, remember)
}

func (m *Model) applyValidated(msg validatedMsg) tea.Cmd {
	f := &m.file
	if msg.job != f.job || !f.busy {
		return nil
	}
	f.busy = false
	f.err = ""
	m.preview = newPreview(msg.file, msg.validation, m.session, f.mapping, m.isDark)
	m.diff = diffScreen{}
	m.resize(m.width, m.height)
	m.setState(ScreenPreview)
	v := msg.validation
	text := plural(msg.file.Len(), "row", "rows") + " read from " + filepath.Base(msg.file.Path()) + " and validated in " + tookText(msg.took) + "."
	if v.Errors() > 0 || v.Warnings() > 0 {
		return m.setStatus(sevWarn, text+" "+plural(v.RowsWithErrors(), "row has", "rows have")+" errors; n jumps to the next problem.")
	}
	return m.setStatus(sevOK, text+" No problems found.")
}

func (f fileScreen) view(st Styles, sess *Session, w, h int) string {
	var b strings.Builder
	b.WriteString("\n")
	if f.busy {
		b.WriteString("  " + f.spin.View() + " " + st.Text.Render(f.phase+" "+filepath.Base(f.opening)+"…") + "\n\n")
		if f.phase == "Validating" {
			b.WriteString(st.Muted.Render("  checking "+plural(f.rows, "row", "rows")+" against the target's schema") + "\n")
		}
		b.WriteString("\n" + st.Muted.Render("  esc cancels"))
		return b.String()
	}
	if f.choice != nil {
		return f.choice.view(st, w)
	}
	if len(f.contract) > 0 {
		head := "! " + f.contractHead + " (usersync check says more)"
		if f.contractHead == render.ProbeDiffers {
			head += "; do not import until this is understood"
		}
		b.WriteString("  " + st.Warn.Render(wrap(head+":", max(w-4, 20), "    ")) + "\n")
		for _, c := range f.contract {
			b.WriteString("    " + st.Warn.Render(wrap(show(c), max(w-8, 20), "      ")) + "\n")
		}
		b.WriteString("\n")
	}
	types := joinOr(f.picker.AllowedTypes)
	b.WriteString(st.Text.Render("  Choose the user file to import ("+types+").") + "\n")
	if f.err != "" {
		b.WriteString("  " + st.Error.Render("✗ "+wrap(show(f.err), max(w-6, 20), "    ")) + "\n")
	} else {
		b.WriteString("\n")
	}
	if f.typing {
		b.WriteString("\n  " + f.path.View() + "\n")
		b.WriteString(st.Muted.Render("\n  enter opens the file; tab goes back to the picker"))
		return b.String()
	}
	b.WriteString(st.Muted.Render("  "+shortPath(f.picker.CurrentDirectory, max(w-4, 20))) + "\n\n")
	b.WriteString(f.picker.view(st, w))
	return b.String()
}

// bar draws a plain progress bar of width cells.
func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// tookText says how long something took, to the millisecond.
func tookText(d time.Duration) string {
	if d < time.Second {
		return itoa(int(d/time.Millisecond)) + " ms"
	}
	return d.Round(10 * time.Millisecond).String()
}

// The file screen as a page of the root model.

func (f *fileScreen) handleKey(m *Model, msg tea.KeyPressMsg) tea.Cmd { return m.handleFileKey(msg) }
func (f *fileScreen) handlePaste(msg tea.PasteMsg) tea.Cmd            { return f.paste(msg) }
func (f *fileScreen) body(m *Model, l Layout) string {
	return f.view(m.styles, m.session, l.Width, l.Body)
}
func (f *fileScreen) keys(m *Model) bindings     { return f.bindings(m.keys) }
func (f *fileScreen) textEntry() bool            { return f.typing }
func (f *fileScreen) title() string              { return "" }
func (f *fileScreen) resize(w, body, detail int) { f.setSize(w, body) }
