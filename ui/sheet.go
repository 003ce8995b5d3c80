package ui

import (
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// sheetChoice is the file screen's step for a workbook with several
// sheets holding data: the operator picks the one with the users, and
// the file is opened again with it.
type sheetChoice struct {
	path    string
	sheets  []string
	cursor  int
	mapping map[string]string
}

// askSheet shows the sheets of the workbook at path to choose from.
func (m *Model) askSheet(path string, sheets []string, mapping map[string]string) tea.Cmd {
	m.file.choice = &sheetChoice{path: path, sheets: append([]string(nil), sheets...), mapping: copyMap(mapping)}
	m.file.err = ""
	if m.screen != ScreenFile {
		m.setState(ScreenFile)
	}
	return nil
}

// handleSheetKey moves through the sheets, opens the one chosen, or goes
// back to the picker.
func (m *Model) handleSheetKey(msg tea.KeyPressMsg) tea.Cmd {
	f := &m.file
	c := f.choice
	k := m.keys
	switch {
	case key.Matches(msg, k.Mapping.Up):
		c.cursor = max(c.cursor-1, 0)
	case key.Matches(msg, k.Mapping.Down):
		c.cursor = min(c.cursor+1, len(c.sheets)-1)
	case key.Matches(msg, k.File.Pick):
		f.choice = nil
		f.sheetPath, f.sheet = c.path, c.sheets[c.cursor]
		return m.startOpen(c.path, c.mapping)
	case key.Matches(msg, k.Global.Back):
		f.choice = nil
	}
	return nil
}

// sheetFor is the sheet chosen for path, "" when none was (ask).
func (f *fileScreen) sheetFor(path string) string {
	if path != f.sheetPath {
		f.sheetPath, f.sheet = "", ""
	}
	return f.sheet
}

func (c *sheetChoice) bindings(k KeyMap) bindings {
	return bindings{k.Mapping.Up, k.Mapping.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "read this sheet")), k.Global.Back, k.Global.Quit}
}

func (c *sheetChoice) view(st Styles, w int) string {
	var b strings.Builder
	b.WriteString("\n" + st.Text.Render("  "+wrap(filepath.Base(c.path)+" has "+itoa(len(c.sheets))+
		" sheets with data. Which one holds the users?", max(w-4, 20), "  ")) + "\n\n")
	for i, s := range c.sheets {
		line := "    " + safeLabel(s)
		if i == c.cursor {
			line = st.Accent.Render("  › " + safeLabel(s))
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n" + st.Muted.Render("  enter reads the sheet; esc goes back to the files"))
	return b.String()
}

// safeLabel shows a name from a file with what a terminal would act on
// escaped.
func safeLabel(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c:
			b.WriteString(`\u` + strings.ToUpper(hex4(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hex4(r rune) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[r>>12&0xf], digits[r>>8&0xf], digits[r>>4&0xf], digits[r&0xf]})
}

// joinOr writes a, b or c.
func joinOr(ss []string) string {
	if len(ss) < 2 {
		return strings.Join(ss, "")
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}
