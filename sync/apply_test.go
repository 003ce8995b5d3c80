package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"usersync/csvfile"
)

// memTarget is an in-memory UserWriter for engine unit tests that need
// exact control of failures; the end-to-end tests use the sandbox.
type memTarget struct {
	mu      gosync.Mutex
	users   map[string]User
	nextID  int
	creates map[string]int
	fail    func(op, email string, try int) error // nil: succeed
	tries   map[string]int
	calls   int
}

func newMem(users ...User) *memTarget {
	m := &memTarget{users: map[string]User{}, creates: map[string]int{}, tries: map[string]int{}}
	for _, u := range users {
		m.nextID++
		u.ID = fmt.Sprintf("u%d", m.nextID)
		m.users[Key(u.Email)] = u
	}
	return m
}

func (m *memTarget) Name() string { return "mem" }
func (m *memTarget) Schema(context.Context) (*csvfile.Schema, error) {
	return &csvfile.Schema{Target: "mem"}, nil
}
func (m *memTarget) ListUsers(context.Context) ([]User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]User, 0, len(m.users))
	for _, u := range m.users {
		out = append(out, u.clone())
	}
	return out, nil
}
func (m *memTarget) check(op, email string) error {
	m.calls++
	k := op + " " + Key(email)
	m.tries[k]++
	if m.fail != nil {
		return m.fail(op, Key(email), m.tries[k])
	}
	return nil
}
func (m *memTarget) Create(_ context.Context, u User, mail bool) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("create", u.Email); err != nil {
		return User{}, err
	}
	if _, ok := m.users[Key(u.Email)]; ok {
		return User{}, &Error{Kind: KindConflict, Status: 409, Op: "create " + u.Email}
	}
	m.nextID++
	u = u.clone()
	u.ID = fmt.Sprintf("u%d", m.nextID)
	m.users[Key(u.Email)] = u
	m.creates[Key(u.Email)]++
	return u, nil
}
func (m *memTarget) Update(_ context.Context, old, nu User) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("update", nu.Email); err != nil {
		return User{}, err
	}
	nu = nu.clone()
	nu.ID = old.ID
	m.users[Key(nu.Email)] = nu
	return nu, nil
}
func (m *memTarget) Lookup(_ context.Context, email string) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[Key(email)]
	if !ok {
		return User{}, &Error{Kind: KindNotFound, Status: 404}
	}
	return u.clone(), nil
}

func user(email, first string, roles ...string) User {
	u := User{Email: email, Fields: map[string]string{"firstName": first}, Lists: map[string][]string{}}
	if len(roles) > 0 {
		u.Lists["roles"] = roles
	}
	return u
}

// planFor builds a plan from desired users directly (no file).
func planFor(t *testing.T, existing []User, desired []User, opts PlanOptions) *Plan {
	t.Helper()
	p := &Plan{Target: "mem", Mode: modeName(opts.Replace), File: filepath.Join(t.TempDir(), "users.csv"),
		FileRows: len(desired), UsersFingerprint: UsersFingerprint(existing), ExistingUsers: len(existing),
		Options: opts, Headers: map[string]string{"firstName": "First Name", "roles": "Role IDs"}}
	byEmail := indexUsers(existing)
	for i := range desired {
		d := desired[i].clone()
		r := PlanRow{Row: i, Line: i + 2, Email: d.Email, Desired: &d}
		p.decide(&r, byEmail[Key(d.Email)])
		p.Rows = append(p.Rows, r)
	}
	p.FileFingerprint = UsersFingerprint(desired)
	p.Count()
	return p
}

