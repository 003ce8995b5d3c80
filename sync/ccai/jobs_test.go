package ccai

import (
	"context"
	"errors"
	"strings"
	"testing"

	"usersync/sync"
)

// run submits ops as one job and waits for it.
func (e *env) run(t *testing.T, ops []sync.Op) (string, []sync.BatchResult) {
	t.Helper()
	id, err := e.t.SubmitBatch(ctxT(t), ops)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.t.WaitBatch(ctxT(t), id, ops)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(ops) {
		t.Fatalf("%d results for %d ops", len(res), len(ops))
	}
	return id, res
}

func TestBatchAppliesAndUsersMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 20)
	before := e.listed(t)
	storedBefore := e.srv.CCAIUsers()
	all := storedBefore
	u0, u1, u2 := before[sync.Key(all[0].Email)], before[sync.Key(all[1].Email)], before[sync.Key(all[3].Email)]

	create := sync.User{Email: "Ada.Lovelace@example.com",
		Fields: map[string]string{FieldFirstName: "Ada", FieldLastName: "Lovelace", FieldLocation: "Dublin",
			FieldAgentNumber: "A-9001", FieldMaxChatLimit: "3", FieldMaxChatLimitEnabled: "1"},
		Lists: map[string][]string{FieldRoles: {"Agent", "Supervisor"}, FieldTeams: {"VIP"}}}
	update := clone(u0) // merge: location changes, a team is added
	update.Fields[FieldLocation] = "Austin"
	update.Fields[FieldLastName] = "Merged-Name"
	update.Lists[FieldTeams] = append(update.Lists[FieldTeams], "Tier 2")
	replace := clone(u2) // replace: roles become exactly Developer, agent number cleared
	replace.Lists[FieldRoles] = []string{"Developer"}
	delete(replace.Fields, FieldAgentNumber)
	deact := clone(u1)
	deact.Fields[FieldStatus] = StatusInactive
	was := e.stored(t)

	ops := []sync.Op{
		{Action: sync.Create, Row: 0, Line: 2, New: create},
		{Action: sync.Update, Row: 1, Line: 3, Old: &u0, New: update},
		{Action: sync.Update, Row: 2, Line: 4, Old: &u2, New: replace},
		{Action: sync.Deactivate, Row: -1, Old: &u1, New: deact},
	}
	_, res := e.run(t, ops)
	for i, r := range res {
		if r.Err != nil || r.Warning != "" {
			t.Errorf("op %d: %+v", i, r)
		}
	}
	after, listed := e.stored(t), e.listed(t)
	for _, op := range ops {
		got, ok := after[sync.Key(op.New.Email)]
		if !ok {
			t.Fatalf("%s is not stored after the job", op.New.Email)
		}
		if _, ok := listed[sync.Key(op.New.Email)]; !ok {
			t.Fatalf("%s is not listed after the job", op.New.Email)
		}
		// The fields the agents endpoint does not list, and the write did
		// not send, stay as they were.
		want := clone(op.New)
		for _, k := range notListed {
			if _, sent := want.Fields[k]; !sent {
				if v, ok := was[sync.Key(op.New.Email)].Fields[k]; ok {
					want.Fields[k] = v
				}
			}
		}
		sameUser(t, want, got)
	}
	// Users the batch did not name are untouched.
	for _, u := range storedBefore {
		k := sync.Key(u.Email)
		if k == sync.Key(u0.Email) || k == sync.Key(u1.Email) || k == sync.Key(u2.Email) {
			continue
		}
		if now, _ := e.srv.CCAIUser(u.Email); !reflectEqualUsers(now, u) {
			t.Errorf("%s changed: %+v → %+v", k, u, now)
		}
	}
	if st := e.srv.Stats(); st.CreatesPerEmail["ada.lovelace@example.com"] != 1 || st.Requests["POST /apps/api/v1/bulk/users/upload"] != 1 ||
		st.Requests["POST /apps/api/v1/bulk/users/proceed"] != 1 {
		t.Errorf("stats: %+v", st)
	}
}

