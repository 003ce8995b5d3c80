package sandbox

import (
	"maps"
	"net/http"
	"strconv"
	"strings"
	gosync "sync"
	"time"
)

// Stats are the counters /_sandbox/stats answers. Requests are keyed by
// route ("POST /api/v1/{school}/users", never a concrete id), responses by
// status. Creates and mails survive a restart with --state, so "never
// created twice" holds across one.
type Stats struct {
	Requests           map[string]int            `json:"requests"`
	Responses          map[string]int            `json:"responses"`
	RouteResponses     map[string]map[string]int `json:"route_responses"`       // route → status → n
	Dropped            int                       `json:"dropped"`               // connections closed without an answer
	Creates            int                       `json:"creates"`               // users created, all APIs
	CreatesPerEmailMax int                       `json:"creates_per_email_max"` // 1 unless a user was created twice
	CreatesPerEmail    map[string]int            `json:"creates_per_email"`     // lowercase email → users created
	PostsPerEmail      map[string]int            `json:"posts_per_email"`       // lowercase email → create requests, whatever their answer
	MailsSent          int                       `json:"mails_sent"`
}

// Mail is one registration mail the sandbox "sent".
type Mail struct {
	To   string    `json:"to"`
	API  string    `json:"api"`
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
}

type stats struct {
	mu        gosync.Mutex
	requests  map[string]int
	responses map[string]int
	byRoute   map[string]map[string]int
	dropped   int
	creates   map[string]int
	posts     map[string]int
	mails     []Mail
}

func newStats() *stats {
	return &stats{
		requests:  map[string]int{},
		responses: map[string]int{},
		byRoute:   map[string]map[string]int{},
		creates:   map[string]int{},
		posts:     map[string]int{},
	}
}

func (st *stats) countRequest(route string) {
	st.mu.Lock()
	st.requests[route]++
	st.mu.Unlock()
}

func (st *stats) countResponse(route string, status int) {
	code := strconv.Itoa(status)
	st.mu.Lock()
	st.responses[code]++
	if st.byRoute[route] == nil {
		st.byRoute[route] = map[string]int{}
	}
	st.byRoute[route][code]++
	st.mu.Unlock()
}

func (st *stats) countDropped() {
	st.mu.Lock()
	st.dropped++
	st.mu.Unlock()
}

// recordPost counts one create request for email, whatever its outcome.
func (s *Server) recordPost(email string) {
	st := s.stats
	st.mu.Lock()
	st.posts[strings.ToLower(email)]++
	st.mu.Unlock()
}

// recordCreate counts one user actually created.
func (s *Server) recordCreate(email string) {
	st := s.stats
	st.mu.Lock()
	st.creates[strings.ToLower(email)]++
	st.mu.Unlock() // the caller's changed() saves it
}

// recordMail "sends" a registration mail.
func (s *Server) recordMail(api, to string) {
	st := s.stats
	st.mu.Lock()
	st.mails = append(st.mails, Mail{To: to, API: api, Kind: "registration", At: time.Now().UTC()})
	st.mu.Unlock() // the caller's changed() saves it
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	st := s.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	out := Stats{
		Requests:        maps.Clone(st.requests),
		Responses:       maps.Clone(st.responses),
		RouteResponses:  make(map[string]map[string]int, len(st.byRoute)),
		Dropped:         st.dropped,
		CreatesPerEmail: maps.Clone(st.creates),
		PostsPerEmail:   maps.Clone(st.posts),
		MailsSent:       len(st.mails),
	}
	for route, m := range st.byRoute {
		out.RouteResponses[route] = maps.Clone(m)
	}
	for _, n := range st.creates {
		out.Creates += n
		out.CreatesPerEmailMax = max(out.CreatesPerEmailMax, n)
	}
	return out
}

// Mails returns the registration mails sent so far, oldest first.
func (s *Server) Mails() []Mail {
	st := s.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]Mail(nil), st.mails...)
}

// ResetStats zeroes the request and response counters (creates and mails,
// which are part of the stored history, stay).
func (s *Server) ResetStats() {
	st := s.stats
	st.mu.Lock()
	st.requests = map[string]int{}
	st.responses = map[string]int{}
	st.byRoute = map[string]map[string]int{}
	st.dropped = 0
	st.posts = map[string]int{}
	st.mu.Unlock()
}

func (s *Server) serveStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

// history is the part of the stats kept in the state file.
type history struct {
	Creates map[string]int `json:"creates"`
	Mails   []Mail         `json:"mails"`
}

func (st *stats) history() history {
	st.mu.Lock()
	defer st.mu.Unlock()
	return history{Creates: maps.Clone(st.creates), Mails: append([]Mail(nil), st.mails...)}
}

func (st *stats) restore(h history) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if h.Creates != nil {
		st.creates = h.Creates
	}
	st.mails = h.Mails
}
