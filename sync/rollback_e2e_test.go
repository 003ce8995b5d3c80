package sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"usersync/sandbox"
	"usersync/sync"
)

// rollbackOf plans and applies the undo of the run journaled at journal.
func rollbackOf(t *testing.T, e *env, journal string, force bool) (*sync.Plan, *sync.Run) {
	t.Helper()
	ctx := context.Background()
	j, err := sync.ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sync.ReadBackup(j.Head.Backup)
	if err != nil {
		t.Fatal(err)
	}
	current, err := e.t.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sync.RollbackPlan(j, b, current, force)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run, err := sync.ApplyWith(ctx, e.t, p, sync.ApplyOptions{JournalPath: filepath.Join(dir, "rb.jsonl"),
		ReportPath: filepath.Join(dir, "rb.csv"), BackupPath: filepath.Join(dir, "rb-backup.json")}, current)
	if err != nil {
		t.Fatal(err)
	}
	return p, run
}

func TestRollbackRestoresWhatTheApplyTouched(t *testing.T) {
	e := startEnv(t, sandbox.Options{Users: 120, Seed: 9})
	before := map[string]sandbox.User{}
	for _, u := range e.srv.Users() {
		before[strings.ToLower(u.Email)] = u
	}
	path, rows := writeMix(t, e, 60)
	p, existing := plan(t, e, path, sync.PlanOptions{})
	opts := applyOpts(e.dir)
	run, err := sync.ApplyWith(context.Background(), e.t, p, opts, existing)
	if err != nil || run.Counts.Failed != 0 {
		t.Fatalf("apply: %v %+v", err, run.Counts)
	}
	// Someone else edits one of the updated users after the import.
	var edited string
	for _, o := range run.Outcomes {
		if o.Result == sync.Updated {
			edited = strings.ToLower(o.Email)
			break
		}
	}
	other := e.srv.Users()
	for _, u := range other {
		if strings.EqualFold(u.Email, edited) {
			u.LastName = "EditedByAnAdmin"
			if err := putUser(e, u); err != nil {
				t.Fatal(err)
			}
		}
	}

	rp, rrun := rollbackOf(t, e, opts.JournalPath, false)
	if rp.Counts.Skip != 1 || !strings.Contains(strings.Join(rowFor(rp, edited).Reasons, ""), "conflict") {
		t.Fatalf("rollback plan %+v; the edited user must be a conflict: %+v", rp.Counts, rowFor(rp, edited))
	}
	if rrun.Counts.Failed != 0 || rrun.Counts.Deactivate != 30 || rrun.Counts.Update != 23 {
		t.Fatalf("rollback outcomes %+v: want 30 created users deactivated and 23 of 24 updates undone", rrun.Counts)
	}
	for email := range rows {
		now, _ := e.srv.User(email)
		old, existed := before[email]
		switch {
		case email == edited:
			if now.LastName != "EditedByAnAdmin" {
				t.Errorf("the conflicting user was overwritten: %q", now.LastName)
			}
		case !existed:
			if now.Status != "Inactive" {
				t.Errorf("created user %s is %q after rollback, want Inactive (not deleted)", email, now.Status)
			}
		default:
			if now.LastName != old.LastName || !slices.Equal(now.Products, old.Products) || now.Status != old.Status {
				t.Errorf("%s not restored: %s %v, backup %s %v", email, now.LastName, now.Products, old.LastName, old.Products)
			}
		}
	}
	// --force undoes the conflict too; a second rollback then has nothing left.
	_, frun := rollbackOf(t, e, opts.JournalPath, true)
	if frun.Counts.Update != 1 {
		t.Fatalf("forced rollback %+v, want the one conflicting user restored", frun.Counts)
	}
	if now, _ := e.srv.User(edited); now.LastName != before[edited].LastName {
		t.Errorf("forced rollback left %q, want %q", now.LastName, before[edited].LastName)
	}
	again, _ := rollbackOf(t, e, opts.JournalPath, true)
	if again.Counts.Writes() != 0 {
		t.Errorf("rollback of a rolled-back import still plans %+v", again.Counts)
	}
}

func rowFor(p *sync.Plan, email string) sync.PlanRow {
	for _, r := range p.Rows {
		if strings.EqualFold(r.Email, email) {
			return r
		}
	}
	return sync.PlanRow{}
}

// putUser writes a user straight to the sandbox, as another admin would.
func putUser(e *env, u sandbox.User) error {
	existing, err := e.t.Lookup(context.Background(), u.Email)
	if err != nil {
		return err
	}
	nu := existing
	nu.Fields = map[string]string{"lastName": u.LastName}
	for k, v := range existing.Fields {
		if k != "lastName" {
			nu.Fields[k] = v
		}
	}
	_, err = e.t.Update(context.Background(), existing, nu)
	return err
}

