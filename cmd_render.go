package main

import (
	"io"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"usersync/sync"
	"usersync/sync/render"
)

// The CLI's side of sync/render: the words are the TUI's, coloured here
// with ANSI styles (downsampled to what the writer shows; none with
// NO_COLOR).

var toneStyles = map[render.Tone]lipgloss.Style{
	render.Added:   lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
	render.Changed: lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
	render.Removed: lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
	render.Bad:     lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
	render.Warn:    lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
	render.Muted:   lipgloss.NewStyle().Faint(true),
	render.Label:   lipgloss.NewStyle().Bold(true),
}

// printLines writes lines, each piece in its tone's style. The text is
// escaped by render; the styles go to the writer under the renderer (run
// escapes what passes through it), or nowhere with NO_COLOR.
func printLines(w io.Writer, lines []render.Line) {
	var b strings.Builder
	for _, l := range lines {
		for _, p := range l {
			if st, ok := toneStyles[p.Tone]; ok && p.Text != "" {
				b.WriteString(st.Render(p.Text))
			} else {
				b.WriteString(p.Text)
			}
		}
		b.WriteByte('\n')
	}
	if raw, noColor := rawWriter(w); noColor {
		io.WriteString(w, ansi.Strip(b.String()))
	} else {
		lipgloss.Fprint(raw, b.String())
	}
}

// printPlan writes the readable diff of an import or a rollback.
func printPlan(w io.Writer, p *sync.Plan) { printLines(w, render.PlanLines(p)) }

// printRunSummary is a run's last lines, after a blank one.
func printRunSummary(w io.Writer, r *sync.Run, rollback bool) {
	printLines(w, append([]render.Line{nil}, render.RunLines(r, rollback)...))
}
