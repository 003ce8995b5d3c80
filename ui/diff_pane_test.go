package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// paneText is the dry run's detail pane as the frame shows it (cut to its
// band), its words joined by single spaces.
func paneText(d *driver) (raw, words string) {
	l := d.m.layout
	raw = ansi.Strip(fit(d.m.page().detail(d.m, d.m.detailDialog(), l), l.Width, l.Detail))
	return raw, strings.Join(strings.Fields(raw), " ")
}

// manyFields is a new user with more fields than the pane has lines, one
// of them long enough to wrap at 80 columns.
const manyFields = "First Name,Last Name,Email,Products,Department,Role IDs\n" +
	"Grace,Hopper,grace@example.edu,\"scheduling, curriculum, courseDemandProjections\"," +
	"Department of Computer Science and Naval Mathematics at the Yale Graduate School,\"r-1, r-2\"\n"

// At 80×24 and 120×40 the pane of a create names as many fields as fit
// and says how many more there are and how to see them; expanded, the
// cursor on any of its fields shows that field, whole, in the pane. No
// field is cut without the screen saying so.
func TestDryRunPaneSaysHowManyFieldsItCannotShow(t *testing.T) {
	for _, size := range []tea.WindowSizeMsg{{Width: 80, Height: 24}, {Width: 120, Height: 40}} {
		d := planOf(t, writeTemp(t, "users.csv", manyFields), newMemTarget())
		d.send(size)
		dd := &d.m.diff
		row := rowItem(t, d, "grace@example.edu")
		fields := dd.changesOf(row)
		if len(fields) != 6 {
			t.Fatalf("%dx%d: the create sets %d fields, want 6", size.Width, size.Height, len(fields))
		}
		raw, words := paneText(d)
		shown := 0
		for _, c := range fields {
			if strings.Contains(words, dd.header(c)+" "+strings.Join(strings.Fields(ansi.Strip(dd.changeText(Styles{}, c, true))), " ")) {
				shown++
			}
		}
		if shown == len(fields) {
			t.Fatalf("%dx%d: every field fits the pane: the test proves nothing\n%s", size.Width, size.Height, raw)
		}
		if want := "… " + plural(len(fields)-shown, "more field", "more fields") + ": space expands the row"; !strings.Contains(words, want) {
			t.Errorf("%dx%d: %d of %d fields shown, and the pane does not say %q:\n%s", size.Width, size.Height, shown, len(fields), want, raw)
		}
		// Expanded, every field in turn is shown whole in the pane.
		d.keys("space")
		if !dd.open[row] {
			t.Fatal("space did not expand the create")
		}
		for k, c := range fields {
			d.keys("down")
			it := dd.items[dd.cursor]
			if it.kind != itemChange || int(it.change) != k {
				t.Fatalf("the cursor is on %+v, want field %d", it, k)
			}
			raw, words := paneText(d)
			value := strings.Join(strings.Fields(ansi.Strip(dd.changeText(Styles{}, c, true))), " ")
			if !strings.Contains(words, dd.header(c)+" "+value) {
				t.Errorf("%dx%d: the cursor on %s, the pane does not show it whole (%q):\n%s", size.Width, size.Height, dd.header(c), value, raw)
			}
			if k < len(fields)-1 && !strings.Contains(words, "more field") {
				t.Errorf("%dx%d: on field %d the pane does not say what it leaves out:\n%s", size.Width, size.Height, k, raw)
			}
		}
	}
}

// The pane's window: what does not fit is counted in the note, a field
// taller than the pane is shown cut and counted, a note that wraps takes
// its lines from the fields, and nothing is lost when all fits.
func TestPaneWindowNeverCutsSilently(t *testing.T) {
	block := func(n int, reason bool) paneBlock {
		b := paneBlock{reason: reason}
		for k := range n {
			b.lines = append(b.lines, "l"+itoa(k))
		}
		return b
	}
	hidden := func(v paneView) string { return itoa(len(v.above)) + " above, " + itoa(len(v.below)) + " below" }
	cases := []struct {
		name        string
		blocks      []paneBlock
		room, focus int
		noteLines   int
		want        int    // lines out
		note        string // what the note was told
	}{
		{"all fit", []paneBlock{block(1, false), block(2, false)}, 3, -1, 1, 3, ""},
		{"the first that fit", []paneBlock{block(1, false), block(1, false), block(1, false), block(1, false)}, 3, -1, 1, 3, "0 above, 2 below"},
		{"around the focus", []paneBlock{block(1, false), block(1, false), block(1, false), block(1, false)}, 3, 3, 1, 3, "2 above, 0 below"},
		{"a field taller than the pane", []paneBlock{block(9, false), block(1, false)}, 4, -1, 1, 4, "0 above, 2 below"},
		{"a two-line note", []paneBlock{block(1, false), block(1, false), block(1, false), block(1, false)}, 3, -1, 2, 3, "0 above, 3 below"},
		{"reasons", []paneBlock{block(2, true), block(2, true)}, 3, -1, 1, 3, "0 above, 1 below"},
	}
	for _, c := range cases {
		told := ""
		out := paneWindow(c.blocks, c.room, c.focus, func(v paneView) []string {
			told = hidden(v)
			return make([]string, c.noteLines)
		})
		if len(out) != c.want || told != c.note {
			t.Errorf("%s: %d lines, note told %q; want %d lines, %q", c.name, len(out), told, c.want, c.note)
		}
	}
}
