// Package sandbox is a local stand-in for the vendors' user APIs: seeded
// users, the same endpoints and errors, and faults on demand (latency,
// 5xx answers, rate limits, dropped connections), so the import can be
// demonstrated and tested without touching a real school.
//
// # Adding a target's API
//
// Each vendor API lives in its own files (coursedog.go, ccai*.go) and adds
// itself in an init function:
//
//	func init() { registerAPI("ccai", newCCAI) }
//
// where newCCAI(s *Server, rng *rand.Rand) api seeds its data from rng (its
// own stream, so one API's data never shifts another's) and returns a value
// whose mount method adds the routes:
//
//	lim := s.newLimiter(10) // the vendor's documented 10 requests/second
//	s.handle("GET /apps/api/v1/bulk/users/jobs/{id}", lim, c.job)
//
// s.handle gives every route the same fault injection and /_sandbox/stats
// counters; the limiter is per API (nil: none). Call s.changed() after every
// write and before answering it, holding no lock (with --state it returns
// once the write is on disk), s.recordCreate/recordPost/recordMail so stats
// prove "never created twice" and "no mail when suppressed", and s.goAsync
// for background work (job progress) that must stop when the server closes.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	gosync "sync"
	"time"
)

// Demo identity, printed by `usersync sandbox` and prefilled by --sandbox.
const (
	DemoEmail    = "operator@example.edu"
	DemoPassword = "sandbox"
	DemoSchool   = "demo_university"
)

// Options configures a sandbox. The zero value serves 200 users on a free
// loopback port with no faults.
type Options struct {
	Addr      string        // host:port on loopback; "" or port 0 picks a free port
	Users     int           // seeded users (default 200); ignored when StateFile exists
	Seed      int64         // seeds the data and the fault sequence
	Latency   time.Duration // mean added latency; each request waits 0.5–1.5× this
	FailRate  float64       // share of requests answered 500, 502 or 503 before any work
	DropRate  float64       // share of requests whose connection is closed after the work is done
	RateLimit float64       // coursedog requests per second (token bucket, 429 + Retry-After); 0 = off
	TokenTTL  time.Duration // session lifetime (default 24h, as the vendor's)
	StateFile string        // persist the store here (atomically) and load it on start
	// LoginField, when set, is the one session body field the coursedog
	// login accepts for the password: "plaintextPassword" (the vendor's
	// article) or "password" (Coursedog's public code); "" accepts either.
	LoginField string
	// IgnoreFields are user fields (JSON keys, e.g. "department") the
	// server accepts and silently drops on every write, both APIs: a
	// create stores them empty, an update leaves them as they were. The
	// canary exists to catch such a server.
	IgnoreFields []string
	// Drift answers shapes the adapters do not expect (keys they read,
	// renamed), so `usersync check` can be shown to catch it.
	Drift bool
	Log   *log.Logger // where background problems (a failed state save) go; nil = discard
}

// Server is a running sandbox.
type Server struct {
	opts   Options
	ln     net.Listener
	http   *http.Server
	mux    *http.ServeMux
	faults *faults
	stats  *stats
	apis   map[string]api
	order  []string // api names, sorted, for stable state files

	// cdLimit is coursedog's limiter (Options.RateLimit), kept so SetFaults
	// can change it while the server runs.
	cdLimit *limiter

	ctx    context.Context // canceled by Close; background work watches it
	cancel context.CancelFunc
	wg     gosync.WaitGroup
	saver  *saver
	// mutate is held (read) across a change that spans an API's store and
	// the stats history (a create and its record), and taken (write) by a
	// save while it snapshots, so a state file never has one without the
	// other. Take it before an API's lock, never while holding one.
	mutate gosync.RWMutex
	closed gosync.Once
	cerr   error
}

// api is one vendor API the sandbox speaks; see the package comment.
type api interface {
	// mount adds the API's routes with s.handle.
	mount(s *Server)
	// snapshot returns the API's state for --state; restore loads it back.
	snapshot() (json.RawMessage, error)
	restore(json.RawMessage) error
}

var apiFactories = map[string]func(s *Server, rng *rand.Rand) api{}

// registerAPI adds a vendor API; call it from an init function.
func registerAPI(name string, f func(s *Server, rng *rand.Rand) api) {
	apiFactories[name] = f
}

