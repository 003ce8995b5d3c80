package ccai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// Template is the live JSON template: example users carrying every role and
// team the tenant has.
type Template struct {
	Users []wireUser
	Raw   []byte // the template exactly as served, for `usersync template`
}

// Roles and Teams list every name the template carries, in its order.
func (t *Template) Roles() []string {
	return t.names(func(u *wireUser) []Assignment { return u.Roles })
}
func (t *Template) Teams() []string {
	return t.names(func(u *wireUser) []Assignment { return u.Teams })
}

func (t *Template) names(list func(*wireUser) []Assignment) []string {
	var out []string
	seen := map[string]bool{}
	for i := range t.Users {
		for _, a := range list(&t.Users[i]) {
			if a.Name != "" && !seen[strings.ToLower(a.Name)] {
				seen[strings.ToLower(a.Name)] = true
				out = append(out, a.Name)
			}
		}
	}
	return out
}

// Template fetches the live template.
func (c *Client) Template(ctx context.Context) (*Template, error) {
	var raw rawJSON
	if _, err := c.do(ctx, request{method: http.MethodGet, path: pathTemplate, op: "get the user template", idempotent: true}, &raw); err != nil {
		return nil, err
	}
	t := &Template{Raw: []byte(raw)}
	if err := unmarshalUsers(raw, &t.Users); err != nil {
		return nil, serverShapeError("get the user template", err)
	}
	return t, nil
}

// Locations lists the tenant's location names. ok is false when the server
// has no such endpoint (it is assumed, not documented), so callers leave
// locations unchecked rather than fail.
func (c *Client) Locations(ctx context.Context) (names []string, ok bool, err error) {
	var list []struct {
		Name string `json:"name"`
	}
	_, err = c.do(ctx, request{method: http.MethodGet, path: pathLocations, op: "list locations", idempotent: true}, &list)
	if err != nil {
		if isStatus(err, http.StatusNotFound) {
			return nil, false, nil
		}
		return nil, false, err
	}
	for _, l := range list {
		if l.Name != "" {
			names = append(names, l.Name)
		}
	}
	return names, true, nil
}

// usersPage returns page (from 1) of the users listing and the Total header
// (-1 when absent).
func (c *Client) usersPage(ctx context.Context, page, perPage int) ([]wireUser, []rawJSON, int, error) {
	q := url.Values{queryPage: {strconv.Itoa(page)}, queryPerPage: {strconv.Itoa(perPage)}}
	var raws []rawJSON
	op := fmt.Sprintf("list users (page %d)", page)
	h, err := c.do(ctx, request{method: http.MethodGet, path: pathUsers, query: q, op: op, idempotent: true}, &raws)
	if err != nil {
		return nil, nil, 0, err
	}
	users := make([]wireUser, len(raws))
	for i, r := range raws {
		if err := users[i].UnmarshalJSON(r); err != nil {
			return nil, nil, 0, serverShapeError(op, fmt.Errorf("user %d: %w", i+1, err))
		}
	}
	total := -1
	if v, err := strconv.Atoi(h.Get(headerTotal)); err == nil {
		total = v
	}
	return users, raws, total, nil
}

// upload sends a batch file: a new job (POST) when jobID is "", else a
// replacement of that job's file (PUT).
func (c *Client) upload(ctx context.Context, jobID, filename string, file []byte, users int) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if jobID != "" {
		if err := mw.WriteField(multipartJobID, jobID); err != nil {
			return "", err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, multipartFile, filename))
	h.Set("Content-Type", "application/json")
	part, err := mw.CreatePart(h)
	if err != nil {
		return "", err
	}
	part.Write(file)
	if err := mw.Close(); err != nil {
		return "", err
	}
	method, op := http.MethodPost, fmt.Sprintf("upload a batch of %d users", users)
	if jobID != "" {
		method, op = http.MethodPut, fmt.Sprintf("replace the file of job %s (%d users)", jobID, users)
	}
	var ans uploadAnswer
	_, err = c.do(ctx, request{method: method, path: pathUpload, body: body.Bytes(),
		contentType: mw.FormDataContentType(), op: op}, &ans)
	if err != nil {
		return "", err
	}
	if ans.ID == "" {
		return "", serverShapeError(op, fmt.Errorf("no job id in the answer"))
	}
	return string(ans.ID), nil
}

