package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"usersync/sync"
)

// seededTarget has Ada (in another department: an update) and Barbara
// (exactly as the file says: unchanged).
func seededTarget() *memTarget {
	return newMemTarget(
		sync.User{Email: "ada@example.edu", Fields: map[string]string{"firstName": "Ada", "lastName": "Lovelace", "department": "Physics"}, Lists: map[string][]string{"products": {"scheduling"}}},
		sync.User{Email: "barbara@example.edu", Fields: map[string]string{"firstName": "Barbara", "lastName": "Liskov", "department": "Computing"}, Lists: map[string][]string{"products": {"curriculum"}}},
	)
}

// fixAndPlan fixes Alan's product and Grace's last name, excludes the row
// still invalid (Edsger's email) and waits for the dry run.
func fixAndPlan(t *testing.T, d *driver) {
	t.Helper()
	p := &d.m.preview
	p.moveTo(rowWithEmail(t, p.file, "alan@example.edu"))
	d.keys("x")
	p = &d.m.preview
	p.moveTo(rowWithEmail(t, p.file, "grace@example.edu"))
	p.col = fieldIndex(t, p, "lastName")
	d.keys("e")
	d.typeText("Hopper")
	d.keys("enter", "enter")
	d.sees("1 row still has errors")
	d.keys("y")
	d.until("the plan", func(m *Model) bool { return m.screen == ScreenDiff && m.diff.plan != nil && !m.diff.busy })
}

func TestDiffApplySummary(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	tgt.reject["grace@example.edu"] = 1 // the first write for Grace fails
	d, b := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)

	c := d.m.diff.plan.Counts
	if c.Create != 2 || c.Update != 1 || c.Unchanged != 1 || c.Skip != 1 || c.Mails != 2 {
		t.Fatalf("plan counts %+v, want 2 create (2 mails), 1 update, 1 unchanged, 1 skip", c)
	}
	d.sees("+ 2 create", "~ 1 update", "= 1 unchanged", "⊘ 1 skipped", "[x] mail: 2 registration emails")

	// Registration mail off: planned again, no mail.
	d.keys("m")
	d.until("the new plan", func(m *Model) bool { return !m.diff.busy })
	if d.m.diff.plan.Counts.Mails != 0 || d.m.diff.opts.Mail {
		t.Fatalf("mail toggle: %+v", d.m.diff.plan.Counts)
	}
	if b.lists != 1 {
		t.Fatalf("users listed %d times; a toggle must re-plan without listing again", b.lists)
	}
	d.sees("[ ] mail")

	// Expand Ada's update to field level.
	for i, it := range d.m.diff.items {
		if it.kind == itemRow && d.m.diff.plan.Rows[it.row].Email == "ada@example.edu" {
			d.m.diff.cursor = i
		}
	}
	d.keys("space")
	d.sees("Department", "Physics → Mathematics")

	// The confirmation says exactly what will happen.
	d.keys("enter")
	d.sees("This will: 2 users created (no registration email), 1 user updated in coursedog Sandbox (demo_university).")
	d.keys("n")
	if d.m.confirming() || d.m.screen != ScreenDiff {
		t.Fatal("n did not cancel the confirmation")
	}
	d.keys("enter", "y")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	d.sees("Import finished with failures", "1 created", "1 updated", "1 failed", "line 4", "department does not exist", "r retry failed rows")
	run := d.m.summary.run
	for _, p := range []string{run.ReportPath, run.JournalPath, run.BackupPath} {
		d.sees(p)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("summary names %s: %v", p, err)
		}
	}
	if _, ok := tgt.user("grace@example.edu"); ok {
		t.Fatal("Grace exists although her create failed")
	}

	// r retries only the failed row.
	d.keys("r")
	d.until("the retry's summary", func(m *Model) bool { return m.screen == ScreenSummary && m.summary.run != run })
	d.sees("Import finished", "0 failed")
	g, ok := tgt.user("grace@example.edu")
	if !ok || g.Fields["lastName"] != "Hopper" {
		t.Fatalf("Grace after the retry: %+v %v", g, ok)
	}
	for email, n := range tgt.creates {
		if n != 1 {
			t.Fatalf("%s created %d times", email, n)
		}
	}
	if tgt.mails != 0 {
		t.Fatalf("%d registration mails sent with mail off", tgt.mails)
	}
	a, _ := tgt.user("ada@example.edu")
	if a.Fields["department"] != "Mathematics" {
		t.Fatalf("Ada not updated: %+v", a)
	}
	if _, ok := tgt.user("edsger@example"); ok {
		t.Fatal("the excluded row was sent")
	}

	// R rolls the import back, through the same dry run and confirmation.
	d.keys("R")
	d.until("the rollback plan", func(m *Model) bool { return m.screen == ScreenDiff && m.diff.plan != nil && !m.diff.busy })
	d.sees("Rollback plan", "Rollback of the import", "- 2 deactivate", "~ 1 restore")
	for _, l := range strings.Split(d.view(), "\n") {
		if strings.Contains(l, "ada@example.edu") && !strings.Contains(l, "Department") {
			t.Fatalf("a rollback row names its field by key, not header: %q", l)
		}
	}
	d.keys("m")
	if d.m.diff.opts.Mail || d.m.diff.plan.Options.Mail {
		t.Fatal("a rollback offered the mail toggle")
	}
	d.keys("enter")
	d.sees("Rolling back, this will: 1 user given back their backed-up fields, 2 users the import created deactivated")
	d.keys("y")
	d.until("the rollback's summary", func(m *Model) bool { return m.screen == ScreenSummary && m.summary.kind == applyRollback })
	d.sees("Rollback finished", "1 restored", "2 deactivated", "0 failed", ".rollback.jsonl")
	a, _ = tgt.user("ada@example.edu")
	if a.Fields["department"] != "Physics" {
		t.Fatalf("Ada not restored: %+v", a)
	}
	for _, e := range []string{"alan@example.edu", "grace@example.edu"} {
		if u, _ := tgt.user(e); u.Fields["status"] != "Inactive" {
			t.Fatalf("%s created by the import is not deactivated: %+v", e, u)
		}
	}
}

