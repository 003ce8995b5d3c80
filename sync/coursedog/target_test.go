package coursedog_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

func TestUpdateKeepsFieldsTheFileLacks(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 20, Seed: 5})
	c, _ := connect(t, srv, coursedog.Options{})
	tg := coursedog.NewTarget(c)
	ctx := context.Background()
	users, err := tg.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old := users[4]
	before, _ := srv.User(old.Email)
	// The file carries only a first name and the roles.
	next := sync.User{Email: old.Email,
		Fields: map[string]string{"firstName": "Renamed"},
		Lists:  map[string][]string{"roles": {"r-e83b1f4d"}}}
	got, err := tg.Update(ctx, old, next)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := srv.User(old.Email)
	if after.FirstName != "Renamed" || !slices.Equal(after.Roles, []string{"r-e83b1f4d"}) {
		t.Errorf("not updated: %+v", after)
	}
	if after.LastName != before.LastName || after.Department != before.Department ||
		!slices.Equal(after.Products, before.Products) || after.ExternalID != before.ExternalID ||
		!after.CreatedAt.Equal(before.CreatedAt) {
		t.Errorf("fields the file lacks changed:\nbefore %+v\nafter  %+v", before, after)
	}
	if got.ID != old.ID || got.Fields["firstName"] != "Renamed" {
		t.Errorf("Update returned %+v", got)
	}

	_, err = tg.Update(ctx, old, sync.User{Email: "other@example.edu"})
	syncError(t, err, sync.KindRejected, 0)
}

func TestToSyncUser(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 3})
	c, _ := connect(t, srv, coursedog.Options{})
	users, err := coursedog.NewTarget(c).ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range srv.Users() {
		u := users[i]
		want := sync.User{ID: w.ID, Email: w.Email,
			Fields: map[string]string{"firstName": w.FirstName, "lastName": w.LastName,
				"externalId": w.ExternalID, "department": w.Department, "status": w.Status,
				"defaultProduct": w.DefaultProduct},
			Lists: map[string][]string{"products": w.Products, "secondaryDepartments": w.SecondaryDepartments,
				"roles": w.Roles},
			Raw: u.Raw}
		if !reflect.DeepEqual(u, want) {
			t.Errorf("user %d:\n got %+v\nwant %+v", i, u, want)
		}
		if !bytes.Contains(u.Raw, []byte(`"createdAt"`)) {
			t.Errorf("Raw lost the server's other fields: %s", u.Raw)
		}
	}
}

func TestBulkReplace(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 30, Seed: 9})
	c, _ := connect(t, srv, coursedog.Options{PageSize: 7})
	tg := coursedog.NewTarget(c)
	ctx := context.Background()
	existing, err := tg.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("refuses to shrink", func(t *testing.T) {
		srv.ResetStats()
		err := tg.BulkReplace(ctx, existing[1:])
		se := syncError(t, err, sync.KindRejected, 0)
		if !errors.Is(err, coursedog.ErrWouldShrink) || se.Retryable() {
			t.Errorf("got %v", err)
		}
		// Same count, but one user swapped for a new one: still a removal.
		swapped := append(slices.Clone(existing[1:]), sync.User{Email: "new@example.edu"})
		if err := tg.BulkReplace(ctx, swapped); !errors.Is(err, coursedog.ErrWouldShrink) {
			t.Errorf("swap: %v", err)
		}
		if n := srv.Stats().Requests["PUT /api/v1/{school}/users"]; n != 0 {
			t.Errorf("%d bulk PUTs sent", n)
		}
		if len(srv.Users()) != 30 {
			t.Error("users changed")
		}
	})

	t.Run("merges and keeps the rest byte for byte", func(t *testing.T) {
		all := slices.Clone(existing)
		changed := all[3]
		changed.Fields = map[string]string{"lastName": "Bulk-Changed"}
		all[3] = changed
		all = append(all, sync.User{Email: "bulk.new@example.edu",
			Fields: map[string]string{"firstName": "New", "lastName": "Person"},
			Lists:  map[string][]string{"products": {"curriculum"}}})
		if err := tg.BulkReplace(ctx, all); err != nil {
			t.Fatal(err)
		}
		now, err := tg.ListUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(now) != 31 {
			t.Fatalf("%d users after, want 31", len(now))
		}
		for i, u := range existing {
			if i == 3 {
				if now[i].Fields["lastName"] != "Bulk-Changed" || now[i].Fields["firstName"] != u.Fields["firstName"] {
					t.Errorf("changed user: %+v", now[i].Fields)
				}
				continue
			}
			if !bytes.Equal(now[i].Raw, u.Raw) {
				t.Errorf("user %d changed:\n%s\n%s", i, u.Raw, now[i].Raw)
			}
		}
		if st := srv.Stats(); st.MailsSent != 0 || st.Creates != 1 {
			t.Errorf("bulk create sent %d mails (default is none), created %d", st.MailsSent, st.Creates)
		}
	})

	t.Run("mail on request", func(t *testing.T) {
		all, err := tg.ListUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, sync.User{Email: "mailed.bulk@example.edu",
			Fields: map[string]string{"firstName": "M", "lastName": "B"},
			Lists:  map[string][]string{"products": {"events"}}})
		if err := tg.BulkReplaceMail(ctx, all, true); err != nil {
			t.Fatal(err)
		}
		if m := srv.Mails(); len(m) != 1 || m[0].To != "mailed.bulk@example.edu" {
			t.Errorf("mails %+v", m)
		}
	})
}

func TestSchemaFromLiveConfig(t *testing.T) {
	srv := startSandbox(t, sandbox.Options{Users: 1})
	c, _ := connect(t, srv, coursedog.Options{})
	s, err := coursedog.NewTarget(c).Schema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	roles := s.FieldByKey("roles")
	if roles == nil || len(roles.Choices) != len(srv.Roles()) {
		t.Fatalf("roles field %+v", roles)
	}
	for i, r := range srv.Roles() {
		ch := roles.Choices[i]
		if ch.Value != r.ID || ch.Label != r.Name || ch.Prebuilt != r.Prebuilt {
			t.Errorf("role choice %+v for %+v", ch, r)
		}
	}
	dept := s.FieldByKey("department")
	if dept == nil || len(dept.Choices) != len(srv.Departments()) || dept.Choices[0].Value != srv.Departments()[0].Name {
		t.Errorf("department field %+v", dept)
	}
}
