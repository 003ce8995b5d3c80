// Package httpapi holds what the adapters' HTTP clients share: how an
// answer's status maps to a sync.Error kind, Retry-After, the server's
// message out of an error body, and the rules that keep a token off the
// network in clear.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"usersync/sync"
)

// Kind classifies an HTTP status for the engine's retry decisions.
func Kind(status int) sync.Kind {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return sync.KindUnauthorized
	case status == http.StatusNotFound:
		return sync.KindNotFound
	case status == http.StatusConflict:
		return sync.KindConflict
	case status == http.StatusTooManyRequests:
		return sync.KindRateLimited
	case status == http.StatusRequestTimeout:
		return sync.KindNetwork
	case status >= 500:
		return sync.KindServer
	case status >= 400:
		return sync.KindRejected
	}
	return sync.KindOther
}

// RetryAfter reads a Retry-After value, seconds (whole or not) or an HTTP
// date; 0 when absent or unreadable.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// MaxErrorBody is how much of an error answer's body is read: enough for
// any message (Message keeps 300 bytes of it). An error body can come from
// anything between here and the API, a proxy that never stops included.
const MaxErrorBody = 64 << 10

// ReadBody reads the body of resp: up to max bytes of a 2xx answer, and
// up to MaxErrorBody of any other (the rest is not read). tooLarge says a
// 2xx body went on past max.
func ReadBody(resp *http.Response, max int64) (data []byte, tooLarge bool, err error) {
	limit := max
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		limit = MaxErrorBody
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if int64(len(data)) > limit {
		data = data[:limit]
		tooLarge = resp.StatusCode >= 200 && resp.StatusCode <= 299
	}
	return data, tooLarge, err
}

// Message pulls a message for people out of an error body: {"message"},
// {"error"} or {"errors"} (a string, or the JSON shortened), else the start
// of a text body; "" for an HTML page, which says nothing useful.
func Message(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"message", "error", "errors"} {
			raw, ok := m[k]
			if !ok || string(raw) == "null" {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if s != "" {
					return Truncate(s, 300)
				}
				continue
			}
			return Truncate(string(raw), 300)
		}
		return ""
	}
	s := strings.TrimSpace(string(body))
	if strings.HasPrefix(s, "<") {
		return ""
	}
	return Truncate(s, 300)
}

// Truncate folds white space and cuts s to n bytes, marking the cut.
func Truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// IsLoopback reports whether host is this machine, where plain http is
// allowed (the sandbox).
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RefuseDowngrade is the redirect rule of Guard, for a client built by
// hand; prefix starts its errors ("ccai: ").
func RefuseDowngrade(prefix string) func(*http.Request, []*http.Request) error {
	return checkRedirect(prefix)
}

// Guard returns a copy of c (a new client when nil) whose redirects keep
// credentials where the operator pointed: a request marked NoRedirect (a
// login, whose body is the password) follows none; no request follows one
// to another host (scheme, name or port), since the answer there is not
// the directory asked for and Go would re-send a body to it; and none goes
// from https to plain http off this machine (Go sends the Authorization
// header on to the same host whatever the scheme). Each refusal is a
// *RedirectError naming where the redirect pointed. The adapters' clients
// always pass the client they use through Guard, also one a caller gave.
func Guard(c *http.Client, prefix string) *http.Client {
	var g http.Client
	if c != nil {
		g = *c
	}
	g.CheckRedirect = checkRedirect(prefix)
	return &g
}

type noRedirectKey struct{}

// NoRedirect marks ctx: a request sent with it follows no redirect.
func NoRedirect(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRedirectKey{}, true)
}

// RedirectError is a redirect a guarded client refused to follow.
type RedirectError struct {
	Prefix   string
	From, To string // URLs, without credentials
	Why      string
}

func (e *RedirectError) Error() string {
	return e.Prefix + e.From + " answered with a redirect to " + e.To + "; " + e.Why
}

func checkRedirect(prefix string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0]
		refuse := func(why string) error {
			return &RedirectError{Prefix: prefix, From: first.URL.Redacted(), To: req.URL.Redacted(), Why: why}
		}
		switch {
		case first.Context().Value(noRedirectKey{}) != nil:
			return refuse("usersync follows no redirect when it sends a password; " +
				"if that address is the right one, use it (--env)")
		case !sameOrigin(first.URL, req.URL):
			return refuse("usersync sends credentials only to the host it was given (" + first.URL.Host +
				") and does not read another host's answers: check --env")
		case req.URL.Scheme != "https" && !IsLoopback(req.URL.Hostname()):
			return refuse("plain http is only allowed on this machine")
		case len(via) >= 10:
			return errors.New(prefix + "stopped after 10 redirects")
		}
		return nil
	}
}

// sameOrigin reports whether two URLs name the same scheme, host and port
// (a missing port is the scheme's own).
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if u.Scheme == "https" {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}
