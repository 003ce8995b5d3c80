package coursedog_test

import (
	"context"
	"net/http"
	"testing"

	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/coursedog"
)

// The article documents {"email","plaintextPassword"}; Coursedog's own
// public code posts {"email","password"}. Against a server that accepts
// only one of them, login works, the password goes out no more than twice
// (the one retry), and once a body has worked it is the one sent first.
func TestLoginWorksWithEitherSessionBody(t *testing.T) {
	t.Parallel()
	const route = "POST /api/v1/sessions"
	for _, c := range []struct {
		field      string
		firstSends int // requests the first login takes
	}{{"plaintextPassword", 1}, {"password", 2}, {"", 1}} {
		t.Run("only "+c.field, func(t *testing.T) {
			t.Parallel()
			srv := startSandbox(t, sandbox.Options{Users: 2, LoginField: c.field})
			cl, err := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL(), School: sandbox.DemoSchool})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := cl.Login(ctx, sandbox.DemoEmail, sandbox.DemoPassword); err != nil {
				t.Fatalf("login: %v", err)
			}
			if n := srv.Stats().Requests[route]; n != c.firstSends {
				t.Errorf("the first login sent the password %d times, want %d", n, c.firstSends)
			}
			if _, err := cl.ListUsers(ctx); err != nil {
				t.Errorf("the token does not work: %v", err)
			}
			// Logging in again (a token died mid-run) sends the body that worked.
			if _, err := cl.Login(ctx, sandbox.DemoEmail, sandbox.DemoPassword); err != nil {
				t.Fatal(err)
			}
			if n := srv.Stats().Requests[route]; n != c.firstSends+1 {
				t.Errorf("the second login sent %d requests, want 1", n-c.firstSends)
			}
			// A wrong password: bad credentials, said as such, the password
			// sent at most twice and never in the error.
			bad, _ := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL(), School: sandbox.DemoSchool})
			before := srv.Stats().Requests[route]
			_, err = bad.Login(ctx, sandbox.DemoEmail, "wrong-horse-battery")
			syncError(t, err, sync.KindUnauthorized, http.StatusUnauthorized, "wrong-horse-battery")
			if n := srv.Stats().Requests[route] - before; n > 2 || n < 1 {
				t.Errorf("a wrong password went out %d times", n)
			}
		})
	}
}
