package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkMixed measures requests/s on loopback with latency 0: a mix of
// list pages (100 users), per-user updates and creates, with 8 clients.
// BENCHMARKS.md records the figures.
func BenchmarkMixed(b *testing.B) { benchMixed(b, Options{Users: 2000}) }

// BenchmarkMixedState is BenchmarkMixed with --state: each write is on
// disk before it is answered, grouped into one save per batch.
func BenchmarkMixedState(b *testing.B) {
	benchMixed(b, Options{Users: 2000, StateFile: filepath.Join(b.TempDir(), "state.json")})
}

func benchMixed(b *testing.B, opts Options) {
	srv := start(b, opts)
	token := login(b, srv)
	users := srv.Users()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64

	send := func(method, url string, body []byte) error {
		req, _ := http.NewRequest(method, url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d", method, url, resp.StatusCode)
		}
		return nil
	}

	b.SetParallelism(4) // 4 × GOMAXPROCS clients
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			var err error
			switch n % 10 {
			case 0:
				body, _ := json.Marshal(newUser(fmt.Sprintf("bench%d@example.edu", n)))
				err = send("POST", usersURL(srv), body)
			case 1, 2:
				u := users[int(n)%len(users)]
				put := newUser(u.Email)
				put["lastName"] = fmt.Sprint("B", n)
				body, _ := json.Marshal(put)
				err = send("PUT", usersURL(srv)+"/"+u.ID, body)
			default:
				err = send("GET", fmt.Sprintf("%s?skip=%d&limit=100", usersURL(srv), int(n)%1900), nil)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "req/s")
}

// BenchmarkSmall is the floor: the smallest authenticated request (roles).
func BenchmarkSmall(b *testing.B) {
	srv := start(b, Options{Users: 10})
	token := login(b, srv)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := srv.URL() + "/api/v1/" + DemoSchool + "/roles"
	b.SetParallelism(4)
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "req/s")
}
