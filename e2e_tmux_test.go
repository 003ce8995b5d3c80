package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync/coursedog"
)

var updateScreens = flag.Bool("update-screens", false, "rewrite docs/screens.md from the tmux run's captures")

// tmuxSession drives the built binary in a detached tmux session on a
// server socket of its own, so it never touches anyone else's tmux.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) capture() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-t", s.name)
}

// keys sends tmux key names ("Enter", "Escape", "C-c") or single letters.
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		s.tmux("send-keys", "-t", s.name, k)
		time.Sleep(120 * time.Millisecond)
	}
}

func (s *tmuxSession) typeText(text string) {
	s.t.Helper()
	s.tmux("send-keys", "-t", s.name, "-l", text)
	time.Sleep(150 * time.Millisecond)
}

// waitFor waits until the screen shows every text and returns it.
func (s *tmuxSession) waitFor(texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		screen := s.capture()
		ok := true
		for _, text := range texts {
			ok = ok && strings.Contains(screen, text)
		}
		if ok {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; it shows:\n%s", texts, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTUIEndToEndInTmux builds usersync, runs `usersync --sandbox FILE` in a
// 120x40 tmux session and walks the guided import: sign in, fix rows in the
// preview (a suggested fix, an inline edit, a role name), exclude the row
// that cannot be fixed, the dry run, apply (paused and resumed) and the
// summary; then checks the counts on screen and the sandbox's users.
func TestTUIEndToEndInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (CI installs it)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "usersync")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data, err := os.ReadFile("testdata/tui_demo.csv")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "tui_demo.csv")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}

	s := &tmuxSession{t: t, socket: fmt.Sprintf("usersync-e2e-%d", os.Getpid()), name: "e2e"}
	cmd := fmt.Sprintf("cd %q && XDG_CONFIG_HOME=%q HOME=%q NO_COLOR=1 %q --sandbox --sandbox-latency 150ms tui_demo.csv; echo EXITED $?; sleep 30",
		dir, filepath.Join(dir, "config"), dir, bin)
	s.tmux("new-session", "-d", "-s", s.name, "-x", "120", "-y", "40", cmd)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })

	var shots []shot
	snap := func(title, note string) { shots = append(shots, shot{title, note, s.capture()}) }

	// 1. Sign in: the demo identity is filled in.
	screen := s.waitFor("Sign in to the user-management API", "operator@example.edu", "demo_university")
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(screen)
	if url == "" {
		t.Fatalf("no sandbox URL on the login screen:\n%s", screen)
	}
	if strings.Contains(screen, sandbox.DemoPassword+"\n") || strings.Contains(screen, " "+sandbox.DemoPassword+" ") {
		t.Fatalf("the password is on screen:\n%s", screen)
	}
	snap("Sign in", "`usersync --sandbox testdata/tui_demo.csv` starts a sandbox in-process and fills in its demo identity.")
	s.keys("Enter")

	// 2. The preview: 7 rows, 4 with errors.
	s.waitFor("7 rows", "4 errors in 4 rows", "Line 2")
	snap("Preview", "The rows, a status column and the counts. `n`/`N` jump between problems; the pane below lists the selected row's messages.")
	s.keys("n")
	s.waitFor("Line 3", `x: use "courseDemandProjections"`)
	snap("A suggested fix", "Alan's product is a display name; `x` applies the suggested key.")
	s.keys("x")
	s.waitFor("line 3 is valid now")
	// Grace has no last name: edit the cell inline.
	s.keys("n", "h", "h", "e")
	s.waitFor("Line 4", "Edit Last Name")
	s.typeText("Hopper")
	snap("Editing a cell", "`e` edits the selected cell; enter revalidates the row at once.")
	s.keys("Enter")
	s.waitFor("line 4 is valid now")
	// Katherine's role is a name: the fix gives its ID.
	s.keys("n")
	s.waitFor("Line 7", `"Faculty" is a name, not a role ID`)
	s.keys("x")
	s.waitFor("line 7 is valid now", "1 error in 1 row")
	// Save the fixes: atomically, the original kept as .bak.
	s.keys("C-s")
	s.waitFor("the original is kept as tui_demo.csv.bak")
	snap("Saved", "ctrl+s writes the fixed file back atomically and keeps the original once as FILE.bak.")
	if saved, err := os.ReadFile(file); err != nil || !strings.Contains(string(saved), "Grace,Hopper,grace.hopper@example.edu") {
		t.Fatalf("the saved file lacks the edit (%v):\n%s", err, saved)
	}
	if orig, err := os.ReadFile(file + ".bak"); err != nil || string(orig) != string(data) {
		t.Fatalf("the .bak is not the original (%v)", err)
	}
	// The bad email cannot be fixed here: exclude it, explicitly.
	s.keys("Enter")
	s.waitFor("1 row still has errors (line 8)", "Exclude them and continue")
	snap("Excluding invalid rows", "Rows with errors are never dropped silently: continuing asks first.")
	s.keys("y")

	// 3. The dry run.
	screen = s.waitFor("+ 4 create", "~ 1 update", "= 1 unchanged", "⊘ 1 skipped", "4 registration emails")
	for _, want := range []string{"alan.turing@example.edu", "emily.kim@example.edu", "excluded by the operator"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("the dry run lacks %q:\n%s", want, screen)
		}
	}
	s.keys("j", "j", "j", "j", "j", "j", "Space")
	s.waitFor("Economics → Biology")
	snap("Dry run", "Counts per action, rows grouped by action; `space` expands a user to field-level old → new.")
	s.keys("Enter")
	s.waitFor("This will: 4 users created (4 registration emails sent), 1 user updated in coursedog Sandbox (demo_university).")
	snap("Confirmation", "The confirmation says exactly what will happen. In Production the School ID must be typed.")
	s.keys("y", "p")

	// 4. Progress, paused and resumed.
	s.waitFor("Applying the plan", "paused")
	snap("Progress (paused)", "A bar, counts, rate and ETA, the latest failures; `p` pauses and resumes, ctrl+c stops cleanly.")
	s.keys("p")

	// 5. The summary.
	screen = s.waitFor("Import finished", "4 created · 1 updated · 1 unchanged · 0 deactivated · 1 skipped · 0 failed", "4 registration emails sent · 7 rows accounted for")
	for _, want := range []string{"Report  ", "Journal ", "Backup  "} {
		if !strings.Contains(screen, want+dir) {
			t.Fatalf("the summary lacks %s under %s:\n%s", want, dir, screen)
		}
	}
	snap("Summary", "Counts, failed rows with reasons (`r` retries only those), and where the report, journal and backup are.")

	// The sandbox's state, while the program (and so the sandbox) still runs.
	var stats struct {
		Creates            int `json:"creates"`
		CreatesPerEmailMax int `json:"creates_per_email_max"`
		MailsSent          int `json:"mails_sent"`
	}
	resp, err := http.Get(url + "/_sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if stats.Creates != 4 || stats.CreatesPerEmailMax != 1 || stats.MailsSent != 4 {
		t.Fatalf("sandbox stats %+v, want 4 creates, none twice, 4 mails", stats)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := coursedog.NewClient(coursedog.Options{BaseURL: url, School: sandbox.DemoSchool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(ctx, sandbox.DemoEmail, sandbox.DemoPassword); err != nil {
		t.Fatal(err)
	}
	users, err := coursedog.NewTarget(c).ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byEmail := map[string]int{}
	for i, u := range users {
		byEmail[u.Email] = i
	}
	check := func(email, field, want string) {
		t.Helper()
		i, ok := byEmail[email]
		if !ok {
			t.Fatalf("%s is not in the sandbox", email)
		}
		got := users[i].Fields[field]
		if l, isList := users[i].Lists[field]; isList {
			got = strings.Join(l, ",")
		}
		if got != want {
			t.Fatalf("%s %s = %q, want %q", email, field, got, want)
		}
	}
	check("grace.hopper@example.edu", "lastName", "Hopper")
	check("alan.turing@example.edu", "products", "courseDemandProjections")
	check("katherine.johnson@example.edu", "roles", "r-6f1e2d93")
	check("emily.kim@example.edu", "department", "Biology")
	if _, ok := byEmail["not-an-email"]; ok {
		t.Fatal("the excluded row reached the sandbox")
	}
	if len(users) != 204 {
		t.Fatalf("%d users in the sandbox, want the 200 seeded + 4 created", len(users))
	}

	// q quits; the exit status follows the run.
	s.keys("q")
	s.waitFor("EXITED 0")

	if *updateScreens {
		writeScreens(t, shots)
	}
}

type shot struct{ title, note, screen string }

// writeScreens writes the captures as docs/screens.md.
func writeScreens(t *testing.T, shots []shot) {
	var b strings.Builder
	b.WriteString("# The guided import, screen by screen\n\n")
	b.WriteString("Text captures of `usersync --sandbox testdata/tui_demo.csv` in a 120×40 terminal (NO_COLOR),\n")
	b.WriteString("taken by the end-to-end test (`go test -run TestTUIEndToEndInTmux -update-screens .`).\n")
	for _, s := range shots {
		lines := strings.Split(strings.TrimRight(s.screen, "\n"), "\n")
		for i := range lines {
			lines[i] = strings.TrimRight(lines[i], " ")
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n```text\n%s\n```\n", s.title, s.note, strings.Join(lines, "\n"))
	}
	if err := os.MkdirAll("docs", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("docs/screens.md", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
