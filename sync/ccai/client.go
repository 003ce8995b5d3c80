package ccai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"usersync/sync"
	"usersync/sync/httpapi"
)

// Options configure a Client. Only BaseURL, Tenant and Token are required.
type Options struct {
	// BaseURL is https://{subdomain}.{domain} (see BaseURL) or a sandbox's
	// URL, with or without the Apps API prefix /apps/api/v1; the Manager API
	// is at /manager/api/v1 on the same host.
	BaseURL string
	// Tenant is the subdomain, sent as the Basic-auth username; Token is the
	// api_user token, sent as the password and never shown.
	Tenant, Token string
	HTTPClient    *http.Client
	// Rate caps requests per second from this client, all endpoints
	// together. The vendor allows 10 per customer; 0 or more than 10 means 10.
	Rate float64
	// PollMin and PollMax bound the wait between job status checks: the
	// wait starts at PollMin, grows while the status stays the same and goes
	// back to PollMin when it changes. Defaults 500 ms and 5 s.
	PollMin, PollMax time.Duration
	// MaxTries bounds the tries of one request outside a run, a 429
	// included (default: sync.DefaultPolicy). A run retries by its own
	// policy (ApplyOptions.MaxTries).
	MaxTries int
	// AgentsPerPage is the per asked of the agents endpoint (default 500).
	AgentsPerPage int
	// OnJobState, when set, hears each status a job is seen in ("uploading"
	// with an empty id before the first upload, then the vendor's statuses,
	// "uploading" again when the file is replaced, and "done"), so a
	// progress view can show it. It is called on the goroutine running the
	// batch and must not block.
	OnJobState func(jobID, state string)
}

// rateMargin keeps the client 10% under its rate (requests 111 ms apart at
// 10/s), so scheduling and network jitter would have to hold one request
// back by more than 110 ms, and not the next ten, to bunch eleven into one
// second at the server.
const rateMargin = 0.9

// Client speaks the CCAI bulk user API. It is safe for concurrent use; every
// request, retries included, waits on one limiter, so the client never sends
// more than Options.Rate requests per second.
type Client struct {
	base     *url.URL // the Apps API, …/apps/api/v1/
	manager  *url.URL // the Manager API, …/manager/api/v1/
	tenant   string
	token    string
	http     *http.Client
	limiter  *rate.Limiter
	opts     Options
	requests atomic.Int64

	// The limiter hands out send times 1/rate apart, but after a stall
	// (a starved process, a GC pause) the waits that came due fire
	// together. The gap keeps the actual sends apart too.
	gapMu    gosync.Mutex
	gap      time.Duration
	lastSend time.Time
	sends    []time.Time // the latest send times, for tests

	policy sync.Policy
}