// rawUsers reads the users' JSON as the server sends it, by email.
func rawUsers(t *testing.T, e *env) map[string]string {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL()+"/api/v1/"+sandbox.DemoSchool+"/users?skip=0&limit=100000", nil)
	tok := loginToken(t, e)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var users []json.RawMessage
	if err := json.Unmarshal(body, &users); err != nil {
		t.Fatalf("users: %v: %s", err, body)
	}
	out := map[string]string{}
	for _, raw := range users {
		var u struct{ Email string }
		json.Unmarshal(raw, &u)
		out[strings.ToLower(u.Email)] = string(raw)
	}
	return out
}

// loginToken logs in afresh (which revokes the engine's session, as the
// vendor's do) and hands the new token to the engine's client too.
func loginToken(t *testing.T, e *env) string {
	t.Helper()
	c := e.t.Client()
	tok, err := c.Login(context.Background(), sandbox.DemoEmail, sandbox.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(tok)
	return tok
}

func TestBulkModeKeepsOthersAndRefusesConcurrentEdits(t *testing.T) {
	e := startEnv(t, sandbox.Options{Users: 80, Seed: 13})
	path, rows := writeMix(t, e, 40)
	rawBefore := rawUsers(t, e)
	p, existing := plan(t, e, path, sync.PlanOptions{})
	opts := applyOpts(e.dir)
	p.Options.Bulk = true
	e.srv.ResetStats()
	run, err := sync.ApplyWith(context.Background(), e.t, p, opts, existing)
	if err != nil || run.Counts.Failed != 0 || run.Counts.Create != 20 || run.Counts.Update != 16 {
		t.Fatalf("bulk apply: %v %+v", err, run.Counts)
	}
	st := e.srv.Stats()
	if n := st.Requests["PUT /api/v1/{school}/users"]; n != 1 {
		t.Errorf("bulk mode sent %d bulk PUTs, want 1 (requests %v)", n, st.Requests)
	}
	rawAfter := rawUsers(t, e)
	untouched := 0
	for email, raw := range rawBefore {
		if _, inFile := rows[email]; inFile {
			continue
		}
		untouched++
		if rawAfter[email] != raw {
			t.Errorf("%s changed though the file does not name it:\nbefore %s\nafter  %s", email, raw, rawAfter[email])
		}
	}
	if untouched < 30 {
		t.Fatalf("only %d users outside the file; the test proves little", untouched)
	}
	for email, r := range rows {
		if u, ok := e.srv.User(email); !ok || u.LastName != r[1] {
			t.Errorf("%s: %v %q, want %q", email, ok, u.LastName, r[1])
		}
	}

	// Someone creates a user between the plan and the PUT: refuse.
	path2, _ := writeMix(t, e, 40)
	p2, existing2 := plan(t, e, path2, sync.PlanOptions{Replace: true})
	if _, err := e.t.Create(context.Background(), sync.User{Email: "sneaky@example.edu",
		Fields: map[string]string{"firstName": "S", "lastName": "Neaky"}, Lists: map[string][]string{"products": {"events"}}}, false); err != nil {
		t.Fatal(err)
	}
	e.srv.ResetStats()
	opts2 := applyOpts(t.TempDir())
	p2.Options.Bulk = true
	run2, err := sync.ApplyWith(context.Background(), e.t, p2, opts2, existing2)
	if err != nil {
		t.Fatal(err)
	}
	if run2.Counts.Failed == 0 || !strings.Contains(run2.Outcomes[firstWrite(p2)].Message, "refused") {
		t.Fatalf("bulk apply after a concurrent create: %+v; want every write failed as refused", run2.Counts)
	}
	if n := e.srv.Stats().Requests["PUT /api/v1/{school}/users"]; n != 0 {
		t.Errorf("the bulk PUT was sent %d times despite the concurrent create", n)
	}
	var stale *sync.StaleError
	if _, err := sync.Apply(context.Background(), e.t, p2, applyOpts(t.TempDir())); !errors.As(err, &stale) || stale.Counts[0] != 1 {
		t.Errorf("a plain apply of the stale plan: %v, want a StaleError naming one added user", err)
	}
}

func firstWrite(p *sync.Plan) int {
	for i, r := range p.Rows {
		if r.Action == sync.Create || r.Action == sync.Update {
			return i
		}
	}
	return 0
}
