package sync

import (
	"slices"
	gosync "sync"
	"time"
)

// reportEvery is how often the report is rewritten while outcomes arrive
// (at least: a rewrite that takes long spaces the next ones out).
const reportEvery = time.Second

// liveReport keeps the report (CSV and its JSON twin) true while the run
// goes on: written once before the first write, so a report path that
// cannot be written stops the run before anything is sent, then again as
// outcomes land, and a last time at the end.
type liveReport struct {
	a     *applier
	base  []Outcome // each row as pending, taken before the workers start (they re-decide rows)
	mu    gosync.Mutex
	dirty bool
	stop  chan struct{}
	done  chan struct{}
}

// startReport writes the first report and starts following the outcomes.
func (a *applier) startReport() error {
	lr := &liveReport{a: a, stop: make(chan struct{}), done: make(chan struct{})}
	lr.base = make([]Outcome, len(a.p.Rows))
	for i := range a.p.Rows {
		lr.base[i] = outcomeOf(&a.p.Rows[i], Pending, 0, "not sent yet")
	}
	if err := lr.write(); err != nil {
		return err
	}
	a.report = lr
	go lr.loop()
	return nil
}

// stopReport stops the rewrites; finish writes the last report itself.
func (a *applier) stopReport() {
	if a.report == nil {
		return
	}
	close(a.report.stop)
	<-a.report.done
	a.report = nil
}

// touch marks the report as behind the outcomes.
func (lr *liveReport) touch() {
	if lr == nil {
		return
	}
	lr.mu.Lock()
	lr.dirty = true
	lr.mu.Unlock()
}

func (lr *liveReport) loop() {
	defer close(lr.done)
	wait := reportEvery
	for {
		select {
		case <-lr.stop:
			return
		case <-time.After(wait):
		}
		lr.mu.Lock()
		dirty := lr.dirty
		lr.dirty = false
		lr.mu.Unlock()
		if !dirty {
			continue
		}
		start := time.Now()
		lr.write() // a failure here leaves the last good report; the final write reports it
		wait = max(reportEvery, 5*time.Since(start))
	}
}

// write writes a snapshot of the run so far: rows not finished yet are
// pending.
func (lr *liveReport) write() error {
	a := lr.a
	a.mu.Lock()
	run := *a.run
	run.Outcomes = slices.Clone(a.run.Outcomes)
	run.Counts = a.counts
	a.mu.Unlock()
	for i := range run.Outcomes {
		if run.Outcomes[i].Result == "" {
			run.Outcomes[i] = lr.base[i]
			run.Counts.Pending++
		}
	}
	run.Running = true
	return WriteReport(run.ReportPath, a.p, &run)
}
