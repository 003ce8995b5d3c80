package sync

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A re-login that waits for the operator holds up only the requests that
// met the 401: the other workers go on writing and every outcome still
// reaches the progress events (each takes the engine's lock), and the 401s
// met meanwhile share that one re-login instead of asking again.
func TestReloginWaitsWithoutStallingTheRun(t *testing.T) {
	m := newMem()
	var desired []User
	for i := range 3 {
		desired = append(desired, user(fmt.Sprintf("a%d@x.edu", i), "A")) // their token "expired"
	}
	for i := range 9 {
		desired = append(desired, user(fmt.Sprintf("z%d@x.edu", i), "Z"))
	}
	p := planFor(t, nil, desired, PlanOptions{})
	var renewed atomic.Bool
	m.fail = func(op, email string, try int) error {
		if strings.HasPrefix(email, "a") && !renewed.Load() {
			return &Error{Kind: KindUnauthorized, Status: 401, Op: op + " " + email}
		}
		return nil
	}
	events := make(chan Event, 4096)
	others := make(chan string, 64) // the other rows, as their outcomes arrive
	go func() {
		for e := range events {
			if e.Outcome != nil && e.Outcome.Result == Created && strings.HasPrefix(e.Outcome.Email, "z") {
				others <- e.Outcome.Email
			}
		}
	}()
	var asked atomic.Int32
	release := make(chan struct{})
	relogin := func(ctx context.Context) error {
		asked.Add(1)
		// The operator is signing in: meanwhile the run goes on.
		timeout := time.After(10 * time.Second)
		for n := 0; n < 9; n++ {
			select {
			case <-others:
			case <-timeout:
				return errors.New("the other rows stalled while the re-login waited")
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		<-release
		renewed.Store(true)
		return nil
	}
	go func() { time.Sleep(50 * time.Millisecond); close(release) }()
	dir := t.TempDir()
	run, err := Apply(context.Background(), m, p, ApplyOptions{Concurrency: 4, NoCanary: true, Relogin: relogin, Events: events,
		JournalPath: filepath.Join(dir, "j.jsonl"), ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")})
	close(events)
	if err != nil {
		t.Fatal(err)
	}
	if run.Interrupted || run.Counts.Create != 12 {
		t.Fatalf("run %+v: %s", run.Counts, run.Reason)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("%d re-logins for one expired session, want 1", n)
	}
	for i := range 3 {
		if n := m.tries["create "+Key(fmt.Sprintf("a%d@x.edu", i))]; n > 2 {
			t.Errorf("a%d sent %d times: once refused, once after the re-login", i, n)
		}
	}
}
