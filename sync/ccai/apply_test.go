package ccai

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
)

// copyFixture copies testdata/ccai/name into a temp dir (the journal,
// report and backup go beside it) and returns its path.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ccai", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// plan reads the file with the live schema and plans it against the
// sandbox's users, as `usersync plan` does.
func (e *env) plan(t *testing.T, path string, opts sync.PlanOptions) (*csvfile.File, *sync.Plan) {
	t.Helper()
	if opts.BatchSize == 0 {
		opts.BatchSize = 2 // small jobs, so a few rows make several
	}
	ctx := ctxT(t)
	schema, err := e.t.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := csvfile.Open(path, schema, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := csvfile.Validate(f)
	if v.Errors() != 0 {
		t.Fatalf("%s does not validate: %+v", path, v.Messages())
	}
	existing, err := e.t.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sync.NewPlan(e.t.Name(), f, v, existing, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

func applyOpts(path string) sync.ApplyOptions {
	dir := filepath.Dir(path)
	return sync.ApplyOptions{JournalPath: filepath.Join(dir, "journal.jsonl"),
		ReportPath: filepath.Join(dir, "report.csv"), BackupPath: filepath.Join(dir, "backup.json")}
}

// The clean example file through sync.Apply: three jobs of two rows, users
// that match the file afterwards, a deactivation, and a second plan that
// finds nothing left to do.
func TestApplyThroughTheEngine(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 30)
	path := copyFixture(t, "users.csv")
	f, p := e.plan(t, path, sync.PlanOptions{})
	if p.Counts.Create != 3 || p.Counts.Update != 2 {
		t.Fatalf("plan counts %+v", p.Counts)
	}
	opts := applyOpts(path)
	events := make(chan sync.Event, 1024)
	opts.Events = events
	run, err := sync.Apply(ctxT(t), e.t, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if run.Interrupted || run.Counts.Create != 3 || run.Counts.Update != 2 || run.Counts.Failed != 0 {
		t.Fatalf("run counts %+v (interrupted %v)", run.Counts, run.Interrupted)
	}
	// Progress hears the vendor's job statuses, tied to their batch.
	close(events)
	seen := map[string]bool{}
	for ev := range events {
		if b := ev.Batch; b != nil && b.JobID != "" && b.Index > 0 {
			seen[b.State] = true
		}
	}
	for _, st := range []string{JobValidScheme, JobCompleted} {
		if !seen[st] {
			t.Errorf("progress never heard %q (heard %v)", st, seen)
		}
	}
	for i := range f.Len() {
		want := sync.DesiredUser(f, i)
		got, ok := e.srv.CCAIUser(want.Email)
		if !ok {
			t.Fatalf("line %d: %s missing", f.Line(i), want.Email)
		}
		for k, v := range want.Fields {
			have := map[string]string{FieldFirstName: got.FirstName, FieldLastName: got.LastName, FieldStatus: got.Status,
				FieldAgentNumber: got.AgentNumber, FieldLocation: got.Location}[k]
			if k == FieldMaxChatLimit || k == FieldMaxChatLimitEnabled {
				continue // compared through the listing below
			}
			if have != v {
				t.Errorf("line %d %s: %s is %q, want %q", f.Line(i), want.Email, k, have, v)
			}
		}
		for _, r := range want.Lists[FieldRoles] {
			if !strings.Contains(","+strings.Join(got.Roles, ",")+",", ","+r+",") {
				t.Errorf("line %d: role %s missing from %v", f.Line(i), r, got.Roles)
			}
		}
	}
	if u, _ := e.srv.CCAIUser("lucia.kaur@example.com"); u.Status != StatusInactive {
		t.Errorf("the deactivation did not happen: %+v", u)
	}
	if u, _ := e.srv.CCAIUser("renee.ramirez@example.com"); strings.Join(u.Teams, ",") != "Sales,Tier 2,Spanish Queue" {
		t.Errorf("the merge should add Tier 2 and keep Sales and Spanish Queue: %v", u.Teams)
	}
	st := e.srv.Stats()
	if st.Requests["POST /apps/api/v1/bulk/users/upload"] != 3 || st.Requests["POST /apps/api/v1/bulk/users/proceed"] != 3 || st.CreatesPerEmailMax != 1 {
		t.Errorf("want 3 jobs, each proceeded once, nobody created twice: %v", st.Requests)
	}
	// Applying the same file again finds every row as the file says, but
	// for the fields the agents endpoint does not list (status, the chat
	// limits): those the plan cannot know, so it sends them again.
	_, again := e.plan(t, path, sync.PlanOptions{})
	if again.Counts.Create != 0 {
		t.Errorf("second plan %+v", again.Counts)
	}
	for _, r := range again.Rows {
		for _, c := range r.Changes {
			if !slices.Contains(notListed, c.Field) || c.Old != "" {
				t.Errorf("second plan, line %d: %s changes %s (%q → %q)", r.Line, r.Email, c.Field, c.Old, c.New)
			}
		}
	}
}

// A file the client's checks pass but the server's scheme check refuses
// (a chat limit above the tenant's maximum, a new email twice): those rows
// fail with their file line and column, in the outcome and the report,
// and the other rows are applied.
func TestApplySchemeErrorsReportFileLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5)
	path := copyFixture(t, "scheme_errors.csv")
	_, p := e.plan(t, path, sync.PlanOptions{})
	opts := applyOpts(path)
	p.Options.BatchSize = 10
	run, err := sync.Apply(ctxT(t), e.t, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	byLine := map[int]sync.Outcome{}
	for _, o := range run.Outcomes {
		byLine[o.Line] = o
	}
	for line, col := range map[int]string{3: "Max Chat Limit", 6: "New Email"} {
		o := byLine[line]
		if o.Result != sync.Failed || o.Column != col || o.Message == "" {
			t.Errorf("line %d: %+v, want failed in %s", line, o, col)
		}
	}
	for _, line := range []int{2, 4, 5} {
		if o := byLine[line]; o.Result != sync.Created {
			t.Errorf("line %d: %+v", line, o)
		}
	}
	if !strings.Contains(byLine[5].Message, "new_email") {
		t.Errorf("line 5 should carry the server's warning: %+v", byLine[5])
	}
	csvReport, _ := os.ReadFile(run.ReportPath)
	if !strings.Contains(string(csvReport), "Max Chat Limit") || !strings.Contains(string(csvReport), "must be a whole number from 1 to 10") {
		t.Errorf("the CSV report lacks the scheme error:\n%s", csvReport)
	}
	if _, ok := e.srv.CCAIUser("too.many@example.com"); ok {
		t.Error("a row with a scheme error was created")
	}
}

// An apply interrupted right after its first job is journaled resumes by
// waiting on that job: no batch is uploaded twice and nobody is created
// twice.
func TestApplyResumesWithoutUploadingTwice(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(ctxT(t))
	e := newEnv(t, 30, func(o *Options) {
		o.OnJobState = func(id, state string) {
			if state == JobCreated {
				cancel() // the first upload is done; stop before the job runs
			}
		}
	})
	path := copyFixture(t, "users.csv")
	_, p := e.plan(t, path, sync.PlanOptions{})
	opts := applyOpts(path)
	run, err := sync.Apply(ctx, e.t, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Interrupted {
		t.Fatalf("want an interrupted run: %+v", run.Counts)
	}
	if n := e.srv.Stats().Requests["POST /apps/api/v1/bulk/users/upload"]; n != 1 {
		t.Fatalf("%d uploads before the interruption", n)
	}
	// Run the same apply again, as the operator would. The target keeps no
	// state between calls, so reusing it (and its client's rate limiter,
	// which a new process would start afresh a second later) changes nothing.
	run, err = sync.Apply(ctxT(t), e.t, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if run.Interrupted || !run.Resumed || run.Counts.Failed != 0 || run.Counts.Create != 3 || run.Counts.Update != 2 {
		t.Fatalf("resumed run %+v (resumed %v)", run.Counts, run.Resumed)
	}
	st := e.srv.Stats()
	if st.Requests["POST /apps/api/v1/bulk/users/upload"] != 3 || st.CreatesPerEmailMax != 1 || st.Creates != 3 {
		t.Errorf("want 3 uploads in all (the first job waited on, not sent again) and 3 creates: %v, creates %v", st.Requests, st.CreatesPerEmail)
	}
}

// Rollback of a ccai apply goes through a job too: updated users get their
// backed-up values back (a cleared location, a team taken away) and the
// created ones are deactivated. The deactivated user is left, with the
// reason: the agents endpoint does not list status, so the backup cannot
// say it was Active before (nor the chat limits the updates set).
func TestRollbackThroughAJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 30)
	path := copyFixture(t, "users.csv")
	before := e.srv.CCAIUsers()
	_, p := e.plan(t, path, sync.PlanOptions{})
	opts := applyOpts(path)
	if _, err := sync.Apply(ctxT(t), e.t, p, opts); err != nil {
		t.Fatal(err)
	}
	j, err := sync.ReadJournal(opts.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sync.ReadBackup(opts.BackupPath)
	if err != nil {
		t.Fatal(err)
	}
	current, err := e.t.ListUsers(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	rp, err := sync.RollbackPlan(j, b, current, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rp.Rows {
		if r.Email == "lucia.kaur@example.com" && (r.Action != sync.Skip || !strings.Contains(strings.Join(r.Reasons, ""), "cannot restore status")) {
			t.Errorf("the deactivation cannot be undone without knowing the status before: %+v", r)
		}
	}
	if rp.Counts.Update != 1 || rp.Counts.Deactivate != 3 || rp.Counts.Skip != 1 {
		t.Fatalf("rollback plan %+v", rp.Counts)
	}
	dir := t.TempDir()
	rp.Options.BatchSize = 10
	run, err := sync.Apply(ctxT(t), e.t, rp, sync.ApplyOptions{JournalPath: filepath.Join(dir, "rb.jsonl"),
		ReportPath: filepath.Join(dir, "rb.csv"), BackupPath: filepath.Join(dir, "rb-backup.json")})
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Failed != 0 {
		t.Fatalf("rollback run %+v: %+v", run.Counts, run.Outcomes)
	}
	for _, u := range before {
		got, _ := e.srv.CCAIUser(u.Email)
		got.UpdatedAt = u.UpdatedAt
		// What the agents endpoint does not list cannot be restored.
		got.Status, got.MaxChatLimit, got.MaxChatLimitEnabled = u.Status, u.MaxChatLimit, u.MaxChatLimitEnabled
		if !reflectEqualUsers(got, u) {
			t.Errorf("%s not restored:\n got %+v\nwant %+v", u.Email, got, u)
		}
	}
	for _, email := range []string{"maya.okafor@example.com", "tom.becker@example.com", "priya.natarajan@example.com"} {
		if u, ok := e.srv.CCAIUser(email); !ok || u.Status != StatusInactive {
			t.Errorf("%s should be deactivated, not deleted: %+v", email, u)
		}
	}
	// The apply: the canary's job (a create and an update), then 3 rows in
	// jobs of 2; the rollback: its canary (the update), then the rest.
	if n := e.srv.Stats().Requests["POST /apps/api/v1/bulk/users/upload"]; n != 5 {
		t.Errorf("want 3 jobs for the apply and 2 for the rollback, got %d uploads", n)
	}
}

// Bad weather: a fifth of the requests answer 5xx and some connections drop
// after the server acted. The apply still ends with every row done, and
// nobody is created twice (a dropped upload leaves a job that never runs).
func TestApplyWithFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 30)
	path := copyFixture(t, "users.csv")
	_, p := e.plan(t, path, sync.PlanOptions{})
	if err := e.srv.SetFaults(sandbox.Options{Seed: 11, FailRate: 0.2, DropRate: 0.05}); err != nil {
		t.Fatal(err)
	}
	opts := applyOpts(path)
	opts.MaxTries = 10
	run, err := sync.Apply(ctxT(t), e.t, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if run.Interrupted || run.Counts.Failed != 0 || run.Counts.Create != 3 || run.Counts.Update != 2 {
		t.Fatalf("run %+v: %+v", run.Counts, run.Outcomes)
	}
	e.srv.SetFaults(sandbox.Options{})
	st := e.srv.Stats()
	if st.CreatesPerEmailMax != 1 || st.Creates != 3 {
		t.Errorf("creates %v", st.CreatesPerEmail)
	}
	t.Logf("responses %v, dropped %d", st.Responses, st.Dropped)
	if st.Responses["500"]+st.Responses["502"]+st.Responses["503"] == 0 {
		t.Error("no fault was injected: the test proves nothing")
	}
	_, again := e.plan(t, path, sync.PlanOptions{})
	for _, r := range again.Rows {
		for _, c := range r.Changes {
			if !slices.Contains(notListed, c.Field) {
				t.Errorf("after the faulty run, line %d still changes %s", r.Line, c.Field)
			}
		}
	}
	if again.Counts.Create != 0 {
		t.Errorf("after the faulty run, the second plan is %+v", again.Counts)
	}
}

// --deactivate-missing through a job: every active user the file does not
// name ends Inactive (not deleted), behind the same guard as coursedog's.
func TestApplyDeactivateMissing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 8)
	path := copyFixture(t, "users.csv")
	schema, err := e.t.Schema(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	f, err := csvfile.Open(path, schema, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	existing, err := e.t.ListUsers(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	// The seeded users the file does not name: the agents endpoint does not
	// say which are already inactive, so each is deactivated (again).
	var missing []string
	for _, u := range e.srv.CCAIUsers() {
		if u.Email != "renee.ramirez@example.com" && u.Email != "lucia.kaur@example.com" {
			missing = append(missing, u.Email)
		}
	}
	_, err = sync.NewPlan(e.t.Name(), f, csvfile.Validate(f), existing, sync.PlanOptions{DeactivateMissing: true, MaxDeactivate: len(missing) - 1})
	var le *sync.DeactivateLimitError
	if !errors.As(err, &le) || le.Count != len(missing) {
		t.Fatalf("the guard should refuse %d deactivations: %v", len(missing), err)
	}
	p, err := sync.NewPlan(e.t.Name(), f, csvfile.Validate(f), existing, sync.PlanOptions{DeactivateMissing: true, MaxDeactivate: len(missing)})
	if err != nil {
		t.Fatal(err)
	}
	run, err := sync.Apply(ctxT(t), e.t, p, applyOpts(path))
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Failed != 0 || run.Counts.Deactivate != len(missing) {
		t.Fatalf("run %+v", run.Counts)
	}
	for _, email := range missing {
		if u, ok := e.srv.CCAIUser(email); !ok || u.Status != StatusInactive {
			t.Errorf("%s: %+v", email, u)
		}
	}
}

// A rename by New Email is applied once; the same file again finds the
// user under the new address and plans nothing (not a create of the old).
func TestRenameByNewEmailConverges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10)
	u := e.srv.CCAIUsers()[0]
	path := filepath.Join(t.TempDir(), "rename.csv")
	body := "Email,New Email,First Name,Last Name\n" + u.Email + ",renamed." + u.Email + "," + u.FirstName + "," + u.LastName + "\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, p := e.plan(t, path, sync.PlanOptions{})
	if p.Counts.Update != 1 {
		t.Fatalf("rename plan %+v", p.Counts)
	}
	if run, err := sync.Apply(ctxT(t), e.t, p, applyOpts(path)); err != nil || run.Counts.Update != 1 {
		t.Fatalf("rename apply: %v %+v", err, run)
	}
	if _, ok := e.srv.CCAIUser("renamed." + u.Email); !ok {
		t.Fatalf("no user under the new email")
	}
	_, again := e.plan(t, path, sync.PlanOptions{})
	if again.Counts.Unchanged != 1 || again.Counts.Create != 0 {
		t.Fatalf("the same file after the rename plans %+v, want it unchanged", again.Counts)
	}
}

// A job in a status no vendor page documents stops the apply resumably
// (exit 3 on the command line) with the status named: the job stays
// pending in the journal, no row is called failed or done, and the next
// run waits on the same job instead of uploading its rows again.
func TestUnknownJobStatusStopsTheRunResumably(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 30)
	path := copyFixture(t, "users.csv")
	_, p := e.plan(t, path, sync.PlanOptions{})
	e.srv.SetCCAIJobStatusAs(JobValidScheme, "validated")
	opts := applyOpts(path)
	run, err := sync.Apply(ctxT(t), e.t, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Interrupted || !strings.Contains(run.Reason, `"validated"`) || run.Counts.Failed != 0 ||
		run.Counts.Pending != p.Counts.Writes() {
		t.Fatalf("want a resumable stop naming the status: %+v, %q", run.Counts, run.Reason)
	}
	j, err := sync.ReadJournal(opts.JournalPath)
	if err != nil || len(j.Pending) != 1 {
		t.Fatalf("the job must stay pending in the journal: %v %+v", err, j)
	}
	e.srv.SetCCAIJobStatusAs(JobValidScheme, "")
	_, p2 := e.plan(t, path, sync.PlanOptions{})
	run, err = sync.Apply(ctxT(t), e.t, p2, opts)
	if err != nil || run.Interrupted || run.Counts.Failed != 0 || !run.Resumed {
		t.Fatalf("resume: %v %+v %q", err, run.Counts, run.Reason)
	}
	if n := e.srv.Stats().Requests["POST /apps/api/v1/bulk/users/upload"]; n != 3 {
		t.Errorf("want 3 uploads in all (the pending job waited on, not sent again), got %d", n)
	}
}

// A tenant that accepts location and silently drops it: the canary's job
// (one create, one update) is read back through the agents endpoint and
// the run stops before any other row is uploaded, naming the field.
func TestCanaryStopsAJobRunAgainstATenantThatDropsAField(t *testing.T) {
	t.Parallel()
	srv, err := sandbox.Start(sandbox.Options{Users: 30, IgnoreFields: []string{FieldLocation}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.SetCCAIJobPace(20*time.Millisecond, 0)
	tg, err := New(Options{BaseURL: srv.URL(), Tenant: sandbox.DemoTenant, Token: sandbox.DemoAPIToken,
		PollMin: 10 * time.Millisecond, PollMax: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv, t: tg}
	path := copyFixture(t, "users.csv")
	_, p := e.plan(t, path, sync.PlanOptions{})
	run, err := sync.Apply(ctxT(t), e.t, p, applyOpts(path))
	if err != nil {
		t.Fatal(err)
	}
	if run.Canary == nil || !run.Canary.Differs() || !strings.Contains(run.Reason, `Location was sent as "Dublin"`) {
		t.Fatalf("the canary did not stop the run: %+v %q", run.Canary, run.Reason)
	}
	if n := srv.Stats().Requests["POST /apps/api/v1/bulk/users/upload"]; n != 1 {
		t.Errorf("want the canary's one job, got %d uploads", n)
	}
	if run.Counts.Create+run.Counts.Update != 2 || run.Counts.Pending != p.Counts.Writes()-2 {
		t.Errorf("counts %+v", run.Counts)
	}
}
