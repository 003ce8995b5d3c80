package ui

import (
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"usersync/csvfile"
)

// mappingScreen maps a file's headers to the target's fields when the
// required columns were not found by name (a localized or odd export).
type mappingScreen struct {
	noDetail
	path    string
	headers []string // the file's own headers
	missing []string // the required fields the reader did not find
	fields  []csvfile.Field
	choice  []int // per field: index into headers, -1 for none
	cursor  int
	job     int
	err     string
	saved   string
	// fromPreview: opened from the preview (M) to remap a file that was
	// read; esc goes back to it.
	fromPreview bool
}

type mappingSavedMsg struct {
	job  int
	path string
	err  error
}

// startMapping opens the mapping step for a file whose required columns
// were not found, prefilled with what matches by name (or by the mapping
// it was opened with).
func (m *Model) startMapping(path string, fe *csvfile.FileError, mapping map[string]string) tea.Cmd {
	sc := m.session.Schema
	mp := mappingScreen{path: path, headers: fe.Headers, missing: fe.Missing, fields: sc.Fields, job: m.nextJob()}
	mp.choice = make([]int, len(sc.Fields))
	for i := range mp.choice {
		mp.choice[i] = -1
	}
	for j, h := range fe.Headers {
		var fd *csvfile.Field
		if to, ok := mapping[h]; ok {
			if to == "" {
				continue
			}
			if fd = sc.FieldByKey(to); fd == nil {
				fd = csvfile.MatchHeader(sc, to)
			}
		} else {
			fd = csvfile.MatchHeader(sc, h)
		}
		if fd == nil {
			continue
		}
		for i := range mp.fields {
			if mp.fields[i].Key == fd.Key && mp.choice[i] < 0 {
				mp.choice[i] = j
			}
		}
	}
	// Start on the first required field without a column.
	for i, fd := range mp.fields {
		if fd.Required && mp.choice[i] < 0 {
			mp.cursor = i
			break
		}
	}
	m.mapping = mp
	m.setState(ScreenMapping)
	return m.setStatus(sevWarn, "Required columns not found by name ("+strings.Join(fe.Missing, ", ")+"): map them to the file's headers.")
}

// startRemap opens the mapping of the previewed file, any time: every
// field's column can be changed, or none chosen; a column no field takes
// is not imported. Enter reads the file again with the new mapping.
func (m *Model) startRemap() tea.Cmd {
	p := &m.preview
	if p.ed.Dirty() {
		return m.setStatus(sevWarn, "Save the edits first (ctrl+s) or undo them: a new mapping reads the file again.")
	}
	f := p.file
	sc := f.Schema()
	mp := mappingScreen{path: p.path, headers: f.Header(), fields: sc.Fields, job: m.nextJob(), fromPreview: true}
	mp.choice = make([]int, len(sc.Fields))
	for i, fd := range sc.Fields {
		mp.choice[i] = -1
		if h := f.Column(fd.Key); h != "" {
			for j, name := range mp.headers {
				if name == h {
					mp.choice[i] = j
					break
				}
			}
		}
	}
	m.mapping = mp
	m.setState(ScreenMapping)
	text := "Choose the column of each field (←/→); a column no field takes is not imported. enter reads the file again."
	if p.ed.Excluded() > 0 {
		text += " Exclusions start afresh."
	}
	return m.setStatus(sevInfo, text)
}

// ignored names the file's headers that no field takes.
func (mp mappingScreen) ignored() []string {
	used := map[int]bool{}
	for _, j := range mp.choice {
		used[j] = true
	}
	var out []string
	for j, h := range mp.headers {
		if !used[j] {
			out = append(out, show(h))
		}
	}
	return out
}

// result is the mapping the operator chose: file header → field header.
// Headers mapped to no field are named with "" so the reader does not
// match them by name to a field that now has another column.
func (mp mappingScreen) result() map[string]string {
	out := map[string]string{}
	used := map[int]bool{}
	for i, j := range mp.choice {
		if j >= 0 {
			out[mp.headers[j]] = mp.fields[i].Header
			used[j] = true
		}
	}
	for j, h := range mp.headers {
		if !used[j] {
			out[h] = ""
		}
	}
	return out
}

// unmapped names the required fields still without a column.
func (mp mappingScreen) unmapped() []string {
	var out []string
	for i, fd := range mp.fields {
		if fd.Required && mp.choice[i] < 0 {
			out = append(out, fd.Header)
		}
	}
	return out
}

