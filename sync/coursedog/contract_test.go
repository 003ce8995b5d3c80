package coursedog_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// A row whose Unique ID belongs to an existing user but whose email is
// another is refused with the reason: the email is the user's identity
// and cannot change, and creating it would make a second account for the
// same person. Default Product and Status reach the server as columns.
func TestEmailChangeRefusedDefaultProductAndStatusApplied(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, sandbox.Options{Users: 20, Seed: 5})
	c, _ := connect(t, srv, coursedog.Options{})
	tg := coursedog.NewTarget(c)
	var known sandbox.User
	for _, u := range srv.Users() {
		if u.ExternalID != "" {
			known = u
			break
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	body := "First Name,Last Name,Email,Products,Unique ID,Default Product,Status\n" +
		known.FirstName + "," + known.LastName + ",renamed." + known.Email + ",scheduling," + known.ExternalID + ",,\n" +
		"Nia,Okoye,nia.okoye@example.edu,\"catalog, events\",N-1,events,Inactive\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	schema, err := tg.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := csvfile.Open(path, schema, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	existing, err := tg.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sync.NewPlan(tg.Name(), f, csvfile.Validate(f), existing, sync.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	refused := p.Rows[0]
	if refused.Action != sync.Skip || len(refused.Reasons) != 1 ||
		!strings.Contains(refused.Reasons[0], `Unique ID "`+known.ExternalID+`" belongs to `+known.Email) ||
		!strings.Contains(refused.Reasons[0], "cannot change") {
		t.Fatalf("the email change was not refused: %+v", refused)
	}
	if p.Rows[1].Action != sync.Create {
		t.Fatalf("row 2: %+v", p.Rows[1])
	}
	run, err := sync.Apply(ctx, tg, p, sync.ApplyOptions{JournalPath: filepath.Join(dir, "j.jsonl"),
		ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")})
	if err != nil || run.Counts.Create != 1 || run.Counts.Skip != 1 || run.Counts.Failed != 0 {
		t.Fatalf("apply: %v %+v", err, run)
	}
	if _, ok := srv.User("renamed." + known.Email); ok {
		t.Error("a second account was created for the same person")
	}
	if u, _ := srv.User(known.Email); u.Email != known.Email {
		t.Errorf("the user's email changed: %+v", u)
	}
	nia, ok := srv.User("nia.okoye@example.edu")
	if !ok || nia.DefaultProduct != "events" || nia.Status != "Inactive" {
		t.Errorf("Default Product and Status did not reach the server: %+v", nia)
	}
	if st := srv.Stats(); st.PostsPerEmail[strings.ToLower("renamed."+known.Email)] != 0 {
		t.Errorf("the refused row was sent: %v", st.PostsPerEmail)
	}
}
