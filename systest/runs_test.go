package systest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// The tests in this file each reproduce one way a run used to lose the
// operator's decisions or its own record (issue 11), against the sandbox
// over HTTP, through the real command.

// checkRolledBack: every user the import created is Inactive, every other
// user is exactly as before the import (status, names, products).
func checkRolledBack(t *testing.T, srv *sandbox.Server, before map[string]sandbox.User) {
	t.Helper()
	bad := 0
	for _, u := range srv.Users() {
		old, existed := before[strings.ToLower(u.Email)]
		switch {
		case !existed && u.Status != "Inactive":
			t.Errorf("%s was created by the import and is %q after the rollback", u.Email, u.Status)
			bad++
		case existed && (u.Status != old.Status || u.LastName != old.LastName ||
			strings.Join(u.Products, ",") != strings.Join(old.Products, ",")):
			t.Errorf("%s existed before the import as %s %s %v, after the rollback %s %s %v",
				u.Email, old.Status, old.LastName, old.Products, u.Status, u.LastName, u.Products)
			bad++
		}
		if bad > 10 {
			t.Fatal("…")
		}
	}
}

// A rollback stopped half-way and run again must finish the same undo: it
// deactivates only users the import created, never one that was Active
// before (it used to re-plan every restored user as a deactivation).
func TestRollbackResumedDeactivatesOnlyWhatTheImportCreated(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 300, Seed: 111, Latency: 3 * time.Millisecond})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 120)
	journal := b.path("journal.jsonl")
	if code, out := b.run("apply", file, "--yes", "--no-registration-mail", "--journal", journal); code != exitOK {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	// Another admin edits a user the import created and one it updated:
	// conflicts, which the rollback leaves alone, also when resumed.
	edited := map[string]bool{}
	for _, email := range []string{"crash0005@example.edu", strings.ToLower(b.srv.Users()[7].Email)} {
		if email == sandbox.DemoEmail {
			continue
		}
		editLastName(t, b, email, "EditedByAnAdmin")
		edited[email] = true
	}
	start := b.writes()
	for i, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		j := journal
		if i == 1 {
			// The command the guided import prints names the import's
			// journal; the rollback's own journal resumes it too.
			j = strings.TrimSuffix(journal, ".jsonl") + ".rollback.jsonl"
		}
		out, sent := b.stopWhen(sig, func() bool { return b.writes() >= start+40 },
			"rollback", "--journal", j, "--yes", "--concurrency", "2")
		if !sent {
			t.Fatalf("the rollback ended before %v:\n%s", sig, out)
		}
		start = b.writes()
	}
	code, out := b.run("rollback", "--journal", journal, "--yes")
	if code != exitRowsFailed || !strings.Contains(out, "left alone") {
		t.Fatalf("resumed rollback with conflicts: exit %d, want 1 (conflicts left alone)\n%s", code, out)
	}
	for email := range edited {
		u, _ := b.srv.User(email)
		if u.LastName != "EditedByAnAdmin" || u.Status != "Active" {
			t.Errorf("%s, edited by another admin, was changed by the rollback: %s %s", email, u.LastName, u.Status)
		}
		delete(before, email)
	}
	for _, u := range b.srv.Users() {
		if edited[strings.ToLower(u.Email)] {
			continue
		}
		old, existed := before[strings.ToLower(u.Email)]
		if !existed && u.Status != "Inactive" {
			t.Errorf("%s was created by the import and is %q after the rollback", u.Email, u.Status)
		}
		if existed && (u.Status != old.Status || u.LastName != old.LastName) {
			t.Errorf("%s: %s %s before the import, %s %s after the rollback", u.Email, old.Status, old.LastName, u.Status, u.LastName)
		}
	}
}

