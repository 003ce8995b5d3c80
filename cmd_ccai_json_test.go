package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/ccai"
	"usersync/sync/coursedog"
	"usersync/ui"
)

// ccaiSandbox starts a sandbox whose jobs move in tens of milliseconds and
// returns the CONN flags for its ccai half.
func ccaiSandbox(t *testing.T) (*sandbox.Server, []string) {
	t.Helper()
	srv, err := sandbox.Start(sandbox.Options{Users: 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.SetCCAIJobPace(20*time.Millisecond, 0)
	return srv, []string{"--target", "ccai", "--env", srv.URL(), "--tenant", sandbox.DemoTenant}
}

// copyCCAIFixture copies testdata/ccai/name into a temp dir, where the
// journal, report and backup of an apply go.
func copyCCAIFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ccai", name))
	if err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, name, string(b))
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The vendor's JSON template file goes through validate, plan and apply
// like a CSV, every row named by the line its user starts on in the JSON,
// and the users on the server end up as the file says.
func TestCCAIJSONFileValidatedPlannedApplied(t *testing.T) {
	srv, conn := ccaiSandbox(t)
	path := copyCCAIFixture(t, "users.json")
	tok := sandbox.DemoAPIToken

	code, _, stderr := runOffline(t, "validate", path, "--target", "ccai")
	if code != exitOK || !strings.Contains(stderr, path+": 3 rows for ccai (JSON)") ||
		!strings.Contains(stderr, path+`:2: Roles: value 0 (remove) for "Admin" is applied only in replace mode`) {
		t.Fatalf("validate: exit %d\n%s", code, stderr)
	}
	code, stdout, _ := runOffline(t, "validate", path, "--target", "ccai", "--json")
	var rep validateReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitOK || rep.Rows != 3 || rep.Delimiter != "" || rep.Warnings != 1 {
		t.Fatalf("validate --json: exit %d %v %+v", code, err, rep)
	}

	_, existed := srv.CCAIUser("lucia.kaur@example.com")
	code, stdout, stderr = runCmd(t, tok, append([]string{"plan", path, "--json"}, conn...)...)
	var p sync.Plan
	if err := json.Unmarshal([]byte(stdout), &p); err != nil || code != exitOK {
		t.Fatalf("plan: exit %d %v\n%s", code, err, stderr)
	}
	var lines []int
	for _, r := range p.Rows {
		lines = append(lines, r.Line)
	}
	if !slices.Equal(lines, []int{2, 22, 34}) || p.Rows[1].Email != "tom.becker@example.com" || p.Rows[1].Action != sync.Create {
		t.Fatalf("plan rows: lines %v %+v", lines, p.Rows)
	}
	if existed != (p.Rows[2].Action == sync.Update) {
		t.Errorf("lucia existed %v, planned %s", existed, p.Rows[2].Action)
	}

	code, stdout, stderr = runCmd(t, tok, append([]string{"apply", path, "--yes", "--json"}, conn...)...)
	var run sync.Run
	if err := json.Unmarshal([]byte(stdout), &run); err != nil || code != exitOK || run.Counts.Failed != 0 || len(run.Outcomes) != 3 {
		t.Fatalf("apply: exit %d %v %+v\n%s", code, err, run.Counts, stderr)
	}
	maya, ok := srv.CCAIUser("maya.okafor@example.com")
	if !ok || maya.Location != "Dublin" || maya.AgentNumber != "A-0901" || maya.MaxChatLimit == nil || *maya.MaxChatLimit != 3 ||
		!sameNames(maya.Roles, "Agent", "Supervisor") || !sameNames(maya.Teams, "Support") {
		t.Errorf("maya on the server: %+v", maya)
	}
	if tom, _ := srv.CCAIUser("tom.becker@example.com"); !sameNames(tom.Teams, "Sales", "VIP") || tom.MaxChatLimitEnabled != 0 {
		t.Errorf("tom on the server: %+v", tom)
	}
	if lucia, _ := srv.CCAIUser("lucia.kaur@example.com"); lucia.Status != "Inactive" {
		t.Errorf("lucia on the server: %+v", lucia)
	}

	// Nothing is left to do but the fields the agents endpoint does not
	// list (status, the chat limits), which a plan cannot know.
	code, stdout, stderr = runCmd(t, tok, append([]string{"plan", path, "--json"}, conn...)...)
	if err := json.Unmarshal([]byte(stdout), &p); err != nil || code != exitOK || p.Counts.Create != 0 {
		t.Fatalf("plan after apply: exit %d %v %+v\n%s", code, err, p.Counts, stderr)
	}
	for _, r := range p.Rows {
		for _, c := range r.Changes {
			if c.Old != "" || !slices.Contains([]string{"status", "max_chat_limit", "max_chat_limit_enabled"}, c.Field) {
				t.Errorf("plan after apply, line %d: %s changes %s %q → %q", r.Line, r.Email, c.Field, c.Old, c.New)
			}
		}
	}
}

func sameNames(got []string, want ...string) bool {
	got = slices.Clone(got)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

// Row errors in a JSON file name its lines: the live schema's (an unknown
// role, skipped before anything is sent) and the server's (a chat limit
// over the tenant's maximum, failed by the job's scheme check).
func TestCCAIJSONRowErrorsNameTheJSONLines(t *testing.T) {
	srv, conn := ccaiSandbox(t)
	path := writeTemp(t, "import.json", `[
  {"email": "ok.one@example.com", "first_name": "Ok", "last_name": "One",
   "roles": [{"name": "Agent", "value": 1}]},
  {"email": "astro@example.com", "first_name": "Astro", "last_name": "Naut",
   "roles": [{"name": "Astronaut", "value": 1}]},
  {"email": "greedy@example.com", "first_name": "Greedy", "last_name": "Chatter",
   "max_chat_limit": 50}
]
`)
	tok := sandbox.DemoAPIToken
	code, stdout, stderr := runCmd(t, tok, append([]string{"apply", path, "--yes", "--json"}, conn...)...)
	var run sync.Run
	if err := json.Unmarshal([]byte(stdout), &run); err != nil || code != exitRowsFailed {
		t.Fatalf("apply: exit %d %v\n%s", code, err, stderr)
	}
	byLine := map[int]sync.Outcome{}
	for _, o := range run.Outcomes {
		byLine[o.Line] = o
	}
	if o := byLine[2]; o.Result != sync.Created {
		t.Errorf("line 2: %+v", o)
	}
	if o := byLine[4]; o.Result != sync.Skipped || !strings.Contains(o.Message, "Astronaut") {
		t.Errorf("line 4 (unknown role): %+v", o)
	}
	if o := byLine[6]; o.Result != sync.Failed || o.Column != "Max Chat Limit" {
		t.Errorf("line 6 (over the tenant's chat limit): %+v", o)
	}
	if !strings.Contains(stderr, "failed: line 6 greedy@example.com") {
		t.Errorf("the failure is not named by its JSON line:\n%s", stderr)
	}
	if _, ok := srv.CCAIUser("ok.one@example.com"); !ok {
		t.Error("the good row was not created")
	}
	for _, e := range []string{"astro@example.com", "greedy@example.com"} {
		if _, ok := srv.CCAIUser(e); ok {
			t.Errorf("%s was created", e)
		}
	}
}

// A JSON file that is not well-formed is refused by every command with its
// line and column, and never panics.
func TestCCAIBadJSONNamesLineAndColumn(t *testing.T) {
	_, conn := ccaiSandbox(t)
	for _, c := range []struct {
		name, content, where, what string
	}{
		{"truncated.json", "[\n  {\"email\": \"a@example.com\",\n   \"first_name\": \"A\"\n", ":4:1: ", "ends before its JSON is complete"},
		{"comma.json", "[\n  {\"email\": \"a@example.com\",}\n]\n", ":2:29: ", "not valid JSON"},
		{"roles.json", "[\n  {\"email\": \"a@example.com\", \"roles\": \"Agent\"}\n]\n", ":2:39: ", "roles must be a list"},
		{"object.json", "{\"users\": []}", ":1:1: ", "must be a JSON list of users"},
		// Named .csv but holding JSON: read as what it is.
		{"sniffed.csv", "\ufeff  [\n {\"email\": 5,\n", ":3:1: ", "ends before its JSON is complete"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeTemp(t, c.name, c.content)
			want := path + c.where
			code, stdout, stderr := runOffline(t, "validate", path, "--target", "ccai")
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, want) || !strings.Contains(stderr, c.what) {
				t.Fatalf("validate: exit %d\n%s", code, stderr)
			}
			code, stdout, _ = runOffline(t, "validate", path, "--target", "ccai", "--json")
			var rep validateReport
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitUsage || rep.Error == nil ||
				!strings.HasPrefix(want, fmt.Sprintf("%s:%d:%d:", path, rep.Error.Line, rep.Error.Column)) {
				t.Fatalf("validate --json: exit %d %v %+v", code, err, rep.Error)
			}
			for _, cmd := range [][]string{{"plan", path}, {"apply", path, "--yes"}} {
				code, _, stderr := runCmd(t, sandbox.DemoAPIToken, append(cmd, conn...)...)
				if code != exitUsage || !strings.Contains(stderr, want) || strings.Contains(stderr, "panic") {
					t.Fatalf("%s: exit %d\n%s", cmd, code, stderr)
				}
			}
		})
	}
}

