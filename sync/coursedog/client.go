package coursedog

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
	"time"

	"usersync/sync"
	"usersync/sync/httpapi"
)

// Options configure a Client. BaseURL and School are required for
// everything but Login.
type Options struct {
	// BaseURL is StagingURL, ProductionURL, a sandbox's URL or any other;
	// see BaseURL. Plain http is refused except on loopback.
	BaseURL string
	// School is the School Unique ID that goes in every path.
	School string
	// Token is the session token (sent as a Bearer token, never shown).
	Token string
	// HTTPClient defaults to one with keep-alive for a few dozen workers.
	HTTPClient *http.Client
	// Timeout bounds one request (default 30 s); a bulk replace gets ten
	// times as long.
	Timeout time.Duration
	// PageSize is the limit asked per page when listing (default 500).
	PageSize int
	// ReadTries bounds the tries of a read (GET) outside a run, a 429
	// included (default: sync.DefaultPolicy; 1 sends every read once). A
	// run retries by its own policy. Writes are sent once: the engine
	// retries them, because only it can tell whether a create whose answer
	// was lost may have landed.
	ReadTries int
}

// Client speaks Coursedog's user API. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	school   string
	http     *http.Client
	timeout  time.Duration
	pageSize int
	policy   sync.Policy // for reads

	mu    gosync.RWMutex
	token string
	// secrets are strings that must never appear in an error: the token
	// and the last password used to log in.
	secrets []string
	// loginField is the password field the server accepted last.
	loginField string
}

// NewClient checks the options and returns a client.
func NewClient(opts Options) (*Client, error) {
	base, err := parseBase(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:     base,
		school:   opts.School,
		http:     opts.HTTPClient,
		timeout:  opts.Timeout,
		pageSize: opts.PageSize,
		policy:   sync.Tries(opts.ReadTries),
	}
	if c.http == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		c.http = &http.Client{Transport: tr}
	}
	c.http = httpapi.Guard(c.http, "") // also a client the caller gave
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	if c.pageSize <= 0 {
		c.pageSize = defaultPageSize
	}
	c.SetToken(opts.Token)
	return c, nil
}

// BaseURL resolves an environment name to its base URL: "staging",
// "production" (or "prod"), or a URL as given. The sandbox has no fixed
// address: pass the URL `usersync sandbox` prints.
func BaseURL(env string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(env)) {
	case "staging":
		return StagingURL, nil
	case "production", "prod":
		return ProductionURL, nil
	case "":
		return "", errors.New("no environment: choose --env staging, production or a URL")
	case "sandbox":
		return "", errors.New("--env sandbox needs the sandbox's address: pass --env http://127.0.0.1:PORT as `usersync sandbox` prints it")
	}
	u, err := parseBase(env)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// parseBase accepts http(s)://host[:port][/prefix]; plain http only on
// loopback, so a token never crosses a network in clear.
func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("environment %q is neither staging, production nor an http(s) URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base URL %q must not carry credentials, a query or a fragment", u.Redacted())
	}
	if u.Scheme == "http" && !httpapi.IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("base URL %s: plain http is only allowed on this machine (127.0.0.1); use https", u)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// URL is the base URL the client talks to.
func (c *Client) URL() string { return c.base.String() }

// School is the School Unique ID.
func (c *Client) School() string { return c.school }

// SetToken replaces the session token (after a new login).
func (c *Client) SetToken(token string) {
	c.mu.Lock()
	c.token = token
	if token != "" {
		c.secrets = append(c.secrets, token)
	}
	c.mu.Unlock()
}

func (c *Client) bearer() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.token
}

// redact removes every secret the client has held from s.
func (c *Client) redact(s string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, secret := range c.secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// Login opens a session as email and keeps its token for the requests that
// follow. The vendor's article posts {"email","plaintextPassword"}; code in
// Coursedog's own public repositories posts {"email","password"}. The
// client sends the body that worked last (the article's at first) and, if
// the server refuses it as a bad request or bad credentials, the other one
// once: the password goes out at most twice, and is kept nowhere.
func (c *Client) Login(ctx context.Context, email, password string) (string, error) {
	op := "log in as " + email
	c.mu.Lock()
	c.secrets = append(c.secrets, password)
	first := c.loginField
	c.mu.Unlock()
	defer c.forget(password)
	if first == "" {
		first = jsonPlaintextPassword
	}
	other := jsonPassword
	if first == jsonPassword {
		other = jsonPlaintextPassword
	}
	resp, err := c.login(ctx, op, email, password, first)
	used := first
	var se *sync.Error
	if err != nil && errors.As(err, &se) && (se.Status == http.StatusBadRequest ||
		se.Status == http.StatusUnauthorized || se.Status == http.StatusUnprocessableEntity) {
		firstErr := se
		resp, err = c.login(ctx, op, email, password, other)
		used = other
		// Bad credentials say more than a missing field: keep the 401,
		// the first one when both are.
		if errors.As(err, &se) && (se.Status != http.StatusUnauthorized || firstErr.Status == http.StatusUnauthorized) {
			err = firstErr
		}
	}
	if err != nil {
		return "", err
	}
	var out map[string]any
	if err := json.Unmarshal(resp, &out); err != nil {
		return "", c.shapeError(op, err)
	}
	token, _ := out[jsonToken].(string)
	if token == "" {
		return "", &sync.Error{Kind: sync.KindOther, Op: op, Msg: "the server answered without a token"}
	}
	c.mu.Lock()
	c.loginField = used
	c.mu.Unlock()
	c.SetToken(token)
	return token, nil
}

// login posts one session request with the password under field.
func (c *Client) login(ctx context.Context, op, email, password, field string) ([]byte, error) {
	body, err := json.Marshal(map[string]string{jsonEmail: email, field: password})
	if err != nil {
		return nil, &sync.Error{Kind: sync.KindOther, Op: op, Err: err}
	}
	return c.do(httpapi.NoRedirect(ctx), request{op: op, ep: epLogin, body: body, noAuth: true})
}

// LoginField is the session body's password field the server accepted
// ("" before a login succeeded).
func (c *Client) LoginField() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.loginField
}

