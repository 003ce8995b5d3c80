package ccai

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	gosync "sync"

	"usersync/csvfile"
	"usersync/sync"
)

// Target is the ccai sync.BatchWriter: one job per batch, followed to its
// end, every logged error mapped back to its op (and so its file line).
type Target struct {
	c *Client

	mu    gosync.Mutex
	watch func(jobID, state string) // the engine's hook (sync.JobWatcher)
	links map[string]string         // job id → the status link its upload gave
	names map[string]string         // lowercase role/team name → the template's spelling
}

var (
	_ sync.BatchWriter = (*Target)(nil)
	_ sync.JobWatcher  = (*Target)(nil)
)

// WatchJobs sets the hook that hears each status a job passes through,
// besides Options.OnJobState.
func (t *Target) WatchJobs(hook func(jobID, state string)) {
	t.mu.Lock()
	t.watch = hook
	t.mu.Unlock()
}

// New returns the ccai target for the given connection.
func New(opts Options) (*Target, error) {
	c, err := NewClient(opts)
	if err != nil {
		return nil, err
	}
	return &Target{c: c}, nil
}

// Client is the HTTP client underneath, for the job list and the template.
func (t *Target) Client() *Client { return t.c }

// Name is "ccai".
func (t *Target) Name() string { return TargetName }

// Describe names the connection for the journal (never the token), so a
// run is only resumed against the same tenant.
func (t *Target) Describe() string {
	return TargetName + " " + strings.TrimSuffix(t.c.base.String(), "/") + " tenant " + t.c.tenant
}

// Schema fetches the live template (and locations) and builds the schema
// from them. It also learns the template's spelling of every role and
// team, so agents listed afterwards carry the same names as the file.
func (t *Target) Schema(ctx context.Context) (*csvfile.Schema, error) {
	cfg, _, err := t.c.LiveConfig(ctx)
	if err != nil {
		return nil, err
	}
	t.learnNames(cfg.Roles, cfg.Teams)
	return NewSchema(cfg), nil
}

// learnNames keeps the template's spelling of each role and team.
func (t *Target) learnNames(roles, teams []string) {
	names := map[string]string{}
	for _, n := range append(slices.Clone(roles), teams...) {
		names[strings.ToLower(n)] = n
	}
	t.mu.Lock()
	t.names = names
	t.mu.Unlock()
}

// ListUsers reads every page of the Manager API's agents. It stops at an
// empty page or one shorter than the longest before it, so a server that
// caps per below what was asked is read to the end all the same, and it
// never counts an agent twice (one created meanwhile shifts the pages).
func (t *Target) ListUsers(ctx context.Context) ([]sync.User, error) {
	per := t.c.opts.AgentsPerPage
	if per <= 0 {
		per = defaultPer
	}
	t.mu.Lock()
	known := t.names != nil
	t.mu.Unlock()
	if !known {
		// Agents name roles and teams in their own spelling ("agent"); the
		// template's is the file's. Learn it first, so a listing reads the
		// same whatever was asked before it (a saved plan's fingerprint).
		tmpl, err := t.c.Template(ctx)
		if err != nil {
			return nil, err
		}
		t.learnNames(tmpl.Roles(), tmpl.Teams())
	}
	var out []sync.User
	seen := map[string]bool{}
	longest := 0
	for page := 1; ; page++ {
		agents, raws, err := t.c.agentsPage(ctx, page, per)
		if err != nil {
			return nil, err
		}
		fresh := 0
		for i := range agents {
			key := agents[i].ID
			if key == "" {
				key = strings.ToLower(agents[i].Email)
			}
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			fresh++
			out = append(out, t.toUser(&agents[i], raws[i]))
		}
		if len(agents) > 0 && fresh == 0 {
			// A server that ignores page answers the first page forever:
			// stopping here would miss agents, going on would never end.
			return nil, &sync.Error{Kind: sync.KindUnexpected, Op: fmt.Sprintf("list agents (page %d)", page),
				Msg: "the page holds only agents of earlier pages: the server does not seem to page with page and per"}
		}
		if len(agents) == 0 || len(agents) < longest {
			return out, nil
		}
		longest = max(longest, len(agents))
	}
}