func TestProductionNeedsTheSchoolIDTyped(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	b := newMemBackend(seededTarget())
	def := sandboxDefaults(file)
	def.Login.Env = EnvProduction
	d := newDriver(t, New(b, def, true), 120, 40)
	d.keys("enter")
	d.until("the preview", func(m *Model) bool { return m.screen == ScreenPreview })
	d.sees("PRODUCTION")
	fixAndPlan(t, d)
	d.sees("PRODUCTION")
	d.keys("enter")
	d.sees("Type the School ID to apply")
	d.keys("y") // not the School ID: y is just typed
	d.keys("enter")
	d.sees("That is not the School ID")
	if d.m.screen != ScreenDiff {
		t.Fatal("applied to Production without the School ID")
	}
	for range 1 {
		d.keys("backspace")
	}
	d.typeText("demo_university")
	d.keys("enter")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	if !strings.Contains(d.view(), "PRODUCTION") {
		t.Fatal("the summary does not mark Production")
	}
}

func TestProgressPauseAndCtrlCResume(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	tgt.hold = make(chan struct{})
	d, _ := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)
	d.keys("enter", "y")
	d.until("the progress screen", func(m *Model) bool { return m.screen == ScreenProgress })
	d.sees("Applying the plan", "/ 3 writes")
	d.keys("p")
	if !d.m.progress.gate.Paused() {
		t.Fatal("p did not pause")
	}
	d.sees("paused")
	d.keys("p")
	if d.m.progress.gate.Paused() {
		t.Fatal("p did not resume")
	}
	// Ctrl-C stops cleanly: the summary says how to resume.
	d.keys("ctrl+c")
	d.until("the interrupted summary", func(m *Model) bool { return m.screen == ScreenSummary })
	if !d.m.summary.run.Interrupted {
		t.Fatalf("run not interrupted: %+v", d.m.summary.run.Counts)
	}
	d.sees("Import stopped before the end", "Press r to resume here", "usersync apply "+file, "--target coursedog", "--env http://sandbox.test", "--school demo_university", "--journal", "--yes")
	// r resumes; with the writes let through it finishes.
	tgt.mu.Lock()
	tgt.hold = nil
	tgt.mu.Unlock()
	d.keys("r")
	d.until("the resumed summary", func(m *Model) bool {
		return m.screen == ScreenSummary && m.summary.run != nil && !m.summary.run.Interrupted
	})
	d.sees("Import finished")
	for _, e := range []string{"alan@example.edu", "grace@example.edu"} {
		if _, ok := tgt.user(e); !ok {
			t.Fatalf("%s not created after the resume", e)
		}
	}
}

// A token refused mid-apply: the engine asks, the operator signs in again,
// and the same apply carries on to the end.
func TestSignInAgainDuringApply(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	d, _ := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)
	tgt.mu.Lock()
	tgt.expireAt = 3 // after the first create, every write is refused
	tgt.mu.Unlock()
	d.keys("enter", "y")
	d.until("the sign-in", func(m *Model) bool { return m.signingInAgain() })
	d.sees("The session ended during the apply", "carries on")
	if d.m.login.inputs[fieldPassword].Value() != "" {
		t.Fatal("the password was kept in the form after the first sign-in")
	}
	d.typeText("wrong")
	d.keys("enter")
	d.until("the refusal", func(m *Model) bool { return !m.login.busy })
	d.sees("Wrong email or password")
	if !d.m.signingInAgain() || !applyWaitsForSignIn(d.m) {
		t.Fatal("a wrong password let the apply go on")
	}
	for range 5 {
		d.keys("backspace")
	}
	d.typeText("sandbox")
	d.keys("enter")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	d.sees("Import finished", "2 created", "1 updated", "0 failed")
	for _, e := range []string{"alan@example.edu", "grace@example.edu"} {
		if _, ok := tgt.user(e); !ok {
			t.Fatalf("%s not created", e)
		}
	}
}

