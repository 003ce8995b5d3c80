package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"usersync/csvfile"
)

// questionKind says what a yes answer does.
type questionKind int

const (
	askExclude questionKind = iota
	askFixAll
	askEncoding
)

// question asks yes or no; lines say what yes does, in words. It answers
// with a questionAnsweredMsg; other keys wait for an answer.
type question struct {
	kind  questionKind
	lines []string
	yes   string // what y does, for the key line
	no    string // what n does
	// What a yes acts on: the rows to exclude, the message to fix.
	rows []int
	msg  csvfile.Message
}

// questionAnsweredMsg is the answer to a question.
type questionAnsweredMsg struct {
	q   *question
	yes bool
}

func (q *question) handleKey(msg tea.KeyPressMsg, k KeyMap) (bool, tea.Msg, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Confirm.Yes):
		return true, questionAnsweredMsg{q: q, yes: true}, nil
	case key.Matches(msg, k.Confirm.No):
		return true, questionAnsweredMsg{q: q, yes: false}, nil
	}
	return false, nil, nil
}

func (q *question) update(tea.Msg) tea.Cmd { return nil }
func (q *question) paneTitle() string      { return "" }
func (q *question) typing() bool           { return false }
func (q *question) setWidth(int)           {}
func (q *question) bindings(k KeyMap) bindings {
	return bindings{k.Confirm.Yes, k.Confirm.No}
}

func (q *question) view(st Styles, w int) []string {
	var lines []string
	for k, l := range q.lines {
		style := st.Text
		if k == 0 {
			style = st.Warn
		}
		for _, part := range strings.Split(wrap(l, max(w-3, 20), ""), "\n") {
			lines = append(lines, " "+style.Render(part))
		}
	}
	return append(lines, " "+st.Focused.Render("y")+st.Text.Render(" "+q.yes+"   ")+st.Focused.Render("n")+st.Text.Render(" "+q.no))
}