// forget drops a password from the secrets once its request is done (a
// password is never kept longer than that).
func (c *Client) forget(secret string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.secrets {
		if s == secret {
			c.secrets = append(c.secrets[:i], c.secrets[i+1:]...)
			return
		}
	}
}

// request is one call of an endpoint.
type request struct {
	op     string // what was tried, for errors
	ep     Endpoint
	id     string // fills {id}
	query  url.Values
	body   []byte
	noAuth bool
	long   bool // a bulk replace: ten times the timeout
	// seen, when set, receives every answer's status and header (the
	// probe reports them; a retried read keeps the last).
	seen *answer
}

// answer is what came back apart from the body.
type answer struct {
	status int
	header http.Header
}

const maxBody = 256 << 20

// do sends r and returns the body of a 2xx answer; anything else is a
// *sync.Error. A read is tried again by the policy (the run's, inside a
// run) after a 429, a 5xx or no answer: a flaky server must not stop a plan
// before it starts. A write is sent once: the engine retries it, because
// only it can tell whether a create whose answer was lost may have landed.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	if r.ep.Method != http.MethodGet {
		return c.once(ctx, r)
	}
	var data []byte
	err := sync.Retry(ctx, c.policy, func(ctx context.Context) error {
		var err error
		data, err = c.once(ctx, r)
		return err
	})
	return data, err
}

// once sends r once.
func (c *Client) once(ctx context.Context, r request) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, &sync.Error{Kind: sync.KindOther, Op: r.op, Msg: "canceled", Err: err}
	}
	if !r.noAuth && c.school == "" {
		return nil, &sync.Error{Kind: sync.KindOther, Op: r.op, Msg: "no school: pass --school with the School Unique ID (Admin > Settings)"}
	}
	path := strings.ReplaceAll(r.ep.Path, "{school}", url.PathEscape(c.school))
	path = strings.ReplaceAll(path, "{id}", url.PathEscape(r.id))
	u := *c.base
	u.Path += path
	u.RawQuery = r.query.Encode()

	timeout := c.timeout
	if r.long {
		timeout *= 10
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(rctx, r.ep.Method, u.String(), body)
	if err != nil {
		return nil, &sync.Error{Kind: sync.KindOther, Op: r.op, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !r.noAuth {
		token := c.bearer()
		if token == "" {
			return nil, &sync.Error{Kind: sync.KindUnauthorized, Op: r.op, Msg: "no token: run `usersync login` or set USERSYNC_TOKEN"}
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.networkError(ctx, rctx, r.op, err, timeout)
	}
	defer resp.Body.Close()
	if r.seen != nil {
		*r.seen = answer{resp.StatusCode, resp.Header}
	}
	data, tooLarge, err := httpapi.ReadBody(resp, maxBody)
	if err != nil {
		return nil, c.networkError(ctx, rctx, r.op, err, timeout)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if tooLarge {
			return nil, &sync.Error{Kind: sync.KindOther, Op: r.op, Status: resp.StatusCode, Msg: "answer larger than 256 MiB"}
		}
		return data, nil
	}
	e := &sync.Error{
		Kind:   httpapi.Kind(resp.StatusCode),
		Status: resp.StatusCode,
		Op:     r.op,
		Msg:    c.redact(httpapi.Message(data)),
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = httpapi.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	if e.Msg == "" {
		e.Msg = c.hint(r, resp.StatusCode)
	}
	return nil, e
}

// hint explains a bare error status.
func (c *Client) hint(r request, status int) string {
	switch {
	case status == http.StatusUnauthorized && r.noAuth:
		return "wrong email or password"
	case status == http.StatusUnauthorized:
		return "the token is invalid or expired: run `usersync login`"
	case status == http.StatusNotFound && r.id == "":
		return fmt.Sprintf("nothing at %s: is the school ID %q right?", c.base.Host, c.school)
	}
	return http.StatusText(status)
}

// networkError classifies a request that got no answer.
func (c *Client) networkError(ctx, rctx context.Context, op string, err error, timeout time.Duration) error {
	if ctx.Err() != nil {
		return &sync.Error{Kind: sync.KindOther, Op: op, Msg: "canceled", Err: ctx.Err()}
	}
	if rctx.Err() != nil {
		return &sync.Error{Kind: sync.KindNetwork, Op: op, Msg: fmt.Sprintf("no answer from %s within %v", c.base.Host, timeout), Err: rctx.Err()}
	}
	var re *httpapi.RedirectError
	if errors.As(err, &re) { // refused, not lost: another try would be refused again
		return &sync.Error{Kind: sync.KindOther, Op: op, Msg: c.redact(re.Error()), Err: re}
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // the URL is said once, below
	}
	return &sync.Error{Kind: sync.KindNetwork, Op: op,
		Msg: c.redact(fmt.Sprintf("cannot reach %s: %v", c.base.Host, cause)), Err: err}
}

func (c *Client) shapeError(op string, err error) error {
	return &sync.Error{Kind: sync.KindOther, Op: op, Msg: "unexpected answer from the server: " + c.redact(err.Error()), Err: err}
}
