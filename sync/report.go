package sync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	if err := a.putReport(lr.write); err != nil {
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
		lr.a.putReport(lr.write)                      // a failure here leaves the last good report; the final write reports it
		wait = max(reportEvery, 20*time.Since(start)) // at most 5% of the time goes to the report
	}
}

// write writes the run so far: rows not finished yet are pending. It
// copies the outcomes a chunk at a time under the lock, never all at once,
// and counts what it writes.
func (lr *liveReport) write(path string, fresh bool) error {
	a := lr.a
	a.mu.Lock()
	run := *a.run
	a.mu.Unlock()
	run.Outcomes, run.Running, run.ReportPath = nil, true, path
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
	return writeReport(path, a.p, &run, each, func() Counts { return counts }, fresh)
}

// putReport writes the run's report by write. The first write of a run
// with FreshReport claims its names: the first of PATH, PATH-2, PATH-3, …
// whose CSV and JSON twin are both free, created exclusively, so that a
// run never writes over another's report (two runs started in the same
// second have the same default name). Later writes replace the run's own.
func (a *applier) putReport(write func(path string, fresh bool) error) error {
	a.mu.Lock()
	path, claim := a.run.ReportPath, a.opts.FreshReport && !a.reportClaimed
	a.mu.Unlock()
	if !claim {
		return write(path, false)
	}
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for n := 1; n < 1000; n++ {
		cand := path
		if n > 1 {
			cand = base + "-" + strconv.Itoa(n) + ext
		}
		err := write(cand, true)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err == nil {
			a.mu.Lock()
			a.run.ReportPath, a.run.ReportJSONPath, a.reportClaimed = cand, jsonTwin(cand), true
			a.mu.Unlock()
		}
		return err
	}
	return fmt.Errorf("report %s: it and %s-2…999%s are all taken by other runs' reports: give this run another path (--report PATH)", path, base, ext)
}
