package ui

import (
	"testing"

	"usersync/sync"
)

// A user of the file who is Inactive on the server (after a rollback, say)
// and whom the file leaves so (no Status): the dry run's counts, its
// confirmation and the summary say so in sync/render's words, as the CLI
// does, instead of a plain "unchanged".
func TestDryRunAndSummarySayWhoStaysInactive(t *testing.T) {
	file := copyTestdata(t, "users.csv")
	tgt := newMemTarget(
		sync.User{Email: "ada@example.edu", Fields: map[string]string{"firstName": "Ada", "lastName": "Lovelace", "department": "Physics"}, Lists: map[string][]string{"products": {"scheduling"}}},
		sync.User{Email: "barbara@example.edu", Fields: map[string]string{"firstName": "Barbara", "lastName": "Liskov", "department": "Computing", "status": "Inactive"}, Lists: map[string][]string{"products": {"curriculum"}}},
	)
	d, _ := loginToPreview(t, file, tgt)
	fixAndPlan(t, d)
	if c := d.m.diff.plan.Counts; c.Unchanged != 1 || c.Inactive != 1 {
		t.Fatalf("plan counts %+v, want Barbara unchanged and staying Inactive", c)
	}
	note := "1 user in the file is Inactive on the server and stays Inactive"
	d.sees("! 1 stay Inactive", note, "add a Status column with Active")
	d.keys("enter")
	d.sees("stays Inactive")
	d.keys("y")
	d.until("the summary", func(m *Model) bool { return m.screen == ScreenSummary })
	d.sees(note, "add a Status column with Active")
	if b, _ := tgt.user("barbara@example.edu"); b.Fields["status"] != "Inactive" {
		t.Errorf("Barbara was made %q by a file without Status", b.Fields["status"])
	}
}
