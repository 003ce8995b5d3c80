package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The faults Options turn on: drawn from the seed, so reproducible, and a
// dropped answer still does the work.

func TestFaults(t *testing.T) {
	t.Run("server errors are reproducible", func(t *testing.T) {
		seq := func() []int {
			srv := start(t, Options{Users: 1, Seed: 42, FailRate: 0.5})
			var out []int
			for range 40 {
				status, _, _ := call(t, "GET", srv.URL()+"/api/v1/"+DemoSchool+"/roles", "x", nil)
				out = append(out, status)
			}
			return out
		}
		a, b := seq(), seq()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("same seed, different faults:\n%v\n%v", a, b)
		}
		fails := 0
		for _, s := range a {
			if s >= 500 {
				fails++
			}
		}
		if fails < 10 || fails > 30 {
			t.Errorf("%d of 40 failed at rate 0.5", fails)
		}
	})
	t.Run("dropped connections do the work", func(t *testing.T) {
		srv := start(t, Options{Users: 1})
		token := login(t, srv)
		srv.SetFaults(Options{DropRate: 1})
		b, _ := json.Marshal(newUser("dropped@example.edu"))
		resp, err := http.Post(usersURL(srv), "application/json", bytes.NewReader(b))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("dropped request answered %d", resp.StatusCode)
		}
		_ = token
		srv.SetFaults(Options{})
		st := srv.Stats()
		if st.Dropped != 1 {
			t.Errorf("dropped %d", st.Dropped)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		srv := start(t, Options{Users: 1, RateLimit: 2})
		token := login(t, srv)
		limited := 0
		var retryAfter string
		for range 20 {
			status, b, h := call(t, "GET", srv.URL()+"/api/v1/"+DemoSchool+"/roles", token, nil)
			if status == http.StatusTooManyRequests {
				limited++
				retryAfter = h.Get("Retry-After")
				if !strings.Contains(errorText(b), "rate limit") {
					t.Errorf("429 body %s", b)
				}
			}
		}
		if limited < 10 || retryAfter != "1" {
			t.Errorf("%d of 20 limited, Retry-After %q", limited, retryAfter)
		}
		if srv.Stats().Responses["429"] != limited {
			t.Error("429s not counted")
		}
	})
	t.Run("latency", func(t *testing.T) {
		srv := start(t, Options{Users: 1, Latency: 40 * time.Millisecond})
		t0 := time.Now()
		call(t, "GET", usersURL(srv), "", nil)
		if d := time.Since(t0); d < 20*time.Millisecond {
			t.Errorf("answered in %v with 40ms latency", d)
		}
	})
}

func TestDroppedCreateStillCreates(t *testing.T) {
	srv := start(t, Options{Users: 1, DropRate: 1})
	// Log in while the weather is calm, then drop everything.
	srv.SetFaults(Options{})
	token := login(t, srv)
	srv.SetFaults(Options{DropRate: 1})
	b, _ := json.Marshal(newUser("ghost@example.edu"))
	req, _ := http.NewRequest("POST", usersURL(srv), bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d", resp.StatusCode)
	}
	if _, ok := srv.User("ghost@example.edu"); !ok {
		t.Error("the dropped create did not happen on the server")
	}
}
