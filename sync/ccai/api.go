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
	if _, err := c.do(ctx, request{method: http.MethodGet, path: epTemplate.Path, op: "get the user template"}, &raw); err != nil {
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
	_, err = c.do(ctx, request{method: http.MethodGet, path: epLocations.Path, op: "list locations"}, &list)
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

// agentsPage returns page (from 1) of the Manager API's agents, each with
// the bytes the server sent.
func (c *Client) agentsPage(ctx context.Context, page, per int) ([]wireAgent, []rawJSON, error) {
	q := url.Values{queryPage: {strconv.Itoa(page)}, queryPer: {strconv.Itoa(per)}}
	var raws []rawJSON
	op := fmt.Sprintf("list agents (page %d)", page)
	if _, err := c.do(ctx, request{method: http.MethodGet, path: epAgents.Path, manager: true, query: q, op: op}, &raws); err != nil {
		return nil, nil, err
	}
	agents := make([]wireAgent, len(raws))
	for i, r := range raws {
		if err := agents[i].UnmarshalJSON(r); err != nil {
			return nil, nil, serverShapeError(op, fmt.Errorf("agent %d: %w", i+1, err))
		}
	}
	return agents, raws, nil
}

// upload sends a batch file: a new job (POST) when jobID is "", else a
// replacement of that job's file (PUT). It returns the job's id and the
// status link the answer gave (its Link header, else its link field), ""
// when it gave none.
func (c *Client) upload(ctx context.Context, jobID, filename string, file []byte, users int) (id, link string, err error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if jobID != "" {
		if err := mw.WriteField(multipartJobID, jobID); err != nil {
			return "", "", err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, multipartFile, filename))
	h.Set("Content-Type", "application/json")
	part, err := mw.CreatePart(h)
	if err != nil {
		return "", "", err
	}
	part.Write(file)
	if err := mw.Close(); err != nil {
		return "", "", err
	}
	method, op := http.MethodPost, fmt.Sprintf("upload a batch of %d users", users)
	if jobID != "" {
		method, op = http.MethodPut, fmt.Sprintf("replace the file of job %s (%d users)", jobID, users)
	}
	var ans uploadAnswer
	hdr, err := c.do(ctx, request{method: method, path: epUpload.Path, body: body.Bytes(),
		contentType: mw.FormDataContentType(), op: op}, &ans)
	if err != nil {
		return "", "", err
	}
	if ans.ID == "" {
		return "", "", serverShapeError(op, fmt.Errorf("no job id in the answer"))
	}
	link = linkTarget(hdr.Get("Link"))
	if link == "" {
		link = string(ans.Link)
	}
	return string(ans.ID), link, nil
}

// linkTarget reads a Link header: the vendor's example is a bare URL;
// RFC 8288 writes <URL>; rel="…". The first link is the job's.
func linkTarget(h string) string {
	h = strings.TrimSpace(h)
	if strings.HasPrefix(h, "<") {
		if end := strings.IndexByte(h, '>'); end > 0 {
			return h[1:end]
		}
		return ""
	}
	if i := strings.IndexAny(h, ", ;"); i >= 0 {
		h = h[:i]
	}
	return h
}

// onHost returns the link as a URL when it points at the configured host
// with the configured scheme, else nil: the credentials go to that host
// only, so a link elsewhere (the vendor's example names ujet.co) is not
// followed.
func (c *Client) onHost(link string) *url.URL {
	if link == "" {
		return nil
	}
	u, err := url.Parse(link)
	if err != nil || u.User != nil || !strings.EqualFold(u.Host, c.base.Host) || u.Scheme != c.base.Scheme || u.Path == "" {
		return nil
	}
	u.Fragment = ""
	return u
}

// proceed asks the server to run a valid_scheme job.
func (c *Client) proceed(ctx context.Context, jobID string) error {
	body := fmt.Appendf(nil, `{"id":%s}`, jsonID(jobID))
	_, err := c.do(ctx, request{method: http.MethodPost, path: epProceed.Path, body: body,
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
	return c.jobAt(ctx, jobID, nil)
}

// jobAt fetches a job's status from at (the link its upload gave, on this
// host) or, when at is nil, from the documented status path.
func (c *Client) jobAt(ctx context.Context, jobID string, at *url.URL) (*job, error) {
	var j job
	_, err := c.do(ctx, request{method: http.MethodGet, path: jobPath(epJob, jobID), at: at,
		op: "check job " + jobID}, &j)
	if err != nil {
		return nil, err
	}
	return &j, nil
}

// jobPath fills an endpoint's {id}.
func jobPath(ep Endpoint, jobID string) string {
	return strings.ReplaceAll(ep.Path, "{id}", url.PathEscape(jobID))
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
	h, err := c.do(ctx, request{method: http.MethodGet, path: epJobs.Path, query: q, op: "list jobs"}, &list)
	if err != nil {
		return nil, 0, err
	}
	out := make([]JobSummary, len(list))
	for i, j := range list {
		out[i] = JobSummary{ID: string(j.ID), CreatedAt: string(j.CreatedAt), Filename: string(j.Filename), Status: string(j.Status),
			TotalRows: j.TotalRows.int(), AffectedRows: j.AffectedRows.int(), FailedRows: j.FailedRows.int()}
	}
	total := -1
	if v, err := strconv.Atoi(h.Get(headerTotal)); err == nil {
		total = v
	}
	return out, total, nil
}

func (c *Client) errorLog(ctx context.Context, ep Endpoint, what, jobID string) ([]logEntry, error) {
	var log []logEntry
	_, err := c.do(ctx, request{method: http.MethodGet, path: jobPath(ep, jobID),
		op: fmt.Sprintf("get the %s error log of job %s", what, jobID)}, &log)
	return log, err
}

func (c *Client) schemeErrors(ctx context.Context, jobID string) ([]logEntry, error) {
	return c.errorLog(ctx, epSchemeErrors, "scheme", jobID)
}

func (c *Client) updateErrors(ctx context.Context, jobID string) ([]logEntry, error) {
	return c.errorLog(ctx, epUpdateErrors, "update", jobID)
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
