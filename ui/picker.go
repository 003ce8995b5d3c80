package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	gosync "sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// dirPicker lists one directory: its folders and the files the target
// reads, leaving out what usersync itself writes beside a file (reports,
// journals, backups, .bak, .mapping, exported plans), which are never
// imported. It reads directories in commands, like bubbles' filepicker,
// whose methods it keeps (Init, Update, DidSelectFile, View).
type dirPicker struct {
	id               int
	CurrentDirectory string
	AllowedTypes     []string
	KeyMap           pickerKeys

	entries  []dirEntry
	hidden   int // files in the directory not listed
	err      string
	selected int
	offset   int
	height   int
	picked   string // the file the last Update opened
}

type pickerKeys struct {
	ListKeys
	Open, Back key.Binding
}

type dirEntry struct {
	name string
	dir  bool
}

// dirReadMsg is one directory's listing.
type dirReadMsg struct {
	id      int
	dir     string
	entries []dirEntry
	hidden  int
	err     error
}

var (
	pickerMu  gosync.Mutex
	pickerIDs int
)

func newDirPicker(dir string, types []string) dirPicker {
	pickerMu.Lock()
	pickerIDs++
	id := pickerIDs
	pickerMu.Unlock()
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	return dirPicker{id: id, CurrentDirectory: dir, AllowedTypes: types, KeyMap: pickerKeys{
		ListKeys: listKeys(b, nil, nil),
		Open:     b([]string{"enter", "right", "l"}, "enter", "open"),
		Back:     b([]string{"h", "backspace", "left"}, "h", "parent dir"),
	}}
}

// Init reads the current directory.
func (p dirPicker) Init() tea.Cmd {
	id, dir, types := p.id, p.CurrentDirectory, slices.Clone(p.AllowedTypes)
	return func() tea.Msg {
		des, err := os.ReadDir(dir)
		msg := dirReadMsg{id: id, dir: dir, err: err}
		for _, de := range des {
			name := de.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			isDir := de.IsDir()
			if de.Type()&os.ModeSymlink != 0 {
				if st, err := os.Stat(filepath.Join(dir, name)); err == nil {
					isDir = st.IsDir()
				}
			}
			if !isDir && (!readable(name, types) || ownOutput(name)) {
				msg.hidden++
				continue
			}
			msg.entries = append(msg.entries, dirEntry{name: name, dir: isDir})
		}
		slices.SortStableFunc(msg.entries, func(a, b dirEntry) int {
			if a.dir != b.dir {
				if a.dir {
					return -1
				}
				return 1
			}
			return strings.Compare(a.name, b.name)
		})
		return msg
	}
}

// readable reports whether a file name ends in one of types.
func readable(name string, types []string) bool {
	lower := strings.ToLower(name)
	for _, t := range types {
		if strings.HasSuffix(lower, strings.ToLower(t)) {
			return true
		}
	}
	return len(types) == 0
}

// ownOutputs match what usersync writes beside a file (sync.DefaultPaths,
// with the -2, -3 a name taken in the same second gets, the TUI's retry
// and rollback paths, exported plans, the editor's .bak,
// saved mappings); picker_test.go builds each from the code that names it.
var ownOutputs = regexp.MustCompile(`(?i)(` +
	`\.(report|backup|rollback-report|rollback-backup)-\d{8}-\d{6}(-\d+)?(\.retry-\d{8}-\d{6}(-\d+)?)?\.(csv|json)` +
	`|\.retry-\d{8}-\d{6}(-\d+)?\.(csv|json|jsonl)` +
	`|\.(plan|rollback-plan)\.json` +
	`|\.jsonl|\.bak|\.mapping)$`)

func ownOutput(name string) bool { return ownOutputs.MatchString(name) }

func (p *dirPicker) SetHeight(h int) {
	p.height = max(h, 1)
	p.clamp()
}

func (p *dirPicker) clamp() {
	p.selected = min(max(p.selected, 0), max(len(p.entries)-1, 0))
	if p.selected < p.offset {
		p.offset = p.selected
	}
	if p.selected >= p.offset+p.height {
		p.offset = p.selected - p.height + 1
	}
	p.offset = max(p.offset, 0)
}

// Update takes a listing or a key; an opened folder is read next.
func (p dirPicker) Update(msg tea.Msg) (dirPicker, tea.Cmd) {
	p.picked = ""
	switch msg := msg.(type) {
	case dirReadMsg:
		if msg.id != p.id || msg.dir != p.CurrentDirectory {
			return p, nil
		}
		p.entries, p.hidden, p.err = msg.entries, msg.hidden, ""
		if msg.err != nil {
			p.err = msg.err.Error()
		}
		p.clamp()
	case tea.KeyPressMsg:
		k := p.KeyMap
		switch {
		case k.ListKeys.Matches(msg):
			p.selected = k.Move(msg, p.selected, p.height, len(p.entries))
		case key.Matches(msg, k.Back):
			p.CurrentDirectory = filepath.Dir(p.CurrentDirectory)
			p.selected, p.offset = 0, 0
			return p, p.Init()
		case key.Matches(msg, k.Open):
			if len(p.entries) == 0 {
				return p, nil
			}
			e := p.entries[p.selected]
			path := filepath.Join(p.CurrentDirectory, e.name)
			if e.dir {
				p.CurrentDirectory = path
				p.selected, p.offset = 0, 0
				return p, p.Init()
			}
			p.picked = path
		}
		p.clamp()
	}
	return p, nil
}

// DidSelectFile reports whether the key just given opened a file.
func (p dirPicker) DidSelectFile(msg tea.Msg) (bool, string) {
	if _, ok := msg.(tea.KeyPressMsg); ok && p.picked != "" {
		return true, p.picked
	}
	return false, ""
}

// DidSelectDisabledFile is always false: files the target cannot read
// are not listed (a typed path may still name one).
func (p dirPicker) DidSelectDisabledFile(tea.Msg) (bool, string) { return false, "" }

func (p dirPicker) view(st Styles, w int) string {
	var b strings.Builder
	if p.err != "" {
		return st.Error.Render("  ✗ " + wrap(p.err, max(w-6, 20), "    "))
	}
	if len(p.entries) == 0 {
		b.WriteString(st.Muted.Render("  nothing here to import (" + strings.Join(p.AllowedTypes, ", ") + "); h goes up a folder"))
	}
	for i := p.offset; i < len(p.entries) && i < p.offset+p.height; i++ {
		e := p.entries[i]
		name, style := show(e.name), st.Text
		if e.dir {
			name, style = show(e.name)+"/", st.Accent
		}
		if i == p.selected {
			b.WriteString(st.Focused.Render("› ") + st.Focused.Render(name))
		} else {
			b.WriteString("  " + style.Render(name))
		}
		b.WriteString("\n")
	}
	if p.hidden > 0 {
		b.WriteString(st.Muted.Render("  " + plural(p.hidden, "other file", "other files") + " not listed (other types; usersync's reports, journals, backups)"))
	}
	return b.String()
}
