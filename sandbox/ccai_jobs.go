package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Job statuses, as the vendor documents them.
const (
	jobCreated       = "created"
	jobValidScheme   = "valid_scheme"
	jobInvalidScheme = "invalid_scheme"
	jobInProgress    = "in_progress"
	jobCompleted     = "completed"
)

// ccaiJob is one bulk job: what GET bulk/users/jobs/{id} answers, and the
// state behind it. File is the current upload (a PUT replaces it); Gen
// counts uploads so a stage scheduled for an older file is dropped.
type ccaiJob struct {
	jobView

	File      []byte `json:"file"`
	Gen       int    `json:"gen"`
	Proceeded bool   `json:"proceeded"` // proceed accepted; in_progress follows
	Applied   int    `json:"applied"`   // rows run so far, so a restart resumes mid-job
}

// ccaiLogEntry is one line of a scheme or update error log. Row is the
// user's 1-based position in the uploaded file (0: the file as a whole).
type ccaiLogEntry struct {
	Message   string `json:"message"`
	Column    string `json:"column"`
	Row       int    `json:"row"`
	ErrorType string `json:"error_type,omitempty"`
}

// jobView is the job as GET bulk/users/jobs/{id} answers it.
type jobView struct {
	ID           int            `json:"id"`
	CreatedAt    time.Time      `json:"created_at"`
	Filename     string         `json:"filename"`
	TotalRows    int            `json:"total_rows"`
	AffectedRows int            `json:"affected_rows"`
	FailedRows   int            `json:"failed_rows"`
	Status       string         `json:"status"`
	SchemeErrors []ccaiLogEntry `json:"scheme_errors"`
	UpdateErrors []ccaiLogEntry `json:"update_errors"`
	// More fields the vendor's job objects carry (the Apps API page lists
	// them; clients read past them).
	ProcessRequestedAt *time.Time `json:"process_requested_at"`
	UploadedUserName   string     `json:"uploaded_user_name"`
	ProceedUserName    *string    `json:"proceed_user_name"`
}

// view is the job as answered; the caller holds mu.
func (j *ccaiJob) view(c *ccai) jobView {
	v := j.jobView
	if as, ok := c.statusAs[v.Status]; ok {
		v.Status = as
	}
	v.SchemeErrors = append([]ccaiLogEntry{}, j.SchemeErrors...)
	v.UpdateErrors = append([]ccaiLogEntry{}, j.UpdateErrors...)
	return v
}

// maxUpload bounds one uploaded file.
const maxUpload = 32 << 20

// upload creates a job from a multipart "file" (POST) or, with "id",
// replaces the file of a job that has not started (PUT). The scheme check
// runs in the background.
func (c *ccai) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	if err := r.ParseMultipartForm(maxUpload); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			ccaiError(w, http.StatusRequestEntityTooLarge, "the upload is larger than %d MiB", maxUpload>>20)
			return
		}
		ccaiError(w, http.StatusBadRequest, "want multipart/form-data with a \"file\" part: %v", err)
		return
	}
	defer r.MultipartForm.RemoveAll()
	fh := r.MultipartForm.File["file"]
	if len(fh) == 0 {
		ccaiError(w, http.StatusBadRequest, "the \"file\" part is missing")
		return
	}
	data, err := readPart(fh[0])
	if err != nil {
		ccaiError(w, http.StatusBadRequest, "cannot read the file: %v", err)
		return
	}
	idText := strings.TrimSpace(r.FormValue("id"))
	if r.Method == http.MethodPut && idText == "" {
		ccaiError(w, http.StatusBadRequest, "PUT needs the id of the job whose file it replaces")
		return
	}

	c.mu.Lock()
	var j *ccaiJob
	status := http.StatusCreated
	if idText != "" {
		id, err := strconv.Atoi(idText)
		if err != nil || c.jobs[id] == nil {
			c.mu.Unlock()
			ccaiError(w, http.StatusNotFound, "job %s not found", idText)
			return
		}
		j = c.jobs[id]
		if j.Proceeded || j.Status == jobInProgress || j.Status == jobCompleted {
			c.mu.Unlock()
			ccaiError(w, http.StatusConflict, "job %d has started (%s); its file can no longer be replaced", id, j.Status)
			return
		}
		status = http.StatusOK
	} else {
		j = &ccaiJob{jobView: jobView{ID: c.nextJob, CreatedAt: time.Now().UTC().Truncate(time.Second)}}
		c.nextJob++
		c.jobs[j.ID] = j
	}
	j.File, j.Filename, j.UploadedUserName = data, fh[0].Filename, "api_user"
	j.Gen++
	j.Status, j.SchemeErrors, j.UpdateErrors = jobCreated, nil, nil
	j.TotalRows, j.AffectedRows, j.FailedRows, j.Applied = countRows(data), 0, 0, 0
	c.scheduleCheck(j)
	id := j.ID
	c.mu.Unlock()
	if !c.s.saved(w) {
		return
	}

	// The vendor's page spells the link users_jobs/ (and the status path
	// users/jobs/); the sandbox answers both.
	link := "http://" + r.Host + "/apps/api/v1/bulk/users_jobs/" + strconv.Itoa(id)
	w.Header().Set("Link", link)
	writeJSON(w, status, map[string]any{"id": id, "status": jobCreated, "link": link})
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxUpload))
}