func TestSchemeErrorsMapToOpsAndTheRestIsApplied(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5)
	mk := func(email, limit, loc, newEmail string) sync.User {
		u := sync.User{Email: email, Fields: map[string]string{FieldFirstName: "F", FieldLastName: "L"}}
		if limit != "" {
			u.Fields[FieldMaxChatLimit] = limit
		}
		if loc != "" {
			u.Fields[FieldLocation] = loc
		}
		if newEmail != "" {
			u.Fields[FieldNewEmail] = newEmail
		}
		return u
	}
	ops := []sync.Op{
		{Action: sync.Create, Row: 0, Line: 2, New: mk("ok.one@example.com", "2", "Dublin", "")},
		{Action: sync.Create, Row: 1, Line: 3, New: mk("too.many@example.com", "50", "", "")},
		{Action: sync.Create, Row: 2, Line: 4, New: mk("ok.two@example.com", "", "", "")},
		{Action: sync.Create, Row: 3, Line: 5, New: mk("lost@example.com", "", "Atlantis", "")},
		{Action: sync.Create, Row: 4, Line: 7, New: mk("ok.three@example.com", "", "Remote", "")},
	}
	id, res := e.run(t, ops)
	if res[1].Err == nil || res[1].Column != "Max Chat Limit" || !strings.Contains(res[1].Err.Error(), "1 to 10") {
		t.Errorf("line 3: %+v", res[1])
	}
	if res[3].Err == nil || res[3].Column != "Location" || !strings.Contains(res[3].Err.Error(), "Atlantis") {
		t.Errorf("line 5: %+v", res[3])
	}
	var se *sync.Error
	if !errors.As(res[1].Err, &se) || se.Kind != sync.KindRejected || se.Retryable() {
		t.Errorf("a scheme error must be a non-retryable rejection: %#v", res[1].Err)
	}
	for _, i := range []int{0, 2, 4} {
		if res[i].Err != nil {
			t.Errorf("op %d (line %d) failed: %v", i, ops[i].Line, res[i].Err)
		}
		if _, ok := e.srv.CCAIUser(ops[i].New.Email); !ok {
			t.Errorf("%s was not created", ops[i].New.Email)
		}
	}
	for _, i := range []int{1, 3} {
		if _, ok := e.srv.CCAIUser(ops[i].New.Email); ok {
			t.Errorf("%s was created despite its scheme error", ops[i].New.Email)
		}
	}
	// The same job carried on with the good rows: its file was replaced.
	jobs, total, err := e.t.Client().Jobs(ctxT(t), 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || jobs[0].ID != id || jobs[0].Status != JobCompleted || jobs[0].TotalRows != 3 ||
		!strings.HasSuffix(jobs[0].Filename, "-skip-1_3.json") {
		t.Errorf("jobs: %d %+v", total, jobs)
	}
	if st := e.srv.Stats(); st.Requests["PUT /apps/api/v1/bulk/users/upload"] != 1 || st.Requests["POST /apps/api/v1/bulk/users/upload"] != 1 {
		t.Errorf("want one upload and one replacement: %v", st.Requests)
	}
}

func TestUpdateErrorsAndWarnings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10)
	before := e.listed(t)
	all := e.srv.CCAIUsers()
	a, b := before[sync.Key(all[0].Email)], before[sync.Key(all[1].Email)]

	taken := clone(a) // renaming a to b's address fails at run time
	taken.Fields[FieldNewEmail] = b.Email
	ghostOld := clone(b) // the plan thought b had Admin; the server says not
	ghostOld.Lists[FieldRoles] = append(ghostOld.Lists[FieldRoles], "Admin")
	dropAdmin := clone(b)
	dropAdmin.Fields[FieldFirstName] = "Renamed"
	ops := []sync.Op{
		{Action: sync.Update, Row: 0, Line: 2, Old: &a, New: taken},
		{Action: sync.Update, Row: 1, Line: 3, Old: &ghostOld, New: dropAdmin},
	}
	_, res := e.run(t, ops)
	if res[0].Err == nil || res[0].Column != "New Email" || !strings.Contains(res[0].Err.Error(), "another user") ||
		!strings.Contains(res[0].Err.Error(), "update "+a.Email) {
		t.Errorf("taken new email: %+v", res[0])
	}
	if res[1].Err != nil || !strings.Contains(res[1].Warning, `Roles: the user has no role "Admin"`) {
		t.Errorf("warning: %+v", res[1])
	}
	if u, _ := e.srv.CCAIUser(b.Email); u.FirstName != "Renamed" {
		t.Errorf("the row with a warning was not applied: %+v", u)
	}
	if u, _ := e.srv.CCAIUser(a.Email); u.Email != a.Email {
		t.Errorf("the failed rename happened: %+v", u)
	}
}

