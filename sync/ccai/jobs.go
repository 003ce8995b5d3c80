package ccai

import (
	"context"
	"fmt"
	"net/http"

	"usersync/sync"
)

// The ccai job of one batch: uploaded, proceeded, followed to its end.

// SubmitBatch uploads the ops as one job and returns its id. The job does
// not run until WaitBatch proceeds it, so a crash before the engine
// journals the id leaves a job that never runs.
func (t *Target) SubmitBatch(ctx context.Context, ops []sync.Op) (string, error) {
	bf, err := newBatchFile(ops)
	if err == nil {
		err = bf.render()
	}
	if err != nil {
		return "", fmt.Errorf("ccai: build the batch: %w", err)
	}
	t.state("", "uploading")
	id, link, err := t.c.upload(ctx, "", bf.filename(), bf.content(), len(bf.rows))
	if err != nil {
		return "", err
	}
	t.setLink(id, link)
	t.state(id, JobCreated)
	return id, nil
}

// setLink remembers the status link an upload gave for its job (in this
// process only: a resumed apply uses the documented path).
func (t *Target) setLink(jobID, link string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.links == nil {
		t.links = map[string]string{}
	}
	if link == "" {
		delete(t.links, jobID)
		return
	}
	t.links[jobID] = link
}

// statusOf fetches a job's status through the link its upload gave when
// that link is on the configured host, else (and after the link answers
// 404: the vendor's own example link spells users_jobs/) through the
// documented path.
func (t *Target) statusOf(ctx context.Context, jobID string) (*job, error) {
	t.mu.Lock()
	link := t.links[jobID]
	t.mu.Unlock()
	if at := t.c.onHost(link); at != nil {
		j, err := t.c.jobAt(ctx, jobID, at)
		if !isStatus(err, http.StatusNotFound) {
			return j, err
		}
		t.setLink(jobID, "")
	}
	return t.c.Job(ctx, jobID)
}

func (t *Target) state(jobID, s string) {
	if t.c.opts.OnJobState != nil {
		t.c.opts.OnJobState(jobID, s)
	}
	t.mu.Lock()
	watch := t.watch
	t.mu.Unlock()
	if watch != nil {
		watch(jobID, s)
	}
}

// WaitBatch follows the job from wherever it is: it waits for the scheme
// check, proceeds a valid job, waits for it to complete and maps the update
// error log back to the ops. When the scheme check fails it maps those
// errors, replaces the job's file with the rows that passed (PUT with the
// job id, so the journaled id stays right) and carries on; the ops left out
// fail with the server's message.
func (t *Target) WaitBatch(ctx context.Context, jobID string, ops []sync.Op) ([]sync.BatchResult, error) {
	bf, err := newBatchFile(ops)
	if err != nil {
		return nil, fmt.Errorf("ccai: rebuild the batch of job %s: %w", jobID, err)
	}
	results := make([]sync.BatchResult, len(ops))
	schemeMsg := map[int]bool{} // ops whose scheme error is already in results
	delay := t.c.opts.PollMin
	last := ""
	checked := false
	polls := 0 // status checks since the status last changed
	for {
		j, err := t.statusOf(ctx, jobID)
		if err != nil {
			return nil, err
		}
		status := string(j.Status)
		if !checked {
			if err := t.adopt(bf, j, len(ops)); err != nil {
				return nil, err
			}
			checked = true
		}
		if status != last {
			t.state(jobID, status)
			last, delay, polls = status, t.c.opts.PollMin, 0
		}
		switch status {
		case JobCreated, JobInProgress:
			if err := sync.Sleep(ctx, delay); err != nil {
				return nil, &sync.Error{Kind: sync.KindNetwork, Op: "wait for job " + jobID, Err: err}
			}
			delay = min(delay*3/2, t.c.opts.PollMax)
		case JobValidScheme:
			// Proceed once, then wait for in_progress; ask again only if
			// the job sits there for long (a lost request). A 409 means it
			// was proceeded already (by an earlier run, or just now).
			if polls%10 == 0 {
				if err := t.c.proceed(ctx, jobID); err != nil && !isStatus(err, http.StatusConflict) {
					return nil, err
				}
			}
			polls++
			if err := sync.Sleep(ctx, delay); err != nil {
				return nil, &sync.Error{Kind: sync.KindNetwork, Op: "wait for job " + jobID, Err: err}
			}
			delay = min(delay*3/2, t.c.opts.PollMax)
			continue
		case JobInvalidScheme:
			done, err := t.rejectRows(ctx, jobID, bf, ops, results, schemeMsg)
			if err != nil {
				return nil, err
			}
			if done {
				return results, nil
			}
		case JobCompleted:
			if err := t.collect(ctx, jobID, bf, ops, results, schemeMsg); err != nil {
				return nil, err
			}
			t.state(jobID, "done")
			return results, nil
		default:
			// Only five statuses are documented: anything else may be a
			// failure or a success, and reading it as either could misreport
			// every row. Stop; the job stays journaled and a later run
			// looks again.
			return nil, &sync.Error{Kind: sync.KindUnexpected, Op: "check job " + jobID,
				Msg: fmt.Sprintf("the job is in status %q, which the vendor does not document (created, valid_scheme, invalid_scheme, in_progress, completed)", status)}
		}
	}
}

// adopt checks that the job holds this batch (its file name carries the
// batch's hash) and learns which ops an earlier run left out of its file.
func (t *Target) adopt(bf *batchFile, j *job, n int) error {
	hash, skip, ok := parseFilename(string(j.Filename))
	if !ok {
		return nil // not named by usersync (or renamed by the server): nothing to check
	}
	if hash != bf.hash {
		return &sync.Error{Kind: sync.KindConflict, Op: "check job " + string(j.ID),
			Msg: fmt.Sprintf("the job holds a different batch (file %s) than the %d rows given", j.Filename, n)}
	}
	for _, s := range skip {
		if s >= n {
			return &sync.Error{Kind: sync.KindConflict, Op: "check job " + string(j.ID),
				Msg: fmt.Sprintf("the job's file %s names row %d of a %d-row batch", j.Filename, s, n)}
		}
	}
	bf.setSkip(skip)
	return nil
}
