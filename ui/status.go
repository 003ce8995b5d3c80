package ui

import (
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
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
	id   int
	sev  severity
	text string
}

type statusExpiredMsg struct{ id int }

// setStatus shows text and returns the command that clears it later.
func (m *Model) setStatus(sev severity, text string) tea.Cmd {
	m.status.id++
	m.status.sev, m.status.text = sev, show(text) // errors carry servers' and files' text
	id := m.status.id
	d := 6 * time.Second
	if sev == sevError {
		d = 15 * time.Second
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return statusExpiredMsg{id: id} })
}

func (s *status) expire(id int) {
	if id == s.id {
		s.text = ""
	}
}

func (s status) render(st Styles) string {
	if s.text == "" {
		return ""
	}
	switch s.sev {
	case sevOK:
		return st.OK.Render("✓ " + s.text)
	case sevWarn:
		return st.Warn.Render("! " + s.text)
	case sevError:
		return st.Error.Render("✗ " + s.text)
	}
	return st.Status.Render(s.text)
}

func itoa(n int) string { return strconv.Itoa(n) }

// count formats n with thousands separators: 1,000,000.
func count(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// plural returns "1 row" or "3 rows".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

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
