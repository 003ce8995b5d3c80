package ui

import (
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"usersync/sync/render"
)

// severity of a status message.
type severity int

const (
	sevInfo severity = iota
	sevOK
	sevWarn
	sevError
)

// status is the one line every screen shares for what just happened. It
// clears itself: each message arms a timer carrying its id, and only the
// timer of the message still shown clears it.
type status struct {
	id     int
	sev    severity
	text   string
	screen Screen // the screen it is about: it shows there only
}

type statusExpiredMsg struct{ id int }

// setStatus shows text and returns the command that clears it later.
func (m *Model) setStatus(sev severity, text string) tea.Cmd {
	m.status.id++
	m.status.sev, m.status.text, m.status.screen = sev, show(text), m.screen // errors carry servers' and files' text
	id := m.status.id
	m.resize(m.width, m.height) // a long status takes a second line
	d := 6 * time.Second
	if sev == sevError {
		d = 15 * time.Second
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return statusExpiredMsg{id: id} })
}

func (m *Model) expireStatus(id int) {
	if id == m.status.id {
		m.status.text = ""
		m.resize(m.width, m.height)
	}
}

// render draws the status for screen, wrapped to w (nothing when it is
// about another screen).
func (s status) render(st Styles, w int, screen Screen) string {
	if s.text == "" || s.screen != screen {
		return ""
	}
	style, icon := st.Status, ""
	switch s.sev {
	case sevOK:
		style, icon = st.OK, "✓ "
	case sevWarn:
		style, icon = st.Warn, "! "
	case sevError:
		style, icon = st.Error, "✗ "
	}
	return strings.Join(wrapStyled(style, icon+s.text, w, "  "), "\n")
}

// lines is how many lines the status takes at width w on screen (at most 3).
func (s status) lines(w int, screen Screen) int {
	if s.text == "" || s.screen != screen {
		return 1
	}
	return min(strings.Count(wrap("✓ "+s.text, max(w, 10), "  "), "\n")+1, 3)
}

func itoa(n int) string { return strconv.Itoa(n) }

// count formats n with thousands separators: 1,000,000.
func count(n int) string { return render.Count(n) }

// plural returns "1 row" or "3 rows".
func plural(n int, one, many string) string { return render.Plural(n, one, many) }

// humanDuration rounds d for people: "45s", "3m20s", "1h05m".
func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Minute:
		return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + "s"
	case d < time.Hour:
		d = d.Round(time.Second)
		return strconv.Itoa(int(d/time.Minute)) + "m" + pad2(int(d%time.Minute/time.Second)) + "s"
	}
	d = d.Round(time.Minute)
	return strconv.Itoa(int(d/time.Hour)) + "h" + pad2(int(d%time.Hour/time.Minute)) + "m"
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
