package systest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync/ccai"
	"usersync/sync/coursedog"
)

var updateScreens = flag.Bool("update-screens", false, "rewrite docs/screens.md from the tmux run's captures")

// TestTUIEndToEndInTmux runs the built usersync as `usersync --sandbox
// testdata/users.csv` (the README's first command) in a 120x40 tmux session
// and walks the guided import: sign in, fix every row in the preview (four
// suggested fixes, one cell edited inline), save, the dry run, apply
// (paused and resumed) and the summary; then checks the counts on screen,
// the saved file, and the sandbox's users and counters.
func TestTUIEndToEndInTmux(t *testing.T) {
	s, dir, data := startTUI(t, "testdata/users.csv", "users.csv", "--sandbox", "--sandbox-latency", "150ms")
	file := filepath.Join(dir, "users.csv")

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
	snap("Sign in", "`usersync --sandbox testdata/users.csv` starts a sandbox in-process and fills in its demo identity.")
	s.keys("Enter")

	// 2. The preview: 17 rows, 5 with errors (a role name where its ID
	// belongs only shows signed in), one with a warning.
	s.waitFor("17 rows", "5 errors in 5 rows", "1 warning", "Line 2")
	snap("Preview", "The rows, a status column (✓ valid, ✗ error, ! warning, ⊘ excluded) and the counts. `n`/`N` jump between problems and select the problem's column; the pane below lists the selected row's messages, and the names of its role IDs.")
	// A search: any cell, any case, from the cursor on.
	s.keys("/")
	s.waitFor("Search every cell")
	s.typeText("FRANKLIN")
	s.keys("Enter")
	s.waitFor(`"FRANKLIN" found on line 6, Last Name`, "Line 6")
	snap("Search", "`/` searches every cell from the cursor on; enter goes to the match and shows its row; `]` and `[` go to the next and previous match, `:` to a line of the file.")
	// A bulk fix: two rows name a product by its display name.
	s.keys("g", "n")
	s.waitFor("Line 3", `x: use "courseDemandProjections" (a: every row like it)`)
	s.keys("a")
	s.waitFor("2 rows have this problem in Products (lines 3, 18)", "y fix them all")
	snap("A fix for every row like it", "`a` applies a suggested fix to every row with the same problem, after saying how many; each row keeps the rest of its cell, and one `u` undoes them all.")
	s.keys("y")
	s.waitFor("Fixed 2 rows: use \"courseDemandProjections\"")
	s.keys("n")
	s.waitFor("Line 4", "is not a bare address")
	s.keys("x")
	s.waitFor("line 4 is valid now")
	s.keys("n")
	s.waitFor("Line 5", `"Faculty" is a name, not a role ID`)
	s.keys("x")
	s.waitFor("line 5 is valid now")
	// Rosalind's product is misspelt: n selected its column; edit it inline.
	s.keys("n", "e")
	s.waitFor("Line 6", "Edit Products: curriculm")
	s.keys("BSpace")
	s.typeText("um")
	snap("Editing a cell", "`e` edits the problem's column (or the one chosen with ←/→); enter revalidates the row at once.")
	s.keys("Enter")
	s.waitFor("Products set; line 6 is valid now")
	// Emmy's warning has a fix too.
	s.keys("n")
	s.waitFor("Line 8", "is already the primary department")
	s.keys("x")
	s.waitFor("line 8 is valid now", "✓ no errors")
	// Save the fixes: atomically, the original kept as .bak.
	s.keys("C-s")
	s.waitFor("the original is kept as users.csv.bak")
	snap("Saved", "ctrl+s writes the fixed file back atomically, in its own encoding, and keeps the original once as FILE.bak.")
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scheduling, courseDemandProjections", "events, courseDemandProjections", "Hopper,grace.hopper@example.edu,", ",curriculum,U1005", "r-6f1e2d93"} {
		if !strings.Contains(string(saved), want) {
			t.Fatalf("the saved file lacks %q:\n%s", want, saved)
		}
	}
	if orig, err := os.ReadFile(file + ".bak"); err != nil || string(orig) != string(data) {
		t.Fatalf("the .bak is not the original (%v)", err)
	}
	// A remap from the preview: leave the Unique ID column out of the import.
	s.keys("M")
	s.waitFor("which column holds each field?", "Unique ID")
	s.keys("Down", "Down", "Down", "Down", "Right", "Right", "Right", "Right")
	s.waitFor("Not imported: Unique ID")
	s.keys("s")
	s.waitFor("saved to")
	snap("Map columns", "`M` opens the column mapping from the preview at any time: any field can take another column, or none; `s` saves it beside the file (FILE.mapping), enter reads the file again with it.")
	s.keys("Enter")
	s.waitFor("17 rows", "✓ no errors")
	if _, err := os.Stat(file + ".mapping"); err != nil {
		t.Fatalf("the mapping was not saved beside the file: %v", err)
	}
	s.keys("Enter")

	// 3. The dry run: new users, three seeded users updated, one unchanged.
	s.waitFor("+ 13 create", "~ 3 update", "= 1 unchanged", "⊘ 0 skipped", "13 registration emails", "rosalind.franklin@example.edu", "zoe.quinn@example.edu")
	snap("Dry run", "Counts per action and the rows grouped by action; `space` expands a row (an update to field-level old → new, a create to every field it sets), `e`/`E` expand and collapse all, `f` and `F` filter by action and by changed field, `/` searches; `m` and `r` toggle the registration mail and replace mode, `w` exports the plan. The Details pane lists the selected row's fields (or why it is skipped: a row deleted in the preview and not saved says \"deleted from the file (not yet saved)\", an excluded one \"excluded by the operator\"); when they do not all fit, its last line says how many more there are and how to see them (`space` expands the row, and `↓` on each field shows it whole in the pane).")
	s.keys("f", "f", "e")
	s.waitFor("showing Update", "Department", "History → Philosophy", "+ r-d0a4c7b5 Registrar Office", "+ curriculum")
	snap("Dry run of the updates", "`f` shows one action (here the updates), `e` expands every row: field-level old → new, role IDs with their names.")
	s.keys("E", "f") // the unchanged row, then every row again
	s.waitFor("showing Unchanged")
	s.keys("f")
	for deadline := time.Now().Add(5 * time.Second); strings.Contains(s.capture(), "showing "); {
		if time.Now().After(deadline) {
			t.Fatalf("the filter stays on:\n%s", s.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.keys("Enter")
	s.waitFor("This will: 13 users created (13 registration emails sent), 3 users updated")
	snap("Confirmation", "The confirmation says exactly what will happen. Only `y` applies (enter, pressed twice from the dry run, does not); in Production the School ID must be typed.")
	s.keys("y", "p")

	// 4. Progress, paused and resumed.
	s.waitFor("Applying the plan", "paused")
	snap("Progress (paused)", "A bar, counts, rate and ETA, retries and the server's last error while they happen, the latest failures; `p` pauses and resumes, ctrl+c stops cleanly and says how to resume.")
	s.keys("p")

	// 5. The summary.
	screen = s.waitFor("Import finished", "13 created · 3 updated · 1 unchanged · 0 deactivated · 0 skipped · 0 failed", "13 registration emails sent · 17 rows accounted for")
	for _, want := range []string{"Report  ", "Journal ", "Backup  "} {
		if !strings.Contains(screen, want+dir) {
			t.Fatalf("the summary lacks %s under %s:\n%s", want, dir, screen)
		}
	}
	snap("Summary", "Counts, failed rows with reasons (`r` retries only those), where the report, journal and backup are, and `R` to roll the import back.")

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
	if stats.Creates != 13 || stats.CreatesPerEmailMax != 1 || stats.MailsSent != 13 {
		t.Fatalf("sandbox stats %+v, want 13 creates, none twice, 13 mails", stats)
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
	check("alan.turing@example.edu", "products", "scheduling,courseDemandProjections")
	check("hedy.lamarr@example.edu", "products", "events,courseDemandProjections")
	check("zoe.quinn@example.edu", "department", "Philosophy")
	check("jamal.taylor@example.edu", "roles", "r-6f1e2d93,r-d0a4c7b5")
	check("jamal.taylor@example.edu", "externalId", "") // the remap left Unique ID out
	check("wei.abbott@example.edu", "products", "scheduling,events,catalog,curriculum")
	check("grace.hopper@example.edu", "lastName", "Hopper")
	check("katherine.johnson@example.edu", "roles", "r-6f1e2d93")
	check("rosalind.franklin@example.edu", "products", "curriculum")
	check("emmy.noether@example.edu", "secondaryDepartments", "Physics")
	if len(users) != 213 {
		t.Fatalf("%d users in the sandbox, want the 200 seeded + 13 created", len(users))
	}

	// 6. Roll the import back from the summary: the same dry run and
	// confirmation; created users are deactivated, never deleted.
	// Our own sign-in above revoked the program's token, as the vendor's
	// tokens are revoked by a sign-in elsewhere: the program asks to sign
	// in again, then carries on.
	s.keys("R")
	s.waitFor("Your session has ended (token revoked", "Sign in again to carry on")
	snap("Session ended", "A token refused mid-work (expired, or revoked by a sign-in elsewhere) brings the sign-in back; afterwards the work carries on where it was.")
	s.typeText(sandbox.DemoPassword)
	s.keys("Enter")
	s.waitFor("Rollback plan", "Rollback of the import", "- 13 deactivate", "~ 3 restore")
	snap("Roll back this import", "`R` on the summary plans the undo from the journal and the backup: updated users get their backed-up fields back, created users are deactivated.")
	s.keys("Enter")
	s.waitFor("Rolling back, this will: 3 users given back their backed-up fields, 13 users the import created deactivated")
	s.keys("y")
	s.waitFor("Rollback finished", "3 restored", "13 deactivated", "0 failed", "users.usersync-journal.rollback.jsonl")
	// (The program signed in again, so ours was revoked in turn.)
	if _, err := c.Login(ctx, sandbox.DemoEmail, sandbox.DemoPassword); err != nil {
		t.Fatal(err)
	}
	if users, err = coursedog.NewTarget(c).ListUsers(ctx); err != nil {
		t.Fatal(err)
	}
	inactive := 0
	for _, u := range users {
		if strings.HasSuffix(u.Email, "@example.edu") && u.Fields["status"] == "Inactive" {
			if _, ours := byEmail[u.Email]; ours {
				inactive++
			}
		}
	}
	if len(users) != 213 || inactive < 13 {
		t.Fatalf("after the rollback: %d users, %d of ours inactive; want 213 kept and the 13 created deactivated", len(users), inactive)
	}
	for _, u := range users {
		if u.Email == "zoe.quinn@example.edu" && (u.Fields["department"] != "History" || u.Fields["status"] == "Inactive") {
			t.Fatalf("the rollback did not restore Zoë Quinn: %+v", u)
		}
	}

	// 7. Another file, typed: updates to two existing users, expanded to
	// field level in the dry run.
	var seeded []int
	for i, u := range users {
		if !strings.Contains(string(data), u.Email) && u.Fields["status"] == "Active" && len(seeded) < 2 {
			seeded = append(seeded, i)
		}
	}
	upd := "First Name,Last Name,Email,Products,Department\n"
	for _, i := range seeded {
		u := users[i]
		dept := "Music"
		if u.Fields["department"] == dept {
			dept = "History"
		}
		upd += u.Fields["firstName"] + "," + u.Fields["lastName"] + "," + u.Email + ",catalog," + dept + "\n"
	}
	updates := filepath.Join(dir, "updates.csv")
	if err := os.WriteFile(updates, []byte(upd), 0o644); err != nil {
		t.Fatal(err)
	}
	s.keys("o")
	s.waitFor("Choose the user file to import", "users.csv")
	s.keys("Tab", "C-u")
	s.typeText(updates)
	s.keys("Enter")
	s.waitFor("2 rows", "no errors")
	s.keys("Enter")
	// Our second sign-in revoked the program's token again.
	s.waitFor("Your session has ended")
	s.typeText(sandbox.DemoPassword)
	s.keys("Enter")
	s.waitFor("~ 2 update", "+ 0 create")
	s.keys("j", "Space")
	s.waitFor("Department", " → ", "Products", "+ catalog")
	snap("Dry run of updates", "Updates expanded to field level (old → new). Lists only gain what the file names unless replace mode (`r`) is on.")
	screen = s.capture()
	if !strings.Contains(screen, users[seeded[0]].Email) {
		t.Fatalf("the dry run does not show %s:\n%s", users[seeded[0]].Email, screen)
	}

	// ctrl+c quits (nothing unsaved, nothing applied): exit 0.
	s.keys("C-c")
	s.waitFor("EXITED 0")

	if *updateScreens {
		writeScreens(t, shots)
	}
}

type shot struct{ title, note, screen string }

// writeScreens writes the captures as docs/screens.md.
func writeScreens(t *testing.T, shots []shot) {
	writeScreensFile(t, "docs/screens.md", "The guided import, screen by screen",
		"`usersync --sandbox testdata/users.csv`", shots)
}

func writeScreensFile(t *testing.T, path, title, command string, shots []shot) {
	var b strings.Builder
	b.WriteString("# " + title + "\n\n")
	b.WriteString("Text captures of " + command + " in a 120×40 terminal (NO_COLOR),\n")
	b.WriteString("taken by the end-to-end tests (`go test -run 'TestTUI.*InTmux' -update-screens ./systest/`).\n")
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
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTUICCAIInTmux runs the guided import against the sandbox's ccai half:
// tenant and API token at sign-in (the token masked), the preview, the dry
// run, the apply followed batch by batch through the job's states, and the
// summary; then reads the users back over the ccai API.
func TestTUICCAIInTmux(t *testing.T) {
	s, _, _ := startTUI(t, "testdata/ccai/users.csv", "agents.csv", "--target", "ccai", "--sandbox", "--sandbox-job-pace", "400ms")

	var shots []shot
	snap := func(title, note string) { shots = append(shots, shot{title, note, s.capture()}) }
	screen := s.waitFor("Target", "ccai", "Tenant", "demo", "API token")
	snap("Sign in (ccai)", "`usersync --target ccai --sandbox FILE`: the tenant and its API token (masked), HTTP Basic auth.")
	if strings.Contains(screen, sandbox.DemoAPIToken) {
		t.Fatalf("the API token is on screen:\n%s", screen)
	}
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(screen)
	s.keys("Enter")
	s.waitFor("5 rows", "no errors", "maya.okafor@example.com")
	s.keys("Enter")
	screen = s.waitFor("+ 3 create", "~ 2 update")
	if strings.Contains(screen, "registration email") {
		t.Fatalf("ccai sends no registration mail, but the dry run says so:\n%s", screen)
	}
	s.keys("Enter")
	s.waitFor("This will: 3 users created, 2 users updated in ccai Sandbox (demo).")
	s.keys("y")
	s.waitFor("batch 1 of 1 (3 rows), job ") // after the canary's job of 2
	snap("Progress by batch (ccai)", "A batch target's apply: one job per batch (`--batch-size`), followed through the job's states.")
	s.waitFor("Import finished", "3 created · 2 updated", "0 failed")
	snap("Summary (ccai)", "Every row accounted for; job errors, when there are any, are mapped back to the file's lines.")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tgt, err := ccai.New(ccai.Options{BaseURL: url, Tenant: sandbox.DemoTenant, Token: sandbox.DemoAPIToken})
	if err != nil {
		t.Fatal(err)
	}
	users, err := tgt.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, u := range users {
		found[u.Email] = true
	}
	for _, e := range []string{"maya.okafor@example.com", "tom.becker@example.com", "priya.natarajan@example.com"} {
		if !found[e] {
			t.Fatalf("%s is not in the sandbox after the import", e)
		}
	}
	s.keys("q")
	s.waitFor("EXITED 0")
	if *updateScreens {
		writeScreensFile(t, "docs/screens-ccai.md", "The guided import against ccai",
			"`usersync --target ccai --sandbox testdata/ccai/users.csv`", shots)
	}
}
