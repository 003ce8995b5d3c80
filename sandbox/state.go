package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	gosync "sync"
	"time"
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

// saver writes the state soon after a change, at most every debounce.
type saver struct {
	s     *Server
	path  string
	dirty chan struct{}
	mu    gosync.Mutex // one save at a time
}

const saveDebounce = 100 * time.Millisecond

func newSaver(s *Server, path string) *saver {
	return &saver{s: s, path: path, dirty: make(chan struct{}, 1)}
}

func (sv *saver) kick() {
	select {
	case sv.dirty <- struct{}{}:
	default:
	}
}

func (sv *saver) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sv.dirty:
		}
		select {
		case <-ctx.Done():
			return // Close saves last
		case <-time.After(saveDebounce):
		}
		if err := sv.save(); err != nil {
			sv.s.opts.Log.Printf("sandbox: %v", err)
		}
	}
}

// save writes the whole store to a temporary file beside path and renames
// it over path, so a crash leaves the old state or the new, never half.
func (sv *saver) save() error {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	sf := stateFile{Version: stateVersion, History: sv.s.stats.history(), APIs: map[string]json.RawMessage{}}
	for _, name := range sv.s.order {
		raw, err := sv.s.apis[name].snapshot()
		if err != nil {
			return fmt.Errorf("save state: %s: %w", name, err)
		}
		sf.APIs[name] = raw
	}
	b, err := json.Marshal(sf)
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return writeFileAtomic(sv.path, b)
}

// writeFileAtomic writes b to path through a synced temporary file and a
// rename, mode 0600 (the state holds session tokens).
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