func uiOpen(path string, s *csvfile.Schema) ui.OpenRequest {
	return ui.OpenRequest{Path: path, Schema: s}
}

// The guided import opens a ccai session's JSON file through the same
// reader, and a broken one comes back as a *csvfile.FileError it can show.
func TestTUIBackendOpensCCAIJSON(t *testing.T) {
	b := &tuiBackend{getenv: func(string) string { return "" }}
	schema := ccai.NewSchema(ccai.Config{Roles: []string{"Agent", "Supervisor"}, Teams: []string{"Support", "Sales", "VIP"}})
	f, err := b.OpenFile(context.Background(), uiOpen(copyCCAIFixture(t, "users.json"), schema))
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != 3 || f.Line(1) != 22 || f.Value(0, "roles") != "Agent, Supervisor" {
		t.Fatalf("%v: line %d roles %q", f, f.Line(1), f.Value(0, "roles"))
	}
	v := csvfile.Validate(f)
	if v.Errors() != 0 {
		t.Fatalf("messages %+v", v.Messages())
	}
	// Saving the edited rows writes a CSV beside the JSON, never over it.
	ed := csvfile.NewEditor(f, v)
	if err := ed.Set(1, "first_name", "Thomas"); err != nil {
		t.Fatal(err)
	}
	json0, _ := os.ReadFile(filepath.Join("testdata", "ccai", "users.json"))
	kept, err := ed.Save()
	if err != nil || f.Path() != kept+".csv" {
		t.Fatalf("save: %q %q %v", kept, f.Path(), err)
	}
	if now, _ := os.ReadFile(kept); string(now) != string(json0) {
		t.Fatal("the JSON file was rewritten")
	}

	bad := writeTemp(t, "bad.json", "[\n {\"email\": \"a@example.com\"\n")
	_, err = b.OpenFile(context.Background(), uiOpen(bad, schema))
	var fe *csvfile.FileError
	if !errors.As(err, &fe) || fe.Line != 3 || fe.Column != 1 {
		t.Fatalf("bad JSON: %v", err)
	}
	// Only ccai reads JSON: a coursedog session gets the CSV reader, which
	// finds none of its columns and says the file is JSON.
	_, err = b.OpenFile(context.Background(), uiOpen(bad, coursedog.NewSchema(nil, nil)))
	if !errors.As(err, &fe) || !strings.HasPrefix(fe.Msg, "this is JSON, not a CSV file; coursedog reads CSV") {
		t.Fatalf("coursedog reading JSON: %v", err)
	}
}

