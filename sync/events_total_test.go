package sync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"usersync/sandbox"
	"usersync/sync"
)

// A run paused before its first request (the operator pressed p as the
// apply began) still says how many writes it will make: every event
// carries the plan's total, also the "paused" one its first read (the
// users, read again before the first write) sends while it waits.
func TestEveryEventCarriesThePlannedTotal(t *testing.T) {
	e := startEnv(t, sandbox.Options{Users: 20, Seed: 7})
	path := filepath.Join(e.dir, "users.csv")
	var records [][]string
	for i := range 5 {
		records = append(records, []string{"New", "Person", fmt.Sprintf("new%d@example.edu", i), "scheduling", "", "", "", ""})
	}
	writeUsers(t, path, records)
	p, _ := plan(t, e, path, sync.PlanOptions{})
	if p.Counts.Writes() != 5 {
		t.Fatalf("plan: %+v", p.Counts)
	}
	gate := sync.NewGate()
	gate.Pause()
	events := make(chan sync.Event, 1024)
	opts := applyOpts(e.dir)
	opts.Gate, opts.Events, opts.NoCanary = gate, events, true
	done := make(chan error, 1)
	go func() {
		_, err := sync.Apply(context.Background(), e.t, p, opts)
		close(events)
		done <- err
	}()
	select {
	case ev := <-events:
		if ev.Total != 5 || !ev.Paused {
			t.Fatalf("first event of a paused run: %d writes, paused %v; want 5, paused", ev.Total, ev.Paused)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a paused run sent no event")
	}
	gate.Resume()
	for ev := range events {
		if ev.Total != 5 {
			t.Fatalf("event %+v: %d writes, want 5", ev, ev.Total)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, ok := e.srv.User(fmt.Sprintf("new%d@example.edu", i)); !ok {
			t.Fatalf("new%d was not created", i)
		}
	}
}