func (m *Model) handleMappingKey(msg tea.KeyPressMsg) tea.Cmd {
	mp := &m.mapping
	k := m.keys
	switch {
	case key.Matches(msg, k.Global.Quit):
		return m.quit()
	case m.file.busy:
		if key.Matches(msg, k.Global.Back) {
			m.stopJob()
			m.file.busy, m.file.job = false, 0
		}
		return nil
	case key.Matches(msg, k.Global.Back):
		if mp.fromPreview && m.preview.file != nil {
			m.setState(ScreenPreview)
			return nil
		}
		m.setState(ScreenFile)
		return nil
	case key.Matches(msg, k.Mapping.Up):
		mp.cursor = max(mp.cursor-1, 0)
	case key.Matches(msg, k.Mapping.Down):
		mp.cursor = min(mp.cursor+1, len(mp.fields)-1)
	case key.Matches(msg, k.Mapping.Choice):
		d := 1
		if s := msg.String(); s == "left" || s == "h" {
			d = -1
		}
		// Cycle through "none" (-1) and every header.
		n := len(mp.headers) + 1
		mp.choice[mp.cursor] = (mp.choice[mp.cursor]+1+d+n)%n - 1
		mp.err, mp.saved = "", ""
	case key.Matches(msg, k.Mapping.Save):
		if u := mp.unmapped(); len(u) > 0 {
			mp.err = "Map " + strings.Join(u, ", ") + " first."
			return nil
		}
		job := mp.job
		b := m.backend
		path, mapping := mp.path, mp.result()
		return func() tea.Msg {
			to, err := b.SaveMapping(path, mapping)
			return mappingSavedMsg{job: job, path: to, err: err}
		}
	case key.Matches(msg, k.Mapping.Continue):
		if u := mp.unmapped(); len(u) > 0 {
			mp.err = "Map " + strings.Join(u, ", ") + " first: they are required."
			return nil
		}
		return m.startOpen(mp.path, mp.result())
	}
	return nil
}

func (m *Model) applyMappingSaved(msg mappingSavedMsg) tea.Cmd {
	if msg.job != m.mapping.job {
		return nil
	}
	if msg.err != nil {
		m.mapping.err = "Could not save the mapping: " + msg.err.Error()
		return nil
	}
	m.mapping.saved = msg.path
	return m.setStatus(sevOK, "Mapping saved to "+msg.path+"; it is used next time this file is opened.")
}

func (mp mappingScreen) view(st Styles, busy string, w, h int) string {
	var b strings.Builder
	b.WriteString("\n" + st.Text.Render("  "+filepath.Base(mp.path)+": which column holds each field?") + "\n")
	b.WriteString(st.Muted.Render("  "+wrap("File headers: "+strings.Join(mp.headers, ", "), max(w-4, 20), "  ")) + "\n\n")
	rows := max(h-9-strings.Count(wrap("File headers: "+strings.Join(mp.headers, ", "), max(w-4, 20), "  "), "\n"), 1)
	offset := max(mp.cursor-rows+1, 0)
	for i := offset; i < len(mp.fields) && i < offset+rows; i++ {
		fd := mp.fields[i]
		name := fd.Header
		if fd.Required {
			name += " *"
		}
		v := st.Muted.Render("(not in the file)")
		if j := mp.choice[i]; j >= 0 {
			v = st.Text.Render(show(mp.headers[j]))
		} else if fd.Required {
			v = st.Bad.Render("✗ required: choose a column")
		}
		marker, ls := "  ", st.Label
		if i == mp.cursor {
			marker, ls = st.Focused.Render("› "), st.Focused
			v = st.Focused.Render("‹ ") + v + st.Focused.Render(" ›")
		}
		b.WriteString(marker + ls.Render(padRight(name, 24)) + v + "\n")
	}
	if ig := mp.ignored(); len(ig) > 0 {
		b.WriteString(st.Muted.Render("  "+wrap("Not imported: "+strings.Join(ig, ", "), max(w-4, 20), "  ")) + "\n")
	}
	b.WriteString("\n")
	switch {
	case busy != "":
		b.WriteString("  " + st.Text.Render(busy))
	case mp.err != "":
		b.WriteString("  " + st.Error.Render("✗ "+show(mp.err)))
	case mp.saved != "":
		b.WriteString(st.OK.Render("  ✓ saved to " + mp.saved))
	case mp.fromPreview:
		b.WriteString(st.Muted.Render("  " + wrap("* required. enter reads the file again with this mapping; s saves it beside the file for next time; esc goes back to the rows as they are.", max(w-4, 20), "  ")))
	default:
		b.WriteString(st.Muted.Render("  " + wrap("* required. enter loads the file with this mapping; s saves it for next time.", max(w-4, 20), "  ")))
	}
	return b.String()
}

// The mapping screen as a page of the root model.

func (mp *mappingScreen) handleKey(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	return m.handleMappingKey(msg)
}
func (mp *mappingScreen) handlePaste(tea.PasteMsg) tea.Cmd { return nil }
func (mp *mappingScreen) body(m *Model, l Layout) string {
	busy := ""
	if m.file.busy { // the file is read again with this mapping
		busy = m.file.spin.View() + " " + m.file.phase + " " + filepath.Base(m.file.opening) + "… (esc cancels)"
	}
	return mp.view(m.styles, busy, l.Width, l.Body)
}
func (mp *mappingScreen) keys(m *Model) bindings {
	k := m.keys
	return bindings{k.Mapping.Up, k.Mapping.Down, k.Mapping.Choice, k.Mapping.Save, k.Mapping.Continue, k.Global.Back, k.Global.Quit}
}
func (mp *mappingScreen) textEntry() bool    { return false }
func (mp *mappingScreen) title() string      { return "" }
func (mp *mappingScreen) resize(_, _, _ int) {}