func TestMergeAddsAndNeverRemovesUnlessReplace(t *testing.T) {
	old := user("a@x.edu", "Ann", "r1", "r2")
	desired := User{Email: "A@x.edu", Fields: map[string]string{}, Lists: map[string][]string{"roles": {"r3"}}}
	nu, ch := merge(&old, &desired, false, func(k string) string { return k })
	if got := strings.Join(nu.Lists["roles"], ","); got != "r1,r2,r3" {
		t.Fatalf("merge roles = %s, want r1,r2,r3", got)
	}
	if nu.Fields["firstName"] != "Ann" || len(ch) != 1 || ch[0].Old != "r1, r2" || ch[0].New != "r1, r2, r3" {
		t.Fatalf("merge changed %+v, fields %v", ch, nu.Fields)
	}
	nu, ch = merge(&old, &desired, true, func(k string) string { return k })
	if got := strings.Join(nu.Lists["roles"], ","); got != "r3" || len(ch) != 1 {
		t.Fatalf("replace roles = %s (%d changes), want r3", got, len(ch))
	}
	same := User{Email: "a@x.edu", Fields: map[string]string{"firstName": "Ann"}, Lists: map[string][]string{"roles": {"r2", "r1"}}}
	if _, ch := merge(&old, &same, true, func(k string) string { return k }); len(ch) != 0 {
		t.Fatalf("same set in another order is a change: %+v", ch)
	}
}

