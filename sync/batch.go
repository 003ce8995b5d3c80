package sync

import (
	"context"
	"errors"
	"fmt"
)

// applyBatches sends the writes as jobs of BatchSize rows, one at a time:
// upload, journal the job id, then run and follow the job. The vendor
// recommends small batches; one job at a time keeps the error logs easy to
// map back to file lines.
func (a *applier) applyBatches(ctx context.Context, bw BatchWriter, writes []int) {
	size := a.p.Options.BatchSize
	n := (len(writes) + size - 1) / size
	a.watchJobs(bw)
	for k := 0; k < n; k++ {
		if ctx.Err() != nil {
			return
		}
		idx := writes[k*size : min((k+1)*size, len(writes))]
		a.setBatch(BatchEvent{Index: k + 1, Of: n, Rows: len(idx)})
		ops := make([]Op, len(idx))
		jrows := make([]JobRow, len(idx))
		for j, i := range idx {
			r := &a.p.Rows[i]
			ops[j] = Op{Action: r.Action, Row: r.Row, Line: r.Line, Old: r.Old, New: *r.New}
			jrows[j] = JobRow{Row: i, Line: r.Line, Email: r.Email, Action: r.Action}
		}
		a.emitBatch(k+1, n, len(idx), "", "uploading")
		var jobID string
		_, err := a.call(ctx, func(ctx context.Context) error {
			var err error
			jobID, err = bw.SubmitBatch(ctx, ops)
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				a.failAll(idx, fmt.Errorf("upload batch %d: %w", k+1, err))
			}
			continue
		}
		if err := a.journal.Job(k+1, jobID, jrows); err != nil {
			a.stop("cannot write the journal: " + err.Error())
			return
		}
		a.waitJob(ctx, bw, k+1, n, jobID, idx, ops)
	}
}

// waitJob runs and follows one uploaded job and records its rows.
func (a *applier) waitJob(ctx context.Context, bw BatchWriter, k, n int, jobID string, idx []int, ops []Op) {
	a.emitBatch(k, n, len(idx), jobID, "running")
	// Following a job is polling, not one request: each status check and
	// job step retries by the run's policy (the context carries it), and
	// an error here is one that policy gave up on.
	results, err := bw.WaitBatch(ctx, jobID, ops)
	if ctx.Err() != nil {
		return // the job stays pending in the journal; resume waits on it
	}
	var se *Error
	if errors.As(err, &se) && (se.Kind == KindUnexpected || se.Retryable()) {
		// The job may yet succeed or fail (a status no page documents, or
		// one the server would not tell within the tries; a start whose
		// answer was lost may have started it): neither may be reported.
		// It stays pending in the journal and the next run looks again.
		a.stop(fmt.Sprintf("batch %d: job %s could not be followed: %v", k, jobID, err))
		return
	}
	if err == nil && len(results) != len(ops) {
		err = fmt.Errorf("job %s answered %d results for %d rows", jobID, len(results), len(ops))
	}
	if err != nil {
		a.failAll(idx, fmt.Errorf("job %s: %w", jobID, err))
	} else {
		for j, i := range idx {
			if i < 0 {
				continue
			}
			r := &a.p.Rows[i]
			if results[j].Err != nil {
				o := failure(r, results[j].Err, "")
				o.Column = results[j].Column
				a.record(i, o, "")
				continue
			}
			res, status := resultOf(r.Action)
			a.record(i, outcomeOf(r, res, status, results[j].Warning), "")
		}
	}
	if err := a.journal.JobDone(jobID); err != nil {
		a.stop("cannot write the journal: " + err.Error())
	}
	a.emitBatch(k, n, len(idx), jobID, "done")
}

// finishPendingJobs waits on the jobs an interrupted run uploaded but did
// not see to the end, instead of uploading their rows again.
func (a *applier) finishPendingJobs(ctx context.Context, prior *JournalState) error {
	if len(prior.Pending) == 0 {
		return nil
	}
	bw, ok := a.t.(BatchWriter)
	if !ok {
		return fmt.Errorf("the journal names jobs, but target %s does not run jobs", a.t.Name())
	}
	a.watchJobs(bw)
	byEmail := make(map[string]int, len(a.p.Rows))
	for i := range a.p.Rows {
		byEmail[Key(a.p.Rows[i].Email)] = i
	}
	for n, jobID := range prior.JobOrder {
		jrows, pending := prior.Pending[jobID]
		if !pending {
			continue
		}
		idx := make([]int, 0, len(jrows))
		ops := make([]Op, 0, len(jrows))
		for _, jr := range jrows {
			// Keep every op in its place: the job's results are by position.
			i, ok := byEmail[Key(jr.Email)]
			if !ok {
				i = -1 // no longer in the file; its result is not reported
			} else {
				a.p.Rows[i].Action = jr.Action
			}
			idx = append(idx, i)
			ops = append(ops, Op{Action: jr.Action, Row: -1, Line: jr.Line, New: User{Email: jr.Email}})
		}
		a.setBatch(BatchEvent{Index: n + 1, Of: len(prior.JobOrder), Rows: len(idx), JobID: jobID})
		a.waitJob(ctx, bw, n+1, len(prior.JobOrder), jobID, idx, ops)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

func (a *applier) emitBatch(k, n, rows int, jobID, state string) {
	a.emit(Event{Batch: &BatchEvent{Index: k, Of: n, Rows: rows, JobID: jobID, State: state}})
}

// setBatch records which batch is running, for the job-state hook.
func (a *applier) setBatch(b BatchEvent) {
	a.mu.Lock()
	a.batch = b
	a.mu.Unlock()
}

// watchJobs passes the target's job states (the vendor's words) on as
// batch events of the batch that is running; batches run one at a time.
func (a *applier) watchJobs(bw BatchWriter) {
	jw, ok := bw.(JobWatcher)
	if !ok {
		return
	}
	jw.WatchJobs(func(jobID, state string) {
		a.mu.Lock()
		b := a.batch
		a.mu.Unlock()
		if jobID != "" {
			b.JobID = jobID
		}
		b.State = state
		a.emit(Event{Batch: &b})
	})
}