// editLastName changes one user's last name as another admin would, over
// the API.
func editLastName(t *testing.T, b *binRun, email, last string) {
	t.Helper()
	c, err := coursedog.NewClient(coursedog.Options{BaseURL: b.srv.URL(), School: sandbox.DemoSchool})
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(b.tok)
	tg := coursedog.NewTarget(c)
	ctx := context.Background()
	cur, err := tg.Lookup(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	nu := cur
	nu.Fields = map[string]string{}
	for k, v := range cur.Fields {
		nu.Fields[k] = v
	}
	nu.Fields["lastName"] = last
	if _, err := tg.Update(ctx, cur, nu); err != nil {
		t.Fatal(err)
	}
}

// --no-registration-mail holds across a saved plan and across a resume
// with the command the program prints, and a flag that contradicts the
// saved plan or the unfinished run is refused before anything is sent.
func TestMailDecisionHoldsAcrossSavedPlansAndResumes(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 112, Latency: 5 * time.Millisecond})
	file, _ := writeUsers(t, b.srv, b.dir, 100)
	planPath := b.path("plan.json")
	if code, out := b.run("plan", file, "--out", planPath); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	// The plan was made with mail on: a flag saying otherwise is refused.
	code, out := b.run("apply", planPath, "--yes", "--no-registration-mail", "--journal", b.path("j0.jsonl"))
	if code != exitUsage || !strings.Contains(out, "registration mail") || b.writes() != 0 {
		t.Fatalf("apply of a mail-on plan with --no-registration-mail: exit %d, %d writes\n%s", code, b.writes(), out)
	}
	if st := b.srv.Stats(); st.MailsSent != 0 {
		t.Fatalf("%d registration mails sent", st.MailsSent)
	}
	t.Logf("saved plan vs flag:\n%s", out)

	// Started with mail off, interrupted, resumed with the bare command.
	journal := b.path("journal.jsonl")
	out, sent := b.stopWhen(syscall.SIGINT, func() bool { return b.srv.Stats().Creates >= 20 },
		"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--concurrency", "2")
	if !sent {
		t.Fatalf("the apply ended before the interrupt:\n%s", out)
	}
	if !strings.Contains(out, "--no-registration-mail") && !strings.Contains(out, "usersync apply") {
		t.Logf("interrupted apply said:\n%s", out)
	}
	// A contradicting flag is refused at once, naming the setting and both values.
	w := b.writes()
	code, out = b.run("apply", file, "--yes", "--replace", "--journal", journal)
	if code != exitUsage || !strings.Contains(out, "replace") || !strings.Contains(out, "--journal") || b.writes() != w {
		t.Fatalf("resume with --replace: exit %d, %d writes sent\n%s", code, b.writes()-w, out)
	}
	t.Logf("resume with a contradicting flag:\n%s", out)
	code, out = b.run("apply", file, "--yes", "--journal", journal)
	if code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, out)
	}
	st := b.srv.Stats()
	if st.MailsSent != 0 || st.Creates != 100 {
		t.Fatalf("after the resume: %d mails sent, %d created; want 0 mails, 100 created", st.MailsSent, st.Creates)
	}

	// A run stopped before its first write (here: recorded, then nothing)
	// keeps its decisions for the flags left out.
	file2 := b.path("more.csv")
	os.WriteFile(file2, []byte("First Name,Last Name,Email,Products\nMore,Person,more.person@example.edu,events\n"), 0o600)
	j2 := b.path("j2.jsonl")
	rf, err := sync.OpenRun(j2)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(file2)
	if err := rf.Begin(sync.RunRecord{Kind: sync.KindApply, Target: "coursedog", File: abs, Options: sync.PlanOptions{Mail: false}}); err != nil {
		t.Fatal(err)
	}
	rf.Close()
	if code, out := b.run("apply", file2, "--yes", "--journal", j2); code != exitOK {
		t.Fatalf("apply after a run stopped before its first write: exit %d\n%s", code, out)
	}
	if st := b.srv.Stats(); st.MailsSent != 0 || st.Creates != 101 {
		t.Fatalf("%d mails sent, %d created: the recorded mail-off did not hold", st.MailsSent, st.Creates)
	}
}

// A saved plan whose file changed or vanished since is refused.
func TestSavedPlanRefusedWhenItsFileChanged(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 40, Seed: 113})
	file, _ := writeUsers(t, b.srv, b.dir, 5)
	planPath := b.path("plan.json")
	if code, out := b.run("plan", file, "--out", planPath, "--no-registration-mail"); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	data, _ := os.ReadFile(file)
	if err := os.WriteFile(file, append(data, "Late,Addition,late.addition@example.edu,events\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := b.run("apply", planPath, "--yes")
	if code != exitUsage || !strings.Contains(out, "changed") || b.writes() != 0 {
		t.Fatalf("apply of a plan whose file changed: exit %d, %d writes\n%s", code, b.writes(), out)
	}
	os.Remove(file)
	code, out = b.run("apply", planPath, "--yes")
	if code != exitUsage || !strings.Contains(out, filepath.Base(file)) || b.writes() != 0 {
		t.Fatalf("apply of a plan whose file is gone: exit %d, %d writes\n%s", code, b.writes(), out)
	}
}

// Rows whose requests were in flight when the run stopped are settled on
// resume by reading the user: reported created (not "unchanged") and
// deactivated by a rollback.
func TestInFlightWritesSettledOnResume(t *testing.T) {
	b := newBinRun(t, sandbox.Options{Users: 200, Seed: 114})
	before := b.preexisting()
	file, _ := writeUsers(t, b.srv, b.dir, 80)
	// Dropped answers: the sandbox creates the user and hangs up, so the
	// create is in doubt while its retry waits.
	if err := b.srv.SetFaults(sandbox.Options{DropRate: 0.4, Latency: 2 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	journal, report := b.path("journal.jsonl"), b.path("report.csv")
	args := []string{"apply", file, "--yes", "--no-registration-mail", "--journal", journal, "--report", report, "--concurrency", "4"}
	for i, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL, syscall.SIGINT, syscall.SIGKILL} {
		dropped := b.srv.Stats().Dropped
		out, sent := b.stopWhen(sig, func() bool { return b.srv.Stats().Dropped >= dropped+2 }, args...)
		if !sent {
			t.Logf("run %d ended before %v:\n%s", i, sig, out)
			break
		}
	}
	b.srv.SetFaults(sandbox.Options{})
	if code, out := b.run(args...); code != exitOK {
		t.Fatalf("final resume: exit %d\n%s", code, out)
	}
	var rep reportCounts
	data, err := os.ReadFile(b.path("report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Counts.Create != 80 || rep.Counts.Update != 80 {
		t.Errorf("report %+v: want all 80 new users created and 80 updated (in-flight rows must not read unchanged)", rep.Counts)
	}
	if st := b.srv.Stats(); st.CreatesPerEmailMax > 1 {
		t.Errorf("a user was created %d times", st.CreatesPerEmailMax)
	}
	if code, out := b.run("rollback", "--journal", journal, "--yes"); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s", code, out)
	}
	checkRolledBack(t, b.srv, before)
}