// Start seeds (or loads) the store and serves it until Close.
func Start(opts Options) (*Server, error) {
	if opts.Users == 0 {
		opts.Users = 200
	}
	if opts.Users < 0 {
		return nil, fmt.Errorf("sandbox: --users must be positive, not %d", opts.Users)
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 24 * time.Hour
	}
	if err := checkRates(opts); err != nil {
		return nil, err
	}
	switch opts.LoginField {
	case "", "plaintextPassword", "password":
	default:
		return nil, fmt.Errorf("sandbox: --login-field must be plaintextPassword or password, not %q", opts.LoginField)
	}
	if opts.Log == nil {
		opts.Log = log.New(io.Discard, "", 0)
	}
	addr, err := loopbackAddr(opts.Addr)
	if err != nil {
		return nil, err
	}

	s := &Server{
		opts:   opts,
		mux:    http.NewServeMux(),
		faults: newFaults(opts),
		stats:  newStats(),
		apis:   map[string]api{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cdLimit = s.newLimiter(opts.RateLimit)
	for name := range apiFactories {
		s.order = append(s.order, name)
	}
	sort.Strings(s.order)
	for _, name := range s.order {
		s.apis[name] = apiFactories[name](s, apiRand(opts.Seed, name))
	}
	if opts.StateFile != "" {
		if err := s.loadState(opts.StateFile); err != nil {
			s.cancel()
			return nil, err
		}
		s.saver = newSaver(s, opts.StateFile)
	}
	for _, name := range s.order {
		s.apis[name].mount(s)
	}
	s.mux.HandleFunc("GET /_sandbox/stats", s.serveStats)
	s.mux.HandleFunc("/", s.serveUnknown)

	s.ln, err = net.Listen("tcp", addr)
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // dropped connections are on purpose
	}
	if s.saver != nil {
		// Write the store at once: a restart finds it even if nothing
		// changes, and an unwritable path fails here, not silently later.
		if err := s.saver.save(); err != nil {
			s.ln.Close()
			s.cancel()
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		s.goAsync(s.saver.run)
	}
	go func() { _ = s.http.Serve(s.ln) }()
	return s, nil
}

// URL is the base URL, http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops serving, waits for background work and writes the state one
// last time. It returns the first error of that final save.
func (s *Server) Close() error {
	s.closed.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.http.Shutdown(ctx)
		if err != nil {
			_ = s.http.Close()
		}
		s.cancel()
		s.wg.Wait()
		if s.saver != nil {
			if serr := s.saver.save(); serr != nil {
				err = serr
			}
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = nil // connections cut after 5 s are fine for a sandbox
		}
		s.cerr = err
	})
	return s.cerr
}

// SetFaults changes the fault settings (Latency, FailRate, DropRate,
// RateLimit of o) while the server runs, so a test can seed state cleanly
// and then turn the weather bad.
func (s *Server) SetFaults(o Options) error {
	if err := checkRates(o); err != nil {
		return err
	}
	s.faults.set(o)
	s.cdLimit.setRate(o.RateLimit)
	return nil
}

// goAsync runs f in the background until the server closes; f must return
// when ctx is done.
func (s *Server) goAsync(f func(ctx context.Context)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f(s.ctx)
	}()
}

// changed returns once the store as it is now is on disk (with --state;
// at once without), so a handler calls it after its change and before its
// answer. It must be called holding no lock of the store: the save takes
// them to snapshot.
func (s *Server) changed() error {
	if s.saver == nil {
		return nil
	}
	return s.saver.commit()
}

// saved is changed() for a handler: false (and a 500 answered) when the
// state could not be written, so nothing unsaved is acknowledged.
func (s *Server) saved(w http.ResponseWriter) bool {
	if err := s.changed(); err != nil {
		writeError(w, http.StatusInternalServerError, "the sandbox could not save its state: %v", err)
		return false
	}
	return true
}

// apiRand gives each API its own random stream derived from the seed.
func apiRand(seed int64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

func checkRates(o Options) error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"fail rate", o.FailRate}, {"drop rate", o.DropRate}} {
		if r.v < 0 || r.v > 1 {
			return fmt.Errorf("sandbox: %s must be between 0 and 1, not %g", r.name, r.v)
		}
	}
	if o.FailRate+o.DropRate > 1 {
		return fmt.Errorf("sandbox: fail rate and drop rate add up to more than 1")
	}
	if o.RateLimit < 0 {
		return fmt.Errorf("sandbox: rate limit must not be negative, not %g", o.RateLimit)
	}
	if o.Latency < 0 {
		return fmt.Errorf("sandbox: latency must not be negative")
	}
	return nil
}

// loopbackAddr refuses anything but a loopback address: the sandbox prints
// its credentials and must never be reachable from the network.
func loopbackAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("sandbox: address %q: %w", addr, err)
	}
	switch host {
	case "":
		host = "127.0.0.1"
	case "localhost":
	default:
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return "", fmt.Errorf("sandbox: address %q is not loopback; the sandbox only listens on 127.0.0.1", addr)
		}
	}
	return net.JoinHostPort(host, port), nil
}

// writeJSON answers v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeError answers the vendors' JSON error shape.
func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]any{
		"error":      fmt.Sprintf(format, args...),
		"statusCode": status,
	})
}

func (s *Server) serveUnknown(w http.ResponseWriter, r *http.Request) {
	s.stats.countRequest("unmatched")
	s.stats.countResponse("unmatched", http.StatusNotFound)
	writeError(w, http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
}