// A resumed apply knows a journaled job's ops only by action, email and
// line; WaitBatch must follow the job from those without uploading again.
func TestResumeWaitsOnTheJournaledJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5)
	ops := []sync.Op{
		{Action: sync.Create, Line: 2, New: sync.User{Email: "r1@example.com", Fields: map[string]string{FieldFirstName: "R", FieldLastName: "One"}}},
		{Action: sync.Create, Line: 3, New: sync.User{Email: "r2@example.com", Fields: map[string]string{FieldFirstName: "R", FieldLastName: "Two"}}},
	}
	id, err := e.t.SubmitBatch(ctxT(t), ops)
	if err != nil {
		t.Fatal(err)
	}
	// The process "dies" here; a new target resumes. It shares the client,
	// so the two together stay within the rate limit the test checks.
	tg := &Target{c: e.t.c}
	thin := []sync.Op{{Action: sync.Create, Row: -1, Line: 2, New: sync.User{Email: "R1@example.com"}},
		{Action: sync.Create, Row: -1, Line: 3, New: sync.User{Email: "r2@example.com"}}}
	res, err := tg.WaitBatch(ctxT(t), id, thin)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("op %d: %v", i, r.Err)
		}
	}
	st := e.srv.Stats()
	if st.Requests["POST /apps/api/v1/bulk/users/upload"] != 1 || st.CreatesPerEmailMax != 1 || st.Creates != 2 {
		t.Errorf("want one upload and each user created once: %+v", st)
	}
	// Waiting again on a finished job answers the same, with no write.
	res2, err := tg.WaitBatch(ctxT(t), id, thin)
	if err != nil || len(res2) != 2 || res2[0].Err != nil {
		t.Errorf("second wait: %v %+v", err, res2)
	}
	if st := e.srv.Stats(); st.Requests["POST /apps/api/v1/bulk/users/proceed"] != 1 {
		t.Errorf("a finished job was proceeded again: %v", st.Requests)
	}

	// Ops of another batch are refused rather than mapped onto this job.
	other := []sync.Op{{Action: sync.Create, New: sync.User{Email: "someone@example.com"}},
		{Action: sync.Create, New: sync.User{Email: "r2@example.com"}}}
	_, err = tg.WaitBatch(ctxT(t), id, other)
	var se *sync.Error
	if !errors.As(err, &se) || se.Kind != sync.KindConflict || !strings.Contains(err.Error(), "different batch") {
		t.Errorf("other ops: %v", err)
	}
}

// A run interrupted after the job's file was replaced (rows with scheme
// errors left out) resumes from the job alone: the file name says which
// ops were left out, so results still land on the right ops.
func TestResumeAfterTheFileWasReplaced(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(ctxT(t))
	var sawInvalid bool
	e := newEnv(t, 5, func(o *Options) {
		o.OnJobState = func(id, state string) {
			if state == JobInvalidScheme {
				sawInvalid = true
			}
			if sawInvalid && state == JobCreated {
				cancel() // the replacement is uploaded; "crash" before it runs
			}
		}
	})
	mk := func(email, limit string) sync.User {
		return sync.User{Email: email, Fields: map[string]string{FieldFirstName: "F", FieldLastName: "L", FieldMaxChatLimit: limit}}
	}
	ops := []sync.Op{
		{Action: sync.Create, Line: 2, New: mk("a@example.com", "1")},
		{Action: sync.Create, Line: 3, New: mk("b@example.com", "99")},
		{Action: sync.Create, Line: 4, New: mk("c@example.com", "2")},
	}
	id, err := e.t.SubmitBatch(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.t.WaitBatch(ctx, id, ops); !errors.Is(err, context.Canceled) {
		t.Fatalf("want the wait cut short, got %v", err)
	}
	thin := make([]sync.Op, len(ops))
	for i, op := range ops {
		thin[i] = sync.Op{Action: op.Action, Row: -1, Line: op.Line, New: sync.User{Email: op.New.Email}}
	}
	tg := &Target{c: e.t.c}
	res, err := tg.WaitBatch(ctxT(t), id, thin)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[2].Err != nil || res[1].Err == nil || !strings.Contains(res[1].Err.Error(), "file check") {
		t.Errorf("results: %+v", res)
	}
	for _, email := range []string{"a@example.com", "c@example.com"} {
		if _, ok := e.srv.CCAIUser(email); !ok {
			t.Errorf("%s was not created", email)
		}
	}
	if _, ok := e.srv.CCAIUser("b@example.com"); ok {
		t.Error("the row with a scheme error was created")
	}
}