// proceed asks the server to run a valid_scheme job.
func (c *Client) proceed(ctx context.Context, jobID string) error {
	body := fmt.Appendf(nil, `{"id":%s}`, jsonID(jobID))
	_, err := c.do(ctx, request{method: http.MethodPost, path: pathProceed, body: body,
		contentType: "application/json", op: "start job " + jobID}, nil)
	return err
}

// jsonID writes a job id as a JSON number when it is one (the vendor's ids
// are numbers), else as a string.
func jsonID(id string) string {
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		return id
	}
	return strconv.Quote(id)
}

// Job fetches one job's status.
func (c *Client) Job(ctx context.Context, jobID string) (*job, error) {
	var j job
	_, err := c.do(ctx, request{method: http.MethodGet, path: pathJob + url.PathEscape(jobID),
		op: "check job " + jobID, idempotent: true}, &j)
	if err != nil {
		return nil, err
	}
	return &j, nil
}

// JobSummary is one job of the jobs list, for people.
type JobSummary struct {
	ID           string `json:"id"`
	CreatedAt    string `json:"created_at"`
	Filename     string `json:"filename"`
	Status       string `json:"status"`
	TotalRows    int    `json:"total_rows"`
	AffectedRows int    `json:"affected_rows"`
	FailedRows   int    `json:"failed_rows"`
}

// Jobs returns one page (from 1) of the jobs list, newest first, and the
// total number of jobs (-1 when the server does not say).
func (c *Client) Jobs(ctx context.Context, page, perPage int) ([]JobSummary, int, error) {
	q := url.Values{queryPage: {strconv.Itoa(page)}, queryPerPage: {strconv.Itoa(perPage)}}
	var list []job
	h, err := c.do(ctx, request{method: http.MethodGet, path: pathJobs, query: q, op: "list jobs", idempotent: true}, &list)
	if err != nil {
		return nil, 0, err
	}
	out := make([]JobSummary, len(list))
	for i, j := range list {
		out[i] = JobSummary{ID: string(j.ID), CreatedAt: j.CreatedAt, Filename: j.Filename, Status: j.Status,
			TotalRows: j.TotalRows, AffectedRows: j.AffectedRows, FailedRows: j.FailedRows}
	}
	total := -1
	if v, err := strconv.Atoi(h.Get(headerTotal)); err == nil {
		total = v
	}
	return out, total, nil
}

func (c *Client) errorLog(ctx context.Context, path, what, jobID string) ([]logEntry, error) {
	var log []logEntry
	_, err := c.do(ctx, request{method: http.MethodGet, path: path + url.PathEscape(jobID),
		op: fmt.Sprintf("get the %s error log of job %s", what, jobID), idempotent: true}, &log)
	return log, err
}

func (c *Client) schemeErrors(ctx context.Context, jobID string) ([]logEntry, error) {
	return c.errorLog(ctx, pathSchemeErrors, "scheme", jobID)
}

func (c *Client) updateErrors(ctx context.Context, jobID string) ([]logEntry, error) {
	return c.errorLog(ctx, pathUpdateErrors, "update", jobID)
}

// WriteJSON writes the template as the vendor served it, indented: every
// role and team the tenant has, ready to fill in and import as a JSON file.
func (t *Template) WriteJSON(w io.Writer) error {
	var b bytes.Buffer
	if err := json.Indent(&b, t.Raw, "", "  "); err != nil {
		return fmt.Errorf("ccai: the template is not JSON: %w", err)
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}