// toUser turns an agent into the engine's form: blank values absent, roles
// and teams as names (in the template's spelling when it is known). The
// agent's status is its presence, not Active/Inactive, so status stays
// unknown.
func (t *Target) toUser(a *wireAgent, raw []byte) sync.User {
	u := sync.User{ID: a.ID, Email: a.Email, Fields: map[string]string{}, Lists: map[string][]string{}, Raw: raw,
		Unlisted: notListed}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			u.Fields[k] = v
		}
	}
	set(FieldFirstName, a.FirstName)
	set(FieldLastName, a.LastName)
	set(FieldAgentNumber, a.AgentNumber)
	set(FieldLocation, a.Location)
	t.mu.Lock()
	canon := func(list []string) []string {
		out := make([]string, 0, len(list))
		for _, n := range list {
			if c, ok := t.names[strings.ToLower(n)]; ok {
				n = c
			}
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	if len(a.Roles) > 0 {
		u.Lists[FieldRoles] = canon(a.Roles)
	}
	if len(a.Teams) > 0 {
		u.Lists[FieldTeams] = canon(a.Teams)
	}
	t.mu.Unlock()
	return u
}

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

// rejectRows handles an invalid_scheme job: each logged error fails its op;
// the rest go up again in the same job. done is true when nothing is left
// to send (results are final).
func (t *Target) rejectRows(ctx context.Context, jobID string, bf *batchFile, ops []sync.Op,
	results []sync.BatchResult, schemeMsg map[int]bool) (done bool, err error) {
	log, err := t.c.schemeErrors(ctx, jobID)
	if err != nil {
		return false, err
	}
	skip := append([]int(nil), bf.skip...)
	var general []string
	for _, e := range log {
		i, ok := placeEntry(bf, ops, e)
		if !ok {
			general = append(general, logText(e))
			continue
		}
		addErr(&results[i], ops[i], e, "refused by the server's file check")
		schemeMsg[i] = true
		skip = append(skip, i)
	}
	fail := func(msg string) {
		for _, i := range bf.rows {
			if results[i].Err == nil {
				results[i].Err = &sync.Error{Kind: sync.KindRejected, Op: opName(ops[i]), Msg: msg}
			}
		}
	}
	switch {
	case len(general) > 0:
		fail("job " + jobID + " was refused: " + strings.Join(general, "; "))
		return true, nil
	case len(skip) == len(bf.skip):
		fail("job " + jobID + " was refused by the server's file check without naming a row")
		return true, nil
	}
	bf.setSkip(skip)
	switch {
	case len(bf.rows) == 0:
		t.state(jobID, "done")
		return true, nil
	case len(bf.skip) > maxSkip:
		fail(fmt.Sprintf("not sent: %d other rows of this batch failed the server's file check; fix them and run again", len(bf.skip)))
		t.state(jobID, "done")
		return true, nil
	case bf.render() != nil:
		// A resumed apply knows these rows only by email: it cannot send
		// them again, so they fail and a retry (the same command) sends
		// them in a new job.
		fail("not sent: other rows of this batch failed the server's file check; retry the failed rows to send it")
		t.state(jobID, "done")
		return true, nil
	}
	t.state(jobID, "uploading")
	_, link, err := t.c.upload(ctx, jobID, bf.filename(), bf.content(), len(bf.rows))
	if err != nil {
		return false, err
	}
	if link != "" {
		t.setLink(jobID, link)
	}
	t.state(jobID, JobCreated)
	return false, nil
}

// collect maps the update error log of a completed job to the ops.
func (t *Target) collect(ctx context.Context, jobID string, bf *batchFile, ops []sync.Op,
	results []sync.BatchResult, schemeMsg map[int]bool) error {
	log, err := t.c.updateErrors(ctx, jobID)
	if err != nil {
		return err
	}
	var general []string
	for _, e := range log {
		i, ok := placeEntry(bf, ops, e)
		if !ok {
			general = append(general, logText(e))
			continue
		}
		if strings.EqualFold(e.ErrorType, errorTypeWarning) {
			addWarning(&results[i], e)
			continue
		}
		addErr(&results[i], ops[i], e, "refused by the server")
	}
	for _, s := range bf.skip {
		if !schemeMsg[s] && results[s].Err == nil {
			// Left out by an earlier run whose scheme log is gone with the
			// replaced file.
			results[s].Err = &sync.Error{Kind: sync.KindRejected, Op: opName(ops[s]),
				Msg: "refused by the server's file check (job " + jobID + "); validate the row against the live template and run again"}
		}
	}
	if len(general) > 0 {
		// Not tied to a row the log names: every row of the job carries
		// it, so nothing the server said is lost.
		note := "job " + jobID + " logged, without naming a row of this file: " + strings.Join(general, "; ")
		for _, i := range bf.rows {
			if results[i].Warning == "" {
				results[i].Warning = note
			} else {
				results[i].Warning += "; " + note
			}
		}
	}
	return nil
}

// placeEntry finds the op a log entry is about: the row it names (1-based
// in the current file, also when written "row 3"); failing that (a null,
// missing or odd row), the one op whose email the entry names in an
// "email" key or its message. ok is false when no single op fits.
func placeEntry(bf *batchFile, ops []sync.Op, e logEntry) (int, bool) {
	if i, ok := bf.opAt(e.Row); ok {
		return i, true
	}
	if m := rowNumber.FindStringSubmatch(e.Row); m != nil {
		if i, ok := bf.opAt(m[1]); ok {
			return i, true
		}
	}
	text := strings.ToLower(e.Email + " " + e.Message)
	found := -1
	for _, i := range bf.rows {
		for _, addr := range []string{opEmail(ops[i]), ops[i].New.Fields[FieldNewEmail]} {
			if addr != "" && mentions(text, strings.ToLower(addr)) {
				if found >= 0 && found != i {
					return 0, false // two rows fit: guessing could blame the wrong one
				}
				found = i
			}
		}
	}
	return found, found >= 0
}

// rowNumber is a row written with words around it: "row 3", "#3".
var rowNumber = regexp.MustCompile(`^\D{0,8}?(\d+)\D{0,8}$`)

// mentions reports whether text holds addr as a whole address, not as the
// tail of a longer one (bob@x.edu in rbob@x.edu).
func mentions(text, addr string) bool {
	for from := 0; ; {
		i := strings.Index(text[from:], addr)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(addr)
		if (i == 0 || !addrChar(text[i-1])) && (end == len(text) || !addrChar(text[end])) {
			return true
		}
		from = i + 1
	}
}

func addrChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || strings.IndexByte(".-_+@", b) >= 0
}