// `usersync template --target ccai` prints the tenant's live JSON template
// when given a connection (the file it prints imports as it is), the blank
// CSV without one, and never a blank file in place of a failed connection.
func TestTemplateCCAILiveOrBlank(t *testing.T) {
	srv, conn := ccaiSandbox(t)
	code, stdout, stderr := runCmd(t, sandbox.DemoAPIToken, append([]string{"template"}, conn...)...)
	if code != exitOK || !strings.Contains(stderr, "live template") {
		t.Fatalf("live: exit %d\n%s", code, stderr)
	}
	var users []struct {
		Email string `json:"email"`
		Roles []struct {
			Name string `json:"name"`
		} `json:"roles"`
		Teams []struct {
			Name string `json:"name"`
		} `json:"teams"`
	}
	if err := json.Unmarshal([]byte(stdout), &users); err != nil || len(users) == 0 {
		t.Fatalf("live template is not the vendor's JSON list: %v\n%s", err, stdout)
	}
	roles, teams := map[string]bool{}, map[string]bool{}
	for _, u := range users {
		for _, r := range u.Roles {
			roles[r.Name] = true
		}
		for _, tm := range u.Teams {
			teams[tm.Name] = true
		}
	}
	for _, r := range srv.CCAIRoles() {
		if !roles[r] {
			t.Errorf("role %q missing from the live template", r)
		}
	}
	for _, tm := range srv.CCAITeams() {
		if !teams[tm] {
			t.Errorf("team %q missing from the live template", tm)
		}
	}
	if strings.Contains(stdout+stderr, sandbox.DemoAPIToken) {
		t.Fatal("the token was printed")
	}
	// Filled in or not, the printed template is a file ccai imports.
	path := writeTemp(t, "template.json", stdout)
	if code, _, stderr := runCmd(t, sandbox.DemoAPIToken, append([]string{"plan", path}, conn...)...); code != exitOK {
		t.Fatalf("plan of the printed template: exit %d\n%s", code, stderr)
	}

	code, stdout, stderr = runOffline(t, "template", "--target", "ccai")
	if code != exitOK || stdout != strings.Join(ccai.Headers, ",")+"\n" || !strings.Contains(stderr, "--env and --tenant") {
		t.Fatalf("blank: exit %d %q\n%s", code, stdout, stderr)
	}

	code, stdout, stderr = runOffline(t, "template", "--target", "ccai", "--env", srv.URL(), "--tenant", sandbox.DemoTenant)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "no API token") {
		t.Fatalf("no token: exit %d %q\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd(t, "not-the-token", append([]string{"template"}, conn...)...)
	if code != exitUsage || stdout != "" || strings.Contains(stderr, "not-the-token") {
		t.Fatalf("wrong token: exit %d %q\n%s", code, stdout, stderr)
	}
}
