package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	gosync "sync"
	"sync/atomic"

	"usersync/csvfile/atomicfile"
)

// stateVersion changes when the state file's shape does.
const stateVersion = 1

// stateFile is what --state holds: every API's store and the history of
// creates and mails.
type stateFile struct {
	Version int                        `json:"version"`
	History history                    `json:"history"`
	APIs    map[string]json.RawMessage `json:"apis"`
}

// loadState restores the store from path; a missing file keeps the seeded
// data (and is written on the first save). A damaged file is an error, never
// overwritten.
func (s *Server) loadState(path string) error {
	// By its stat, before any open: a FIFO's open waits for a writer (and
	// SIGTERM with it), a device never ends, and a save would rename its
	// file over either.
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("sandbox: state file %s is not a regular file; name a file (it is created when missing)", path)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: read state: %w", err)
	}
	var sf stateFile
	if err := json.Unmarshal(b, &sf); err != nil {
		return fmt.Errorf("sandbox: state file %s is damaged (%v); move it away to start fresh", path, err)
	}
	if sf.Version != stateVersion {
		return fmt.Errorf("sandbox: state file %s has version %d, this sandbox reads %d", path, sf.Version, stateVersion)
	}
	for name, raw := range sf.APIs {
		a, ok := s.apis[name]
		if !ok {
			s.opts.Log.Printf("sandbox: state file %s: ignoring unknown API %q", path, name)
			continue
		}
		if err := a.restore(raw); err != nil {
			return fmt.Errorf("sandbox: state file %s: %s: %w", path, name, err)
		}
	}
	s.stats.restore(sf.History)
	return nil
}

// saver writes the state before a write is answered: a handler's
// changed() returns once a save that covers its change is on disk. Changes
// that arrive while a save runs wait for the next one, which covers them
// all (group commit): one snapshot and one fsync for many writes, so a
// SIGKILL never loses a write the sandbox acknowledged.
type saver struct {
	s    *Server
	path string
	wake chan struct{}

	mu      gosync.Mutex // guards waiting and closed
	waiting []chan error
	closed  bool

	saveMu gosync.Mutex // one save at a time; guards the rest
	cached map[string]cachedSnapshot
	buf    []byte // the last save's bytes, reused
}

// appender is an API that can append its snapshot to a buffer instead of
// allocating one per save.
type appender interface {
	appendSnapshot(b []byte) ([]byte, error)
}

// cachedSnapshot is an API's last snapshot and its generation then.
type cachedSnapshot struct {
	gen uint64
	raw json.RawMessage
}

// generational is an API whose store counts its changes (see
// countedMutex); a save reuses its snapshot while the count stands still,
// so writes to one API do not pay for encoding another's.
type generational interface{ generation() uint64 }

// countedMutex is a sync.Mutex that counts its Lock calls. Every change to
// a store happens under its lock, so an unchanged count means an unchanged
// store (a read that locks counts too: that only costs a snapshot). A
// snapshot locks the Mutex itself, which is not counted.
type countedMutex struct {
	gosync.Mutex
	locks atomic.Uint64
}

func (m *countedMutex) Lock() {
	m.Mutex.Lock()
	m.locks.Add(1)
}

func newSaver(s *Server, path string) *saver {
	return &saver{s: s, path: path, wake: make(chan struct{}, 1)}
}

// commit returns when the store as it is now is on disk. The caller must
// hold no lock a snapshot takes.
func (sv *saver) commit() error {
	ch := make(chan error, 1)
	sv.mu.Lock()
	if sv.closed { // the server is closing: save here
		sv.mu.Unlock()
		return sv.save()
	}
	sv.waiting = append(sv.waiting, ch)
	sv.mu.Unlock()
	select {
	case sv.wake <- struct{}{}:
	default: // a wake is pending already; it takes this change too
	}
	return <-ch
}

func (sv *saver) run(ctx context.Context) {
	for {
		closing := false
		select {
		case <-ctx.Done():
			closing = true
		case <-sv.wake:
		}
		sv.mu.Lock()
		batch := sv.waiting
		sv.waiting = nil
		sv.closed = closing
		sv.mu.Unlock()
		if len(batch) > 0 {
			err := sv.save()
			if err != nil {
				sv.s.opts.Log.Printf("sandbox: %v", err)
			}
			for _, ch := range batch {
				ch <- err
			}
		}
		if closing {
			return
		}
	}
}

// snapshotOf returns an API's snapshot, the last one again when its store
// has not changed since. The count is read before the snapshot is taken:
// a change after that read moves it, so a stale snapshot is never reused.
func (sv *saver) snapshotOf(name string) (json.RawMessage, error) {
	a := sv.s.apis[name]
	g, ok := a.(generational)
	if !ok {
		return a.snapshot()
	}
	gen := g.generation()
	if c, hit := sv.cached[name]; hit && c.gen == gen {
		return c.raw, nil
	}
	raw, err := a.snapshot()
	if err == nil {
		if sv.cached == nil {
			sv.cached = map[string]cachedSnapshot{}
		}
		sv.cached[name] = cachedSnapshot{gen, raw}
	}
	return raw, err
}

// save writes the whole store to a temporary file beside path and renames
// it over path, so a crash leaves the old state or the new, never half.
// The parts are joined as they are (each API's snapshot is JSON already,
// a coursedog user's the bytes it serves), not encoded again.
func (sv *saver) save() error {
	sv.saveMu.Lock()
	defer sv.saveMu.Unlock()
	b, err := sv.snapshot()
	if err != nil {
		return err
	}
	return writeFileAtomic(sv.path, b)
}

// snapshot is the state file's bytes: every store and the history at one
// moment (no change is half made while it runs; see Server.mutate).
func (sv *saver) snapshot() ([]byte, error) {
	sv.s.mutate.Lock()
	defer sv.s.mutate.Unlock()
	hist, err := json.Marshal(sv.s.stats.history())
	if err != nil {
		return nil, fmt.Errorf("save state: %w", err)
	}
	b := sv.buf[:0]
	defer func() { sv.buf = b[:0] }()
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, stateVersion, 10)
	b = append(b, `,"history":`...)
	b = append(b, hist...)
	b = append(b, `,"apis":{`...)
	for i, name := range sv.s.order {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, name)
		b = append(b, ':')
		if ap, ok := sv.s.apis[name].(appender); ok {
			if b, err = ap.appendSnapshot(b); err != nil {
				return nil, fmt.Errorf("save state: %s: %w", name, err)
			}
			continue
		}
		raw, err := sv.snapshotOf(name)
		if err != nil {
			return nil, fmt.Errorf("save state: %s: %w", name, err)
		}
		b = append(b, raw...)
	}
	return append(b, "}}"...), nil
}

// writeFileAtomic writes b to path atomically, mode 0600 (the state holds
// session tokens).
func writeFileAtomic(path string, b []byte) error {
	if err := atomicfile.WriteBytes(path, atomicfile.Secret, b); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}