// countRows is the number of users in a file, 0 when it is not a list.
func countRows(data []byte) int {
	var list []json.RawMessage
	if json.Unmarshal(data, &list) != nil {
		return 0
	}
	return len(list)
}

// proceed starts a valid_scheme job: it answers at once and the job moves
// to in_progress in the background.
func (c *ccai) proceed(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ID json.RawMessage `json:"id"`
	}
	if err := decodeBody(r, &body, limitSmallReq, true); err != nil {
		ccaiError(w, bodyStatus(err), "want {\"id\": job id}: %v", err)
		return
	}
	idText := strings.Trim(strings.TrimSpace(string(body.ID)), `"`)
	id, err := strconv.Atoi(idText)
	if err != nil {
		ccaiError(w, http.StatusBadRequest, "want {\"id\": job id}, not %s", string(body.ID))
		return
	}
	c.mu.Lock()
	j := c.jobs[id]
	switch {
	case j == nil:
		c.mu.Unlock()
		ccaiError(w, http.StatusNotFound, "job %d not found", id)
		return
	case j.Status == jobInvalidScheme:
		c.mu.Unlock()
		ccaiError(w, http.StatusUnprocessableEntity, "job %d has scheme errors; fix the file (PUT upload) first", id)
		return
	case j.Status != jobValidScheme || j.Proceeded:
		st := j.Status
		if j.Proceeded && st == jobValidScheme {
			st = "starting"
		}
		c.mu.Unlock()
		ccaiError(w, http.StatusConflict, "job %d cannot be proceeded: it is %s", id, st)
		return
	}
	j.Proceeded = true
	now := time.Now().UTC().Truncate(time.Second)
	j.ProcessRequestedAt, j.ProceedUserName = &now, ptr("api_user")
	c.scheduleRun(j)
	c.mu.Unlock()
	if !c.s.saved(w) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "status": jobValidScheme})
}

// jobByPath finds the job named by the {id} path value, answering 404
// itself when there is none. The caller must not hold mu.
func (c *ccai) jobByPath(w http.ResponseWriter, r *http.Request) (jobView, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil || c.jobs[id] == nil {
		ccaiError(w, http.StatusNotFound, "job %s not found", r.PathValue("id"))
		return jobView{}, false
	}
	return c.jobs[id].view(c), true
}

func (c *ccai) job(w http.ResponseWriter, r *http.Request) {
	if v, ok := c.jobByPath(w, r); ok {
		writeJSON(w, http.StatusOK, v)
	}
}

func (c *ccai) schemeErrors(w http.ResponseWriter, r *http.Request) {
	if v, ok := c.jobByPath(w, r); ok {
		writeJSON(w, http.StatusOK, c.logAnswer(v.SchemeErrors))
	}
}

func (c *ccai) updateErrors(w http.ResponseWriter, r *http.Request) {
	if v, ok := c.jobByPath(w, r); ok {
		writeJSON(w, http.StatusOK, c.logAnswer(v.UpdateErrors))
	}
}

