package sync

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// cancelOnLookup is a target whose read-back is where the operator
// presses Ctrl-C: its first Lookup cancels the run.
type cancelOnLookup struct {
	*memTarget
	cancel context.CancelFunc
}

func (c *cancelOnLookup) Lookup(ctx context.Context, email string) (User, error) {
	c.cancel()
	<-ctx.Done()
	return User{}, ctx.Err()
}

// Ctrl-C while the canary read its users back was reported as a canary
// failure, "the users just written could not be read back (…: canceled)",
// as if the server were at fault; it is the operator's stop, reported as
// any interruption is.
func TestCtrlCDuringTheCanaryIsAnInterruption(t *testing.T) {
	var desired []User
	for i := range 4 {
		desired = append(desired, user(fmt.Sprintf("c%d@x.edu", i), "C"))
	}
	p := planFor(t, nil, desired, PlanOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tgt := &cancelOnLookup{memTarget: newMem(), cancel: cancel}
	dir := t.TempDir()
	run, err := Apply(ctx, tgt, p, ApplyOptions{Concurrency: 1,
		JournalPath: filepath.Join(dir, "j.jsonl"), ReportPath: filepath.Join(dir, "r.csv"), BackupPath: filepath.Join(dir, "b.json")})
	if err != nil {
		t.Fatal(err)
	}
	if !run.Interrupted {
		t.Fatalf("not interrupted: %+v", run.Counts)
	}
	if strings.Contains(run.Reason, "canary") || strings.Contains(run.Reason, "could not be read back") {
		t.Errorf("the operator's stop is blamed on the canary: %s", run.Reason)
	}
	if !strings.Contains(run.Reason, "run the same command again") {
		t.Errorf("the reason does not say how to go on: %s", run.Reason)
	}
	if n := len(tgt.users); n != 1 {
		t.Errorf("%d users written, want only the canary's one create", n)
	}
}
