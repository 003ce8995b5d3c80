package sync

import (
	"context"
	gosync "sync"
)

// Gate pauses and resumes workers between requests; a request already sent
// finishes. The zero value is open.
type Gate struct {
	mu     gosync.Mutex
	closed chan struct{} // non-nil while paused; closed on resume
}

// NewGate returns an open gate.
func NewGate() *Gate { return &Gate{} }

// Pause holds workers at their next request.
func (g *Gate) Pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed == nil {
		g.closed = make(chan struct{})
	}
}

// Resume lets held workers go on.
func (g *Gate) Resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
}

// Paused reports whether the gate holds workers.
func (g *Gate) Paused() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed != nil
}

// Wait returns when the gate is open or ctx is done.
func (g *Gate) Wait(ctx context.Context) error {
	if g == nil {
		return ctx.Err()
	}
	g.mu.Lock()
	ch := g.closed
	g.mu.Unlock()
	if ch == nil {
		return ctx.Err()
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