func TestApplyRetriesConflictsAndCountsEveryRow(t *testing.T) {
	existing := []User{user("keep@x.edu", "Keep", "r1"), user("change@x.edu", "Old", "r1")}
	m := newMem(existing...)
	listed, _ := m.ListUsers(context.Background())
	desired := []User{
		user("keep@x.edu", "Keep"),
		user("change@x.edu", "New"),
		user("new1@x.edu", "N1"),
		user("flaky@x.edu", "Flaky"),
		user("race@x.edu", "Race"),
		user("broken@x.edu", "Broken"),
	}
	p := planFor(t, listed, desired, PlanOptions{Mail: true})
	if p.Counts.Create != 4 || p.Counts.Update != 1 || p.Counts.Unchanged != 1 {
		t.Fatalf("plan counts %+v", p.Counts)
	}
	m.fail = func(op, email string, try int) error {
		switch {
		case email == "flaky@x.edu" && try <= 2:
			return &Error{Kind: KindServer, Status: 503}
		case email == "broken@x.edu":
			return &Error{Kind: KindRejected, Status: 400, Msg: "unknown role"}
		case email == "race@x.edu" && op == "create" && try == 1:
			// Someone else creates the user between plan and apply.
			m.users["race@x.edu"] = User{ID: "other", Email: "race@x.edu", Fields: map[string]string{"firstName": "Someone"}}
			return &Error{Kind: KindConflict, Status: 409}
		}
		return nil
	}
	dir := t.TempDir()
	run, err := Apply(context.Background(), m, p, ApplyOptions{Concurrency: 3, JournalPath: filepath.Join(dir, "j.jsonl"),
		ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Result{"keep@x.edu": Same, "change@x.edu": Updated, "new1@x.edu": Created,
		"flaky@x.edu": Created, "race@x.edu": Updated, "broken@x.edu": Failed}
	for _, o := range run.Outcomes {
		if want[o.Email] != o.Result {
			t.Errorf("%s: %s, want %s (%s)", o.Email, o.Result, want[o.Email], o.Message)
		}
	}
	c := run.Counts
	if c.Create+c.Update+c.Unchanged+c.Skip+c.Failed+c.Deactivate != len(desired) {
		t.Errorf("counts %+v do not add up to %d rows", c, len(desired))
	}
	if m.users["race@x.edu"].ID != "other" || m.users["race@x.edu"].Fields["firstName"] != "Race" {
		t.Errorf("409 was not turned into an update of the existing user: %+v", m.users["race@x.edu"])
	}
	for e, n := range m.creates {
		if n > 1 {
			t.Errorf("%s created %d times", e, n)
		}
	}
	report, _ := os.ReadFile(run.ReportPath)
	if !strings.Contains(string(report), "broken@x.edu,update,failed,400") && !strings.Contains(string(report), "broken@x.edu,create,failed,400") {
		t.Errorf("report lacks the failure:\n%s", report)
	}
	var b Backup
	data, _ := os.ReadFile(run.BackupPath)
	if err := json.Unmarshal(data, &b); err != nil || len(b.Users) != 2 {
		t.Errorf("backup holds %d users (%v), want the 2 that existed", len(b.Users), err)
	}
}

func TestApplyInterruptedThenResumedCreatesNobodyTwice(t *testing.T) {
	m := newMem()
	var desired []User
	for i := 0; i < 40; i++ {
		desired = append(desired, user(fmt.Sprintf("u%02d@x.edu", i), "U"))
	}
	p := planFor(t, nil, desired, PlanOptions{})
	dir := t.TempDir()
	opts := ApplyOptions{Concurrency: 4, JournalPath: filepath.Join(dir, "j.jsonl"),
		ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")}
	ctx, cancel := context.WithCancel(context.Background())
	var sent int
	m.fail = func(op, email string, try int) error {
		sent++
		if sent == 15 {
			cancel()
		}
		return nil
	}
	run, err := Apply(ctx, m, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Interrupted || run.Counts.Pending == 0 {
		t.Fatalf("want an interrupted run with pending rows, got %+v", run.Counts)
	}
	// The same plan again (as `apply FILE` would make it, against the users
	// as they were): the journal resumes it and the engine decides again.
	m.fail = nil
	run2, err := Apply(context.Background(), m, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !run2.Resumed || run2.Interrupted {
		t.Fatalf("resumed=%v interrupted=%v", run2.Resumed, run2.Interrupted)
	}
	if run2.Counts.Create != 40 {
		t.Fatalf("after resume %d rows report created, want all 40: %+v", run2.Counts.Create, run2.Counts)
	}
	for e, n := range m.creates {
		if n != 1 {
			t.Errorf("%s created %d times", e, n)
		}
	}
	if len(m.users) != 40 {
		t.Errorf("%d users, want 40", len(m.users))
	}
	if run2.BackupPath != run.BackupPath {
		t.Errorf("resume took a new backup %s; the first run's %s is the state before any write", run2.BackupPath, run.BackupPath)
	}
}

func TestApplyRefusesStalePlanAndStopsOn401(t *testing.T) {
	m := newMem(user("a@x.edu", "A"))
	listed, _ := m.ListUsers(context.Background())
	p := planFor(t, listed, []User{user("a@x.edu", "B"), user("b@x.edu", "B")}, PlanOptions{})
	m.users["c@x.edu"] = user("c@x.edu", "C")
	dir := t.TempDir()
	opts := ApplyOptions{JournalPath: filepath.Join(dir, "j.jsonl"), ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")}
	_, err := Apply(context.Background(), m, p, opts)
	stale, ok := err.(*StaleError)
	if !ok || stale.Counts[0] != 1 {
		t.Fatalf("want a StaleError with one user added, got %v", err)
	}
	delete(m.users, "c@x.edu")
	m.fail = func(op, email string, try int) error { return &Error{Kind: KindUnauthorized, Status: 401} }
	run, err := Apply(context.Background(), m, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Interrupted || !strings.Contains(run.Reason, "log in again") {
		t.Fatalf("401 without a way to log in must stop resumably: %+v %q", run.Counts, run.Reason)
	}
	// m.fail runs under m.mu and Relogin on the engine's goroutine: the
	// count is shared between them, so it is atomic.
	var relogged atomic.Int32
	m.fail = func(op, email string, try int) error {
		if relogged.Load() == 0 {
			return &Error{Kind: KindUnauthorized, Status: 401}
		}
		return nil
	}
	opts.Relogin = func(context.Context) error { relogged.Add(1); return nil }
	run, err = Apply(context.Background(), m, p, opts)
	if err != nil || run.Interrupted || relogged.Load() != 1 || run.Counts.Update != 1 || run.Counts.Create != 1 {
		t.Fatalf("relogin: err=%v run=%+v relogged=%d", err, run, relogged.Load())
	}
}

func TestRateLimitShared(t *testing.T) {
	m := newMem()
	var desired []User
	for i := 0; i < 10; i++ {
		desired = append(desired, user(fmt.Sprintf("r%d@x.edu", i), "R"))
	}
	p := planFor(t, nil, desired, PlanOptions{})
	dir := t.TempDir()
	start := time.Now()
	_, err := Apply(context.Background(), m, p, ApplyOptions{Concurrency: 8, Rate: 20,
		JournalPath: filepath.Join(dir, "j"), ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Fatalf("10 writes at 20/s took %s; the limiter is not shared", el)
	}
}
