package ui

import (
	"strings"
	"testing"
)

func TestNoColorKeepsMeaning(t *testing.T) {
	color := NewStyles(true, false)
	plain := NewStyles(true, true)
	// With colour, Production is red; without, still reversed and bold.
	if got := color.Prod.Render("PRODUCTION"); !strings.Contains(got, "38;2;215;0;0") {
		t.Fatalf("Production is not red: %q", got)
	}
	got := plain.Prod.Render("PRODUCTION")
	if strings.Contains(got, "38;") || strings.Contains(got, "48;") {
		t.Fatalf("NO_COLOR still colours: %q", got)
	}
	if !strings.Contains(got, "7") {
		t.Fatalf("Production is not reversed without colour: %q", got)
	}
	for name, s := range map[string]string{"bad": plain.Bad.Render("x"), "ok": plain.OK.Render("x"), "selected": plain.SelectedRow.Render("x"), "muted": plain.Muted.Render("x")} {
		if strings.Contains(s, "38;") || strings.Contains(s, "48;") {
			t.Fatalf("%s has a colour under NO_COLOR: %q", name, s)
		}
	}
	if p := paintOf(plain.Muted); p.on("x") != "x" {
		t.Fatalf("an empty style paints: %q", p.on("x"))
	}
}

// Production is marked on every screen once signed in: the header badge.
func TestProductionBadgeOnEveryScreen(t *testing.T) {
	m := New(newMemBackend(newMemTarget()), sandboxDefaults(""), true)
	tgt := newMemTarget()
	m.session = &Session{Target: tgt, Schema: tgt.schema, Env: EnvProduction, Account: "real_school", Production: true}
	for _, s := range []Screen{ScreenFile, ScreenMapping, ScreenPreview, ScreenDiff, ScreenProgress, ScreenSummary} {
		m.setState(s)
		if h := m.renderHeader(); !strings.Contains(h, "PRODUCTION") || !strings.Contains(h, "real_school") {
			t.Fatalf("%v header without the Production badge: %q", s, h)
		}
	}
}
