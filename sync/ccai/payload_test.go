package ccai

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"usersync/sync"
)

func TestEntry(t *testing.T) {
	old := &sync.User{Email: "Jane.Doe@Example.com",
		Fields: map[string]string{FieldFirstName: "Jane", FieldLastName: "Doe", FieldStatus: "Active", FieldLocation: "Dublin",
			FieldAgentNumber: "A-1", FieldMaxChatLimit: "2", FieldMaxChatLimitEnabled: "0"},
		Lists: map[string][]string{FieldRoles: {"Agent", "Admin"}, FieldTeams: {"Sales"}}}
	with := func(f func(u *sync.User)) sync.User {
		u := clone(*old)
		f(&u)
		return u
	}
	for _, c := range []struct {
		name string
		op   sync.Op
		want string
		err  string
	}{
		{"create sends every field and assigns every name",
			sync.Op{Action: sync.Create, New: sync.User{Email: "new@example.com",
				Fields: map[string]string{FieldFirstName: "New", FieldLastName: "Agent", FieldMaxChatLimit: "3", FieldMaxChatLimitEnabled: "1",
					FieldStatus: "Active", FieldNewEmail: "other@example.com"},
				Lists: map[string][]string{FieldRoles: {"Agent", "Supervisor"}, FieldTeams: {"VIP"}}}},
			`{"email":"new@example.com","new_email":"other@example.com","first_name":"New","last_name":"Agent","status":"Active",` +
				`"max_chat_limit":3,"max_chat_limit_enabled":1,"roles":[{"name":"Agent","value":1},{"name":"Supervisor","value":1}],` +
				`"teams":[{"name":"VIP","value":1}]}`, ""},
		{"a merge update sends only what changed, under the server's address",
			sync.Op{Action: sync.Update, Old: old, New: with(func(u *sync.User) {
				u.Email = "jane.doe@example.com"
				u.Fields[FieldLocation] = "Austin"
				u.Lists[FieldTeams] = []string{"Sales", "VIP"}
			})},
			`{"email":"Jane.Doe@Example.com","first_name":"Jane","last_name":"Doe","location":"Austin","teams":[{"name":"VIP","value":1}]}`, ""},
		{"replace removes with 0 and a missing value clears with null",
			sync.Op{Action: sync.Update, Old: old, New: with(func(u *sync.User) {
				u.Lists[FieldRoles] = []string{"agent"} // the same role in another case is no change
				delete(u.Fields, FieldLocation)
				delete(u.Fields, FieldMaxChatLimit)
				delete(u.Fields, FieldStatus) // status cannot be cleared: left out
			})},
			`{"email":"Jane.Doe@Example.com","first_name":"Jane","last_name":"Doe","location":null,"max_chat_limit":null,` +
				`"roles":[{"name":"Admin","value":0}]}`, ""},
		{"deactivation",
			sync.Op{Action: sync.Deactivate, Old: old, New: with(func(u *sync.User) { u.Fields[FieldStatus] = StatusInactive })},
			`{"email":"Jane.Doe@Example.com","first_name":"Jane","last_name":"Doe","status":"Inactive"}`, ""},
		{"names missing from New come from Old",
			sync.Op{Action: sync.Update, Old: old, New: sync.User{Email: old.Email, Fields: map[string]string{FieldStatus: "Inactive"},
				Lists: old.Lists}},
			`{"email":"Jane.Doe@Example.com","first_name":"Jane","last_name":"Doe","status":"Inactive","location":null,"agent_number":null,` +
				`"max_chat_limit":null}`, ""},
		{"a non-number limit goes as text for the server to refuse",
			sync.Op{Action: sync.Create, New: sync.User{Email: "x@example.com", Fields: map[string]string{FieldFirstName: "X",
				FieldLastName: "Y", FieldMaxChatLimit: "lots"}}},
			`{"email":"x@example.com","first_name":"X","last_name":"Y","max_chat_limit":"lots"}`, ""},
		{"a create without names", sync.Op{Action: sync.Create, Line: 9, New: sync.User{Email: "x@example.com"}}, "",
			"line 9: a create of x@example.com without its first_name"},
		{"update without the existing user", sync.Op{Action: sync.Update, Line: 7, New: *old}, "", "line 7: an update"},
		{"not a write", sync.Op{Action: sync.Unchanged, Line: 3, New: *old}, "", `"unchanged" is not a write`},
		{"no email", sync.Op{Action: sync.Create, Line: 4}, "", "without an email"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := entry(c.op)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("want error %q, got %v (%s)", c.err, err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(got) {
				t.Fatalf("not JSON: %s", got)
			}
			// Compare as JSON values; key order is checked separately below.
			var g, w any
			json.Unmarshal(got, &g)
			json.Unmarshal([]byte(c.want), &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	got, _ := entry(sync.Op{Action: sync.Deactivate, Old: old, New: with(func(u *sync.User) { u.Fields[FieldStatus] = StatusInactive })})
	if want := `{"email":"Jane.Doe@Example.com","first_name":"Jane","last_name":"Doe","status":"Inactive"}`; string(got) != want {
		t.Errorf("key order: %s", got)
	}
}

func TestBatchFileNamesAndRows(t *testing.T) {
	ops := []sync.Op{
		{Action: sync.Create, New: sync.User{Email: "a@example.com", Fields: map[string]string{FieldFirstName: "A", FieldLastName: "A"}}},
		{Action: sync.Create, New: sync.User{Email: "b@example.com", Fields: map[string]string{FieldFirstName: "B", FieldLastName: "B"}}},
		{Action: sync.Create, New: sync.User{Email: "c@example.com", Fields: map[string]string{FieldFirstName: "C", FieldLastName: "C"}}},
	}
	bf, err := newBatchFile(ops)
	if err != nil {
		t.Fatal(err)
	}
	if err := bf.render(); err != nil {
		t.Fatal(err)
	}
	var users []map[string]any
	if err := json.Unmarshal(bf.content(), &users); err != nil || len(users) != 3 || users[2]["email"] != "c@example.com" {
		t.Fatalf("content %s: %v", bf.content(), err)
	}
	hash, skip, ok := parseFilename(bf.filename())
	if !ok || hash != bf.hash || skip != nil {
		t.Errorf("%s → %s %v %v", bf.filename(), hash, skip, ok)
	}
	bf.setSkip([]int{2, 0, 2})
	if bf.filename() != "usersync-"+bf.hash+"-skip-0_2.json" || !reflect.DeepEqual(bf.rows, []int{1}) {
		t.Errorf("after skipping: %s rows %v", bf.filename(), bf.rows)
	}
	if i, ok := bf.opAt("1"); !ok || i != 1 {
		t.Errorf("row 1 → op %d %v", i, ok)
	}
	for _, bad := range []string{"0", "2", "x", ""} {
		if _, ok := bf.opAt(bad); ok {
			t.Errorf("row %q mapped", bad)
		}
	}
	json.Unmarshal(bf.content(), &users)
	if len(users) != 1 || users[0]["email"] != "b@example.com" {
		t.Errorf("content after skipping: %s", bf.content())
	}
	// Same actions and emails (any case), same batch; a resumed apply's
	// thin ops name it too.
	thin := []sync.Op{{Action: sync.Create, New: sync.User{Email: "A@example.com"}},
		{Action: sync.Create, New: sync.User{Email: "b@example.com"}}, {Action: sync.Create, New: sync.User{Email: "c@EXAMPLE.com"}}}
	tb, _ := newBatchFile(thin)
	if tb.hash != bf.hash {
		t.Error("thin ops hash differently")
	}
	if tb.render() == nil {
		t.Error("thin creates rendered without names")
	}
	for _, name := range []string{"batch.json", "usersync-0123.json", "usersync-0123456789abcdef-skip-.json", "usersync-0123456789abcdef-skip-1_x.json"} {
		if _, _, ok := parseFilename(name); ok {
			t.Errorf("parsed %q", name)
		}
	}
	if _, err := newBatchFile(nil); err == nil {
		t.Error("an empty batch was accepted")
	}
}

func TestColumnHeader(t *testing.T) {
	for in, want := range map[string]string{"first_name": "First Name", "roles.Admin": "Roles", "teams[2]": "Teams",
		"Max Chat Limit": "Max Chat Limit", "new_email": "New Email", "": "", "mystery": "mystery"} {
		if got := columnHeader(in); got != want {
			t.Errorf("columnHeader(%q) = %q, want %q", in, got, want)
		}
	}
}
