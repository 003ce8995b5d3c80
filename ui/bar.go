package ui

import (
	"image/color"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"
)

// progressBar draws a static bar of width columns filled to pct (0..1) with
// bubbles/progress, in the accent colour on the muted one (none with
// NO_COLOR). The percentage is written by the caller, beside the counts.
func progressBar(st Styles, pct float64, width int) string {
	width = max(width, 4)
	bar := progress.New(progress.WithWidth(width), progress.WithoutPercentage(),
		progress.WithFillCharacters('█', '░'), progress.WithColors(colorOf(st.Accent)))
	bar.EmptyColor = colorOf(st.Muted)
	return bar.ViewAs(min(max(pct, 0), 1))
}

// colorOf is a style's foreground, lipgloss.NoColor when it has none.
func colorOf(s lipgloss.Style) color.Color {
	return s.GetForeground()
}
