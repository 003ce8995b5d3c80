// Package httpapi holds what the adapters' HTTP clients share: how an
// answer's status maps to a sync.Error kind, Retry-After, the server's
// message out of an error body, and the rules that keep a token off the
// network in clear.
package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
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

// RefuseDowngrade is an http.Client CheckRedirect that stops a redirect to
// plain http off this machine: Go sends the Authorization header on to the
// same host whatever the scheme, so following one would put the token on
// the network in clear. prefix starts its errors ("ccai: ").
func RefuseDowngrade(prefix string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" && !IsLoopback(req.URL.Hostname()) {
			return fmt.Errorf("%srefused a redirect to %s: plain http is only allowed on this machine", prefix, req.URL.Redacted())
		}
		if len(via) >= 10 {
			return errors.New(prefix + "stopped after 10 redirects")
		}
		return nil
	}
}
