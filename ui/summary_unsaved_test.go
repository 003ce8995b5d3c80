package ui

import (
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// The summary after an import made with unsaved fixes: q asked to "ctrl+s
// in the preview" (which the summary cannot reach) and q again asked
// again, for ever; o dropped the fixes without a word. Now q twice quits,
// o asks the same way, and ctrl+s saves from the summary.
func TestSummaryWithUnsavedEditsQuitsOnQTwiceAndSaves(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	d, _ := loginToPreview(t, file, seededTarget())
	fixAndPlan(t, d)
	d.keys("enter", "y")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	if !d.m.unsaved() {
		t.Fatal("the fixes were saved already; the test proves nothing")
	}
	d.sees("ctrl+s save file")

	// o asks first; another key keeps the summary.
	d.keys("o")
	if d.m.screen != ScreenSummary {
		t.Fatalf("o dropped the unsaved fixes at once: screen %v", d.m.screen)
	}
	d.sees("o again starts another file without them")
	d.keys("down")

	// q asks, naming q and what the summary can do.
	d.keys("q")
	d.sees("ctrl+s saves them", "q again quits without saving")
	if strings.Contains(d.view(), "in the preview") {
		t.Fatalf("the summary points at the preview, which it cannot reach:\n%s", d.view())
	}
	_, cmd := d.m.Update(keyPress("q"))
	if cmd == nil || !isQuit(cmd) {
		t.Fatal("q pressed twice did not quit")
	}

	// ctrl+s saves from the summary.
	d.keys("down") // the q above was only looked at: close its question
	d.keys("ctrl+s")
	d.until("the save", func(m *Model) bool { return !m.unsaved() })
	d.sees("Saved users.csv")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Hopper") {
		t.Fatalf("the saved file lacks the fix:\n%s", b)
	}
	if strings.Contains(d.view(), "ctrl+s save file") {
		t.Fatal("ctrl+s still offered with nothing to save")
	}
	_, cmd = d.m.Update(keyPress("q"))
	if !isQuit(cmd) {
		t.Fatal("q with everything saved did not quit at once")
	}
}

// isQuit runs cmd (and a batch's commands) looking for tea.Quit.
func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	switch msg := cmd().(type) {
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range msg {
			if isQuit(c) {
				return true
			}
		}
	}
	return false
}
