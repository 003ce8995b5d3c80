package sandbox

import (
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	gosync "sync"
	"time"

	"golang.org/x/time/rate"
)

// faults draws the bad weather for each request from one seeded stream, so
// the same seed and the same sequence of requests give the same faults.
type faults struct {
	mu       gosync.Mutex
	rng      *rand.Rand
	latency  time.Duration
	failRate float64
	dropRate float64
}

func newFaults(o Options) *faults {
	f := &faults{rng: rand.New(rand.NewPCG(uint64(o.Seed), 0xfa017))}
	f.set(o)
	return f
}

func (f *faults) set(o Options) {
	f.mu.Lock()
	f.latency, f.failRate, f.dropRate = o.Latency, o.FailRate, o.DropRate
	f.mu.Unlock()
}

// fault is what happens to one request.
type fault struct {
	delay  time.Duration
	status int  // 500, 502 or 503 instead of an answer; 0 for none
	drop   bool // do the work, then close the connection without answering
}

// draw always takes the same three numbers, whatever the rates, so changing
// one rate does not shift the others' sequence.
func (f *faults) draw() fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	jitter, roll, pick := f.rng.Float64(), f.rng.Float64(), f.rng.IntN(3)
	var ft fault
	if f.latency > 0 {
		ft.delay = time.Duration(float64(f.latency) * (0.5 + jitter))
	}
	switch {
	case roll < f.failRate:
		ft.status = [...]int{500, 502, 503}[pick]
	case roll < f.failRate+f.dropRate:
		ft.drop = true
	}
	return ft
}

// limiter is one API's token bucket; a nil *limiter never limits.
type limiter struct {
	mu  gosync.Mutex
	lim *rate.Limiter // nil while off
}

// newLimiter returns a bucket of perSecond tokens a second holding one
// second's worth (at least one); perSecond 0 is off.
func (s *Server) newLimiter(perSecond float64) *limiter {
	l := &limiter{}
	l.setRate(perSecond)
	return l
}

func (l *limiter) setRate(perSecond float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if perSecond <= 0 {
		l.lim = nil
		return
	}
	l.lim = rate.NewLimiter(rate.Limit(perSecond), max(1, int(math.Ceil(perSecond))))
}

// take reports whether a request may go on, and if not how long the caller
// should wait for a token.
func (l *limiter) take() (ok bool, wait time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	lim := l.lim
	l.mu.Unlock()
	if lim == nil {
		return true, 0
	}
	now := time.Now()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// handle mounts h at pattern ("METHOD /path/{param}") behind the rate limit
// lim (nil: none) and the fault injection, counting the request under its
// pattern and the response under its status in /_sandbox/stats.
func (s *Server) handle(pattern string, lim *limiter, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.stats.countRequest(pattern)
		if ok, wait := lim.take(); !ok {
			// Retry-After carries whole seconds; round up so obeying it works.
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
			s.stats.countResponse(pattern, http.StatusTooManyRequests)
			writeError(w, http.StatusTooManyRequests, "rate limit exceeded: retry after %d s", max(1, secs))
			return
		}
		ft := s.faults.draw()
		if ft.delay > 0 {
			t := time.NewTimer(ft.delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if ft.status != 0 {
			s.stats.countResponse(pattern, ft.status)
			writeError(w, ft.status, "%s (injected fault)", http.StatusText(ft.status))
			return
		}
		if ft.drop {
			// Run the handler for real, then hang up: the server did the
			// work but the client never hears of it.
			h(&discardWriter{header: http.Header{}}, r)
			s.stats.countDropped()
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					if tc, ok := conn.(*net.TCPConn); ok {
						tc.SetLinger(0) // a reset, not a polite close
					}
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler) // the server closes the connection
		}
		sw := &statusWriter{ResponseWriter: w}
		h(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.stats.countResponse(pattern, sw.status)
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// discardWriter swallows the answer of a request whose connection is dropped.
type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}