func addErr(r *sync.BatchResult, op sync.Op, e logEntry, fallback string) {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = fallback
	}
	if r.Err != nil {
		msg = r.Err.(*sync.Error).Msg + "; " + msg
	}
	r.Err = &sync.Error{Kind: sync.KindRejected, Op: opName(op), Msg: msg}
	if r.Column == "" {
		r.Column = columnHeader(e.Column)
	}
}

func addWarning(r *sync.BatchResult, e logEntry) {
	msg := strings.TrimSpace(e.Message)
	if h := columnHeader(e.Column); h != "" && msg != "" {
		msg = h + ": " + msg
	}
	if msg == "" {
		return
	}
	if r.Warning != "" {
		r.Warning += "; "
	}
	r.Warning += msg
	if r.Column == "" && r.Err == nil {
		r.Column = columnHeader(e.Column)
	}
}

func logText(e logEntry) string {
	msg := strings.TrimSpace(e.Message)
	if e.Column != "" {
		msg = columnHeader(e.Column) + ": " + msg
	}
	if e.Row != "" && e.Row != "0" {
		msg = "row " + string(e.Row) + ": " + msg
	}
	return msg
}

func opName(op sync.Op) string {
	return string(op.Action) + " " + opEmail(op)
}

var blankFields = BlankSchema().Fields

// columnHeader turns a log's column (a JSON field name, or a header) into
// the file's header, so the report and the UI point at the right cell.
func columnHeader(col string) string {
	col = strings.TrimSpace(col)
	if col == "" {
		return ""
	}
	// "roles.Admin" or "roles[2]" name one assignment; the column is roles.
	if i := strings.IndexAny(col, ".["); i > 0 {
		col = col[:i]
	}
	norm := func(s string) string {
		return strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(s))
	}
	for _, f := range blankFields {
		if norm(f.Key) == norm(col) || norm(f.Header) == norm(col) {
			return f.Header
		}
	}
	return col
}
