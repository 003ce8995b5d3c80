package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap holds every binding, grouped by screen. Screens match with
// key.Matches and the help line is built from the current screen's group,
// so what the help says is exactly what the keys do.
type KeyMap struct {
	Global   GlobalKeys
	Login    LoginKeys
	File     FileKeys
	Mapping  MappingKeys
	Preview  PreviewKeys
	Edit     EditKeys
	Diff     DiffKeys
	Confirm  ConfirmKeys
	Progress ProgressKeys
	Summary  SummaryKeys
}

// GlobalKeys work on every screen.
type GlobalKeys struct {
	Quit, Back, Help key.Binding
}

type LoginKeys struct {
	Next, Prev, Choice, Submit key.Binding
}

type FileKeys struct {
	Pick, TypePath, Open key.Binding
}

type MappingKeys struct {
	Up, Down, Choice, Save, Continue key.Binding
}

// ListKeys move a cursor through a list; each list screen embeds them.
type ListKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

// Matches reports whether msg is one of l's keys.
func (l ListKeys) Matches(msg tea.KeyPressMsg) bool {
	return key.Matches(msg, l.Up, l.Down, l.PageUp, l.PageDown, l.Top, l.Bottom)
}

// Move returns where msg moves a cursor at cursor in a list of n rows shown
// page at a time; the screen keeps it in range.
func (l ListKeys) Move(msg tea.KeyPressMsg, cursor, page, n int) int {
	switch {
	case key.Matches(msg, l.Up):
		return cursor - 1
	case key.Matches(msg, l.Down):
		return cursor + 1
	case key.Matches(msg, l.PageUp):
		return cursor - page
	case key.Matches(msg, l.PageDown):
		return cursor + page
	case key.Matches(msg, l.Top):
		return 0
	case key.Matches(msg, l.Bottom):
		return n - 1
	}
	return cursor
}

type PreviewKeys struct {
	ListKeys
	Left, Right                                          key.Binding
	NextProblem, PrevProblem, Filter                     key.Binding
	Search, NextMatch, PrevMatch, GoToLine               key.Binding
	Edit, Fix, FixAll, Fill, Replace, Delete, Undo, Save key.Binding
	Exclude, ExcludeAll, Mapping, Continue               key.Binding
}

// EditKeys are active while a cell is being edited inline.
type EditKeys struct {
	Accept, Cancel key.Binding
}

type DiffKeys struct {
	ListKeys
	Expand, ExpandAll, CollapseAll         key.Binding
	Search, NextMatch, PrevMatch, GoToLine key.Binding
	FilterAction, FilterField              key.Binding
	Mail, Replace, Bulk, Export, Apply     key.Binding
}

// ConfirmKeys answer a yes/no question (the apply confirmation, exclusion).
type ConfirmKeys struct {
	Yes, No key.Binding
	// Apply is the apply's yes: y alone, so that the enter that opened the
	// confirmation, pressed twice, writes nobody and mails nobody.
	Apply key.Binding
}

type ProgressKeys struct {
	Pause, Cancel key.Binding
}

type SummaryKeys struct {
	Up, Down, Retry, Rollback, NewImport, Quit key.Binding
}

// listKeys are the list keys of every screen; pageUp and pageDown are keys
// for a page besides pgup and pgdown.
func listKeys(b func(keys []string, k, help string) key.Binding, pageUp, pageDown []string) ListKeys {
	return ListKeys{
		Up:       b([]string{"up", "k"}, "↑/k", "up"),
		Down:     b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:   b(append([]string{"pgup"}, pageUp...), "pgup", "page up"),
		PageDown: b(append([]string{"pgdown"}, pageDown...), "pgdn", "page down"),
		Top:      b([]string{"home", "g"}, "g", "first"),
		Bottom:   b([]string{"end", "G"}, "G", "last"),
	}
}