// logAnswer is an error log as answered: with SetCCAINullErrorRows, every
// row is null.
func (c *ccai) logAnswer(log []ccaiLogEntry) any {
	c.mu.Lock()
	null := c.nullRows
	c.mu.Unlock()
	if !null {
		return log
	}
	out := make([]map[string]any, len(log))
	for i, e := range log {
		out[i] = map[string]any{"message": e.Message, "column": e.Column, "row": nil}
		if e.ErrorType != "" {
			out[i]["error_type"] = e.ErrorType
		}
	}
	return out
}

// listJobs answers the jobs, newest first, paged (default 25 a page).
func (c *ccai) listJobs(w http.ResponseWriter, r *http.Request) {
	page, perPage, ok := pageParams(w, r, 25)
	if !ok {
		return
	}
	c.mu.Lock()
	ids := c.jobIDs()
	sort.Sort(sort.Reverse(sort.IntSlice(ids)))
	out := []jobView{}
	for _, id := range pageOf(ids, page, perPage) {
		out = append(out, c.jobs[id].view(c))
	}
	total := len(ids)
	c.mu.Unlock()
	pageHeaders(w, r, page, perPage, total)
	writeJSON(w, http.StatusOK, out)
}

// jobIDs lists the job ids ascending; the caller holds mu.
func (c *ccai) jobIDs() []int {
	ids := make([]int, 0, len(c.jobs))
	for id := range c.jobs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// --- the jobs' background life ---

// scheduleCheck runs the scheme check of j's current file after one stage;
// the caller holds mu.
func (c *ccai) scheduleCheck(j *ccaiJob) {
	id, gen, wait := j.ID, j.Gen, c.pace
	c.s.goAsync(func(ctx context.Context) {
		if !sleepCtx(ctx, wait) {
			return
		}
		c.mu.Lock()
		j := c.jobs[id]
		if j == nil || j.Gen != gen || j.Status != jobCreated {
			c.mu.Unlock()
			return // replaced meanwhile: the newer upload has its own check
		}
		j.SchemeErrors = c.checkScheme(j.File)
		if len(j.SchemeErrors) > 0 {
			j.Status = jobInvalidScheme
		} else {
			j.Status = jobValidScheme
		}
		c.mu.Unlock()
		c.s.changed() // a save takes c.mu: never call it holding the lock
	})
}

// scheduleRun moves a proceeded job to in_progress after one stage, then
// runs its rows in a few steps over pace + rows×perRow, so a poller sees
// affected_rows grow; the caller holds mu.
func (c *ccai) scheduleRun(j *ccaiJob) {
	id, gen := j.ID, j.Gen
	start := c.pace
	if j.Status == jobInProgress {
		start = 0 // resumed after a restart
	}
	c.s.goAsync(func(ctx context.Context) {
		if !sleepCtx(ctx, start) {
			return
		}
		c.mu.Lock()
		j := c.jobs[id]
		if j == nil || j.Gen != gen {
			c.mu.Unlock()
			return
		}
		j.Status = jobInProgress
		users, _ := parseUpload(j.File)
		total := len(users)
		const steps = 4
		step := (c.pace + time.Duration(total)*c.perRow) / steps
		chunk := max(1, (total+steps-1)/steps)
		c.mu.Unlock()
		c.s.changed()
		for {
			if !sleepCtx(ctx, step) {
				return
			}
			c.s.mutate.RLock() // rows, users and history are saved together
			c.mu.Lock()
			j := c.jobs[id]
			if j == nil || j.Gen != gen {
				c.mu.Unlock()
				c.s.mutate.RUnlock()
				return
			}
			end := min(total, j.Applied+chunk)
			for row := j.Applied + 1; row <= end; row++ {
				c.applyRow(j, row, users[row-1])
			}
			j.Applied = end
			done := end >= total
			if done {
				j.Status = jobCompleted
			}
			c.mu.Unlock()
			c.s.mutate.RUnlock()
			c.s.changed()
			if done {
				return
			}
		}
	})
}

// resumeJobs restarts the background work of jobs loaded from a state
// file; the caller holds mu.
func (c *ccai) resumeJobs() {
	for _, id := range c.jobIDs() {
		j := c.jobs[id]
		switch {
		case j.Status == jobCreated:
			c.scheduleCheck(j)
		case j.Proceeded && (j.Status == jobValidScheme || j.Status == jobInProgress):
			c.scheduleRun(j)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
