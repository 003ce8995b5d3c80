package systest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"testing"

	"usersync/sync/ccai"
	"usersync/sync/coursedog"
)

// endlessError answers every request 500 with a body that never ends, as
// a broken proxy in front of the API may, and records how much of it each
// request took before the client hung up.
type endlessError struct {
	*httptest.Server
	mu   gosync.Mutex
	sent []int64
}

func newEndlessError(t *testing.T) *endlessError {
	e := &endlessError{}
	chunk := []byte(strings.Repeat("oops ", 64<<10/5))
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		var n int64
		for n < 512<<20 { // the test's own bound
			k, err := w.Write(chunk)
			n += int64(k)
			if err != nil {
				break
			}
		}
		e.mu.Lock()
		e.sent = append(e.sent, n)
		e.mu.Unlock()
	}))
	t.Cleanup(e.Close)
	return e
}

// TestErrorBodiesAreReadShort: an error answer's body is read only as far
// as a message needs. Both clients read up to 256 MiB (64 MiB for ccai) of
// it, per try: `usersync plan` against such a server peaked at 1.2 GB.
func TestErrorBodiesAreReadShort(t *testing.T) {
	srv := newEndlessError(t)
	cd, err := coursedog.NewClient(coursedog.Options{BaseURL: srv.URL, School: "demo", Token: "cd-token-123", ReadTries: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cd.Roles(context.Background()); err == nil || !strings.Contains(err.Error(), "HTTP 500") || !strings.Contains(err.Error(), "oops oops") {
		t.Errorf("coursedog: %v", err)
	}
	cc, err := ccai.NewClient(ccai.Options{BaseURL: srv.URL, Tenant: "demo", Token: "ccai-token-123"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Template(context.Background()); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("ccai: %v", err)
	}
	srv.Close() // waits for the handlers
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.sent) == 0 {
		t.Fatal("no request reached the server")
	}
	for i, n := range srv.sent {
		// What the client reads, and what the loopback socket buffers hold.
		if n > 16<<20 {
			t.Errorf("request %d: the server sent %d MiB of its error body before the client hung up", i+1, n>>20)
		}
	}
}
