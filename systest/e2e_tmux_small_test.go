package systest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestTUIEndToEndInTmux80x24 walks the guided import in the smallest
// terminal the design supports: sign in, a fix, a prompt, the rows still
// invalid excluded (the question), save, the dry run and its confirmation
// dialog, the apply, the summary. Every frame fills the 24 lines exactly,
// keeps the header's step and the help line, and no line is wider than 80
// columns (names in the file include CJK and emoji).
func TestTUIEndToEndInTmux80x24(t *testing.T) {
	src := filepath.Join(t.TempDir(), "users.csv")
	data, err := os.ReadFile("testdata/users.csv")
	if err != nil {
		t.Fatal(err)
	}
	// Two rows more, with names two columns a character wide.
	wide := strings.TrimRight(string(data), "\n") + "\n" +
		"山田,太郎,taro.yamada@example.edu,scheduling,U2001,Mathematics,,\n" +
		"Zoë 🎉,Ngô,zoe.ngo@example.edu,scheduling,U2002,History,,\n"
	if err := os.WriteFile(src, []byte(wide), 0o644); err != nil {
		t.Fatal(err)
	}
	s, dir, _ := startTUISized(t, 80, 24, src, "users.csv", "--sandbox", "--sandbox-latency", "50ms")
	file := filepath.Join(dir, "users.csv")
	frame := func(step string, texts ...string) string {
		t.Helper()
		screen := s.waitFor(texts...)
		lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
		if len(lines) > 24 {
			t.Fatalf("%s: %d lines in a 24-line terminal:\n%s", step, len(lines), screen)
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > 80 {
				t.Fatalf("%s: a line of %d columns:\n%s", step, ansi.StringWidth(l), screen)
			}
		}
		if !strings.Contains(lines[0], "of 6") {
			t.Fatalf("%s: the header lost its step:\n%s", step, screen)
		}
		return screen
	}

	frame("sign in", "Sign in to the user-management API", "demo_university")
	s.keys("Enter")
	frame("preview", "19 rows", "errors in", "Line 2")
	s.keys("/")
	frame("search prompt", "Search every cell")
	s.typeText("山田")
	s.keys("Enter")
	screen := frame("search", `"山田" found on line`, "taro.yamada")
	if os.Getenv("USERSYNC_SHOW") != "" {
		t.Log("\n" + screen)
	}
	// The Email column starts at the same terminal column on every row,
	// CJK and emoji names included.
	col := func(email string) int {
		for _, l := range strings.Split(screen, "\n") {
			if i := strings.Index(l, email); i >= 0 {
				return ansi.StringWidth(l[:i])
			}
		}
		t.Fatalf("%s is not on screen:\n%s", email, screen)
		return 0
	}
	if a, b, c := col("zoe.quinn@"), col("taro.yamada@"), col("zoe.ngo@"); a != b || a != c {
		t.Fatalf("the Email column is at %d, %d and %d:\n%s", a, b, c, screen)
	}
	s.keys("g", "n", "x")
	frame("fix", "line 3 is valid now")
	s.keys("Enter") // rows with errors left: the question
	frame("question", "Exclude them and continue")
	s.keys("n")
	s.keys("C-s")
	frame("saved", "the original is kept as users.csv.bak")
	s.keys("Enter")
	frame("question again", "Exclude them and continue")
	s.keys("y")
	frame("dry run", "create", "update", "skipped")
	s.keys("Enter")
	frame("confirmation", "Confirm", "This will:", "apply now")
	s.keys("y")
	screen = frame("summary", "Import finished", "0 failed", "Report")
	if !strings.Contains(screen, "created") {
		t.Fatalf("the summary has no counts:\n%s", screen)
	}
	saved, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(saved), "courseDemandProjections") || !strings.Contains(string(saved), "山田,太郎") {
		t.Fatalf("the saved file (%v):\n%s", err, saved)
	}
	s.keys("q")
	s.waitFor("EXITED 0")
}
