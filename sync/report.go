package sync

import (
	gosync "sync"
	"time"
)

// reportEvery is how often the report is rewritten while outcomes arrive
// (at least: a rewrite that takes long spaces the next ones out).
const reportEvery = time.Second

// reportChunk is how many outcomes the live report copies at a time.
const reportChunk = 1024

// liveReport keeps the report (CSV and its JSON twin) true while the run
// goes on: written once before the first write, so a report path that
// cannot be written stops the run before anything is sent, then again as
// outcomes land, and a last time at the end.
type liveReport struct {
	a     *applier
	base  []Outcome // each row as pending, taken before the workers start (they re-decide rows)
	mail  []bool    // whether each row's create sends mail, as planned
	mu    gosync.Mutex
	dirty bool
	stop  chan struct{}
	done  chan struct{}
}

// startReport writes the first report and starts following the outcomes.
func (a *applier) startReport() error {
	lr := &liveReport{a: a, stop: make(chan struct{}), done: make(chan struct{})}
	lr.base = make([]Outcome, len(a.p.Rows))
	lr.mail = make([]bool, len(a.p.Rows))
	for i := range a.p.Rows {
		lr.base[i] = outcomeOf(&a.p.Rows[i], Pending, 0, "not sent yet")
		lr.mail[i] = a.p.Rows[i].Mail
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
		lr.write()                                    // a failure here leaves the last good report; the final write reports it
		wait = max(reportEvery, 20*time.Since(start)) // at most 5% of the time goes to the report
	}
}

// write writes the run so far: rows not finished yet are pending. It
// copies the outcomes a chunk at a time under the lock, never all at once,
// and counts what it writes.
func (lr *liveReport) write() error {
	a := lr.a
	a.mu.Lock()
	run := *a.run
	a.mu.Unlock()
	run.Outcomes, run.Running = nil, true
	var counts Counts
	each := func(visit func(i int, o Outcome)) {
		counts = Counts{}
		n := len(lr.base)
		buf := make([]Outcome, 0, min(n, reportChunk))
		for start := 0; start < n; start += reportChunk {
			end := min(start+reportChunk, n)
			a.mu.Lock()
			buf = append(buf[:0], a.run.Outcomes[start:end]...)
			a.mu.Unlock()
			for k, o := range buf {
				i := start + k
				if o.Result == "" {
					o = lr.base[i]
				}
				counts.tally(o, lr.mail[i], 1)
				visit(i, o)
			}
		}
	}
	return writeReport(run.ReportPath, a.p, &run, each, func() Counts { return counts })
}