// Esc on that sign-in stops the apply, resumably.
func TestDecliningTheSignInStopsTheApply(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	d, _ := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)
	tgt.mu.Lock()
	tgt.expired = true
	tgt.mu.Unlock()
	d.keys("enter", "y")
	d.until("the sign-in", func(m *Model) bool { return m.signingInAgain() })
	d.keys("esc")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	if r := d.m.LastRun(); r == nil || !r.Interrupted {
		t.Fatalf("run after declining: %+v", r)
	}
	d.sees("Press r to resume here")
}

// A refused token while listing users for the dry run: sign in again and
// the dry run is made.
func TestSessionEndedBeforeTheDryRun(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	d, b := loginToPreview(t, file, tgt)
	b.failList = &sync.Error{Kind: sync.KindUnauthorized, Status: 401, Op: "list users", Msg: "token revoked: the same user logged in again"}
	d.keys("X", "enter")
	d.until("the sign-in", func(m *Model) bool { return m.signingInAgain() && !m.login.busy })
	d.sees("Your session has ended (token revoked: the same user logged in again)")
	d.typeText("sandbox")
	d.keys("enter")
	d.until("the dry run", func(m *Model) bool { return m.screen == ScreenDiff && m.diff.plan != nil })
	if !d.m.unsaved() && d.m.preview.file == nil {
		t.Fatal("the preview was lost")
	}
}

// memBulkTarget adds coursedog's bulk PUT to memTarget.
type memBulkTarget struct {
	*memTarget
	puts int
}

func (t *memBulkTarget) BulkReplace(_ context.Context, all []sync.User) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(all) < len(t.users) {
		return &sync.Error{Kind: sync.KindRejected, Op: "bulk replace", Msg: "fewer users than exist"}
	}
	t.puts++
	next := map[string]sync.User{}
	for _, u := range all {
		if u.ID == "" {
			t.nextID++
			u.ID = fmt.Sprint(t.nextID)
			t.creates[strings.ToLower(u.Email)]++
		}
		next[strings.ToLower(u.Email)] = clone(u)
	}
	t.users = next
	return nil
}

func TestBulkModeIsAChoiceWithItsGuardsSaid(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := &memBulkTarget{memTarget: seededTarget()}
	b := newMemBackend(tgt.memTarget)
	b.session = tgt
	d := newDriver(t, New(b, sandboxDefaults(file), true), 120, 40)
	d.keys("enter")
	d.until("the preview", func(m *Model) bool { return m.screen == ScreenPreview })
	fixAndPlan(t, d)
	d.sees("[ ] bulk")
	d.keys("b")
	// Bulk is an option of the plan, as mail is: the plan is made again with it.
	d.until("the plan in bulk mode", func(m *Model) bool { return !m.diff.busy && m.diff.plan != nil && m.diff.plan.Options.Bulk })
	d.sees("[x] bulk")
	d.keys("enter")
	d.sees("Bulk mode: the users are read again", "refused if any user")
	d.keys("y")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	d.sees("Import finished", "2 created", "1 updated")
	if tgt.puts != 1 {
		t.Fatalf("%d bulk PUTs, want 1", tgt.puts)
	}
	if u, ok := tgt.user("barbara@example.edu"); !ok || u.Fields["department"] != "Computing" {
		t.Fatalf("a user the file leaves alone changed: %+v", u)
	}
}

// Users changed by someone else between the dry run and the apply: the
// engine refuses the stale plan, and the dry run is made again.
func TestStalePlanIsPlannedAgain(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := seededTarget()
	d, b := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)
	if d.m.diff.plan.Counts.Update != 1 {
		t.Fatalf("plan before: %+v", d.m.diff.plan.Counts)
	}
	// Someone else creates Alan meanwhile.
	if _, err := tgt.Create(context.Background(), sync.User{Email: "alan@example.edu", Fields: map[string]string{"firstName": "Alan", "lastName": "Turing"}}, false); err != nil {
		t.Fatal(err)
	}
	d.keys("enter", "y")
	d.until("the new dry run", func(m *Model) bool {
		return m.screen == ScreenDiff && m.diff.plan != nil && !m.diff.busy && m.diff.plan.Counts.Create == 1
	})
	d.sees("Nothing sent: the users changed since the dry run (1 added, 0 removed, 0 changed). Dry run made again.")
	if b.lists != 2 {
		t.Fatalf("users listed %d times, want 2 (again after the refusal)", b.lists)
	}
	if n := tgt.creates["grace@example.edu"]; n != 0 {
		t.Fatal("the stale plan sent writes")
	}
}