// DefaultKeyMap returns the bindings the help line documents.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, help))
	}
	list := listKeys(b, []string{"ctrl+u"}, []string{"ctrl+d"})
	return KeyMap{
		Global: GlobalKeys{
			Quit: b([]string{"ctrl+c"}, "ctrl+c", "quit"),
			Back: b([]string{"esc"}, "esc", "back"),
			Help: b([]string{"?"}, "?", "all keys"),
		},
		Login: LoginKeys{
			Next:   b([]string{"tab", "down"}, "tab/↓", "next field"),
			Prev:   b([]string{"shift+tab", "up"}, "shift+tab/↑", "previous"),
			Choice: b([]string{"left", "right"}, "←/→", "change choice"),
			Submit: b([]string{"enter"}, "enter", "sign in"),
		},
		File: FileKeys{
			Pick:     b([]string{"enter", "right"}, "enter", "open"),
			TypePath: b([]string{"tab"}, "tab", "type a path / pick"),
			Open:     b([]string{"enter"}, "enter", "open path"),
		},
		Mapping: MappingKeys{
			Up:       b([]string{"up", "k"}, "↑/k", "up"),
			Down:     b([]string{"down", "j"}, "↓/j", "down"),
			Choice:   b([]string{"left", "right", "h", "l"}, "←/→", "choose header"),
			Save:     b([]string{"s"}, "s", "save mapping"),
			Continue: b([]string{"enter"}, "enter", "load with mapping"),
		},
		Preview: PreviewKeys{
			ListKeys:    list,
			Left:        b([]string{"left", "h"}, "←/h", "column"),
			Right:       b([]string{"right", "l"}, "→/l", "column"),
			NextProblem: b([]string{"n"}, "n/N", "next/prev problem"),
			PrevProblem: b([]string{"N"}, "N", "previous problem"),
			Filter:      b([]string{"f"}, "f", "filter: err/warn/edited/excluded"),
			Search:      b([]string{"/"}, "/", "search"),
			NextMatch:   b([]string{"]"}, "]/[", "next/prev match"),
			PrevMatch:   b([]string{"["}, "[", "previous match"),
			GoToLine:    b([]string{":"}, ":", "go to line"),
			Edit:        b([]string{"e"}, "e", "edit cell"),
			Fix:         b([]string{"x"}, "x", "apply fix"),
			FixAll:      b([]string{"a"}, "a", "fix all rows like it"),
			Fill:        b([]string{"="}, "=", "fill column"),
			Replace:     b([]string{"r"}, "r", "replace in column"),
			Delete:      b([]string{"D"}, "D", "delete row (on save)"),
			Undo:        b([]string{"u", "ctrl+z"}, "u", "undo"),
			Save:        b([]string{"ctrl+s"}, "ctrl+s", "save file"),
			Exclude:     b([]string{"space"}, "space", "exclude row"),
			ExcludeAll:  b([]string{"X"}, "X", "exclude invalid"),
			Mapping:     b([]string{"M"}, "M", "map columns"),
			Continue:    b([]string{"enter"}, "enter", "dry run"),
		},
		Edit: EditKeys{
			Accept: b([]string{"enter"}, "enter", "set cell"),
			Cancel: b([]string{"esc"}, "esc", "cancel edit"),
		},
		Diff: DiffKeys{
			ListKeys:     list,
			Expand:       b([]string{"space", "right", "left"}, "space", "expand"),
			ExpandAll:    b([]string{"e"}, "e", "expand all"),
			CollapseAll:  b([]string{"E"}, "E", "collapse all"),
			Search:       b([]string{"/"}, "/", "search"),
			NextMatch:    b([]string{"]"}, "]/[", "next/prev match"),
			PrevMatch:    b([]string{"["}, "[", "previous match"),
			GoToLine:     b([]string{":"}, ":", "go to line"),
			FilterAction: b([]string{"f"}, "f", "filter by action"),
			FilterField:  b([]string{"F"}, "F", "filter by field"),
			Mail:         b([]string{"m"}, "m", "registration mail"),
			Replace:      b([]string{"r"}, "r", "replace mode"),
			Bulk:         b([]string{"b"}, "b", "bulk mode"),
			Export:       b([]string{"w"}, "w", "export plan"),
			Apply:        b([]string{"enter"}, "enter", "apply…"),
		},
		Confirm: ConfirmKeys{
			Yes:   b([]string{"y", "enter"}, "y", "yes"),
			No:    b([]string{"n", "esc"}, "n/esc", "no"),
			Apply: b([]string{"y"}, "y", "apply now"),
		},
		Progress: ProgressKeys{
			Pause:  b([]string{"p", "space"}, "p", "pause/resume"),
			Cancel: b([]string{"ctrl+c"}, "ctrl+c", "stop (resumable)"),
		},
		Summary: SummaryKeys{
			Up:        b([]string{"up", "k"}, "↑/k", "up"),
			Down:      b([]string{"down", "j"}, "↓/j", "down"),
			Retry:     b([]string{"r"}, "r", "retry failed rows"),
			Rollback:  b([]string{"R"}, "R", "roll back this import"),
			NewImport: b([]string{"o"}, "o", "another file"),
			Quit:      b([]string{"q"}, "q", "quit"),
		},
	}
}

// bindings is a help.KeyMap made of one screen's keys.
type bindings []key.Binding

func (b bindings) ShortHelp() []key.Binding { return b }

// FullHelp lays the keys out in columns of five.
func (b bindings) FullHelp() [][]key.Binding {
	var cols [][]key.Binding
	for i := 0; i < len(b); i += 5 {
		cols = append(cols, b[i:min(i+5, len(b))])
	}
	return cols
}