// NewClient checks the options and returns a client.
func NewClient(opts Options) (*Client, error) {
	if opts.Tenant == "" {
		return nil, errors.New("ccai: the tenant (subdomain) is required")
	}
	if opts.Token == "" {
		return nil, errors.New("ccai: the API token is required")
	}
	base, manager, err := apiBases(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	opts.HTTPClient = httpapi.Guard(opts.HTTPClient, "ccai: ") // also a client the caller gave
	if opts.Rate <= 0 || opts.Rate > documentedRate {
		opts.Rate = documentedRate
	}
	if opts.PollMin <= 0 {
		opts.PollMin = 500 * time.Millisecond
	}
	if opts.PollMax < opts.PollMin {
		opts.PollMax = max(5*time.Second, opts.PollMin)
	}
	return &Client{
		base:    base,
		manager: manager,
		tenant:  opts.Tenant,
		token:   opts.Token,
		http:    opts.HTTPClient,
		limiter: rate.NewLimiter(rate.Limit(opts.Rate*rateMargin), 1),
		gap:     time.Duration(float64(time.Second) / (opts.Rate * rateMargin)),
		opts:    opts,
		policy:  sync.Tries(opts.MaxTries),
	}, nil
}

// BaseURL returns the API host for a tenant: env is a URL (used as it is,
// e.g. a sandbox's) or the platform's domain ("uc1.ccaiplatform.com"), which
// the tenant's subdomain is put in front of, as the vendor documents.
func BaseURL(env, tenant string) (string, error) {
	env = strings.TrimSpace(env)
	switch {
	case strings.HasPrefix(env, "http://"), strings.HasPrefix(env, "https://"):
		return env, nil
	case env == "" || env == "staging" || env == "production" || env == "sandbox":
		return "", fmt.Errorf("ccai has no fixed %q host: give --env the platform's domain "+
			"(the part after your subdomain, e.g. uc1.ccaiplatform.com) or a URL", env)
	case strings.ContainsAny(env, "/:@ ") || !strings.Contains(env, "."):
		return "", fmt.Errorf("ccai: %q is neither a URL nor a domain such as uc1.ccaiplatform.com", env)
	case tenant == "":
		return "", errors.New("ccai: the tenant (subdomain) is required")
	}
	return "https://" + tenant + "." + env, nil
}

func apiBases(raw string) (apps, manager *url.URL, err error) {
	if raw == "" {
		return nil, nil, errors.New("ccai: the base URL is required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("ccai: base URL %q is not an http(s) URL", raw)
	}
	if u.User != nil {
		return nil, nil, errors.New("ccai: put the token in the token option, not in the URL")
	}
	if u.Scheme == "http" && !httpapi.IsLoopback(u.Hostname()) {
		return nil, nil, fmt.Errorf("ccai: refusing to send the API token over plain http to %s; use https", u.Host)
	}
	root := strings.TrimSuffix(strings.TrimRight(u.Path, "/"), apiPrefix)
	u.RawQuery, u.Fragment = "", ""
	a, m := *u, *u
	a.Path = root + apiPrefix + "/"
	m.Path = root + managerPrefix + "/"
	return &a, &m, nil
}

// Requests is how many HTTP requests this client has sent (retries included).
func (c *Client) Requests() int64 { return c.requests.Load() }

// request describes one call. Body is bytes so a retry can send it again.
type request struct {
	method      string
	path        string   // relative to the Apps API's base
	manager     bool     // path is relative to the Manager API's base
	at          *url.URL // an absolute URL on the configured host (a job's link), instead of path
	query       url.Values
	body        []byte
	contentType string
	op          string // for errors: "upload batch of 3 users"
}

// do sends r, tried again by the policy (the run's, inside a run: under
// the engine's own retry it is sent once), and decodes a 2xx JSON body into
// out when out is not nil. Every failure is a *sync.Error. Every request
// may be sent again: reads and the job steps are idempotent (a second
// proceed answers 409, a second replace sends the same file), and an upload
// that may have landed leaves a job that never runs, as it is not proceeded.
func (c *Client) do(ctx context.Context, r request, out any) (http.Header, error) {
	var h http.Header
	err := sync.Retry(ctx, c.policy, func(ctx context.Context) error {
		var body []byte
		var err *sync.Error
		h, body, err = c.once(ctx, r)
		if err != nil {
			return err
		}
		if out != nil && len(bytes.TrimSpace(body)) > 0 {
			if jerr := json.Unmarshal(body, out); jerr != nil {
				return &sync.Error{Kind: sync.KindServer, Status: http.StatusOK, Op: r.op,
					Msg: "the answer is not the JSON expected: " + jerr.Error()}
			}
		}
		return nil
	})
	return h, err
}

// maxBody bounds an answer's body; the largest is a list of every user.
const maxBody = 64 << 20

func (c *Client) once(ctx context.Context, r request) (http.Header, []byte, *sync.Error) {
	if err := c.pace(ctx); err != nil {
		return nil, nil, &sync.Error{Kind: sync.KindNetwork, Op: r.op, Err: ctxErr(ctx, err)}
	}
	base := c.base
	if r.manager {
		base = c.manager
	}
	u := base.ResolveReference(&url.URL{Path: r.path, RawQuery: r.query.Encode()})
	if r.at != nil {
		u = r.at
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, nil, &sync.Error{Kind: sync.KindOther, Op: r.op, Err: err}
	}
	req.SetBasicAuth(c.tenant, c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "usersync")
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	c.requests.Add(1)
	resp, err := c.http.Do(req)
	var re *httpapi.RedirectError
	if errors.As(err, &re) { // refused, not lost: another try would be refused again
		return nil, nil, &sync.Error{Kind: sync.KindOther, Op: r.op, Msg: c.redact(re.Error()), Err: re}
	}
	if err != nil {
		return nil, nil, &sync.Error{Kind: sync.KindNetwork, Op: r.op, Err: c.redactErr(ctxErr(ctx, err))}
	}
	defer resp.Body.Close()
	data, tooLarge, err := httpapi.ReadBody(resp, maxBody)
	if err != nil {
		return resp.Header, nil, &sync.Error{Kind: sync.KindNetwork, Status: resp.StatusCode, Op: r.op, Err: c.redactErr(err)}
	}
	if tooLarge { // cut short, it would fail as JSON cut short does
		return resp.Header, nil, &sync.Error{Kind: sync.KindOther, Status: resp.StatusCode, Op: r.op, Msg: fmt.Sprintf("answer larger than %d MiB", maxBody>>20)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.Header, data, nil
	}
	return resp.Header, data, &sync.Error{
		Kind:       httpapi.Kind(resp.StatusCode),
		Status:     resp.StatusCode,
		RetryAfter: httpapi.RetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		Op:         r.op,
		Msg:        c.redact(httpapi.Message(data)),
	}
}

// pace returns when the next request may go: the limiter's turn, and at
// least the gap after the previous send.
func (c *Client) pace(ctx context.Context) error {
	if err := c.limiter.Wait(ctx); err != nil {
		return err
	}
	c.gapMu.Lock()
	defer c.gapMu.Unlock()
	if d := c.gap - time.Since(c.lastSend); d > 0 {
		if err := sync.Sleep(ctx, d); err != nil {
			return err
		}
	}
	c.lastSend = time.Now()
	if len(c.sends) >= 1<<12 {
		c.sends = append(c.sends[:0], c.sends[1<<11:]...)
	}
	c.sends = append(c.sends, c.lastSend)
	return nil
}

// sendTimes returns when the latest requests went out.
func (c *Client) sendTimes() []time.Time {
	c.gapMu.Lock()
	defer c.gapMu.Unlock()
	return append([]time.Time(nil), c.sends...)
}

// redact removes the token from text that came from elsewhere (a server
// echoing a header, an error quoting a request), so it cannot reach a log.
func (c *Client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[token]")
}

func (c *Client) redactErr(err error) error {
	if err == nil || !strings.Contains(err.Error(), c.token) {
		return err
	}
	return errors.New(c.redact(err.Error()))
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// serverShapeError reports an answer that is not what the API documents.
func serverShapeError(op string, err error) error {
	return &sync.Error{Kind: sync.KindServer, Status: http.StatusOK, Op: op,
		Msg: "the answer is not the JSON expected: " + err.Error()}
}

// isStatus reports whether err is a *sync.Error with that HTTP status.
func isStatus(err error, status int) bool {
	var se *sync.Error
	return errors.As(err, &se) && se.Status == status
}
