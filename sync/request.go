package sync

import (
	"context"
	"errors"
	"fmt"
	gosync "sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// The run's side of the retry policy (retry.go): what every try waits for,
// what each answer says about the server, and the one re-login flow.

// waitTurn holds a request until the gate is open, any shared 429 pause is
// over and, when paced, the rate limiter allows it.
func (a *applier) waitTurn(ctx context.Context, paced bool) error {
	if a.opts.Gate != nil && a.opts.Gate.Paused() {
		a.emit(Event{Note: "paused"})
		if err := a.opts.Gate.Wait(ctx); err != nil {
			return err
		}
	}
	a.mu.Lock()
	wait := time.Until(a.notBefore)
	a.mu.Unlock()
	if wait > 0 {
		if err := Sleep(ctx, wait); err != nil {
			return err
		}
	}
	if paced && a.limiter != nil {
		return a.limiter.Wait(ctx)
	}
	return ctx.Err()
}

// call runs one request with the run's policy: retryable errors back off
// exponentially with jitter (Retry-After honoured, and shared by every
// worker after a 429); a 401 logs in again when the caller can, else stops
// the run resumably. ambiguous reports whether an earlier try failed in a
// way that may have reached the server (so a later 409 is our own create).
func (a *applier) call(ctx context.Context, fn func(context.Context) error) (ambiguous bool, err error) {
	p := a.policy()
	p.paced = true // --rate paces the run's writes
	return retry(ctx, p, fn)
}

// policy is the run's retry policy; the run's context carries it to the
// target, whose reads and job steps then retry by it too.
func (a *applier) policy() Policy {
	p := DefaultPolicy()
	p.MaxTries, p.run = a.opts.MaxTries, a
	return p
}

// retried counts a try that failed and is tried again, for progress.
func (a *applier) retried(se *Error) {
	a.mu.Lock()
	a.retries++
	a.lastErr = se.Error()
	a.mu.Unlock()
	a.emit(Event{})
}

// pauseAll holds every worker for wait after a 429, and says so once per
// pause, not once per worker.
func (a *applier) pauseAll(wait time.Duration) {
	a.mu.Lock()
	now := time.Now()
	pausing := !now.Before(a.notBefore)
	if until := now.Add(wait); until.After(a.notBefore) {
		a.notBefore = until
	}
	a.mu.Unlock()
	if pausing {
		a.emit(Event{Note: fmt.Sprintf("rate limited: waiting %s", wait.Round(100*time.Millisecond))})
	}
}

// health notes each answer. A server that stops answering (DeadFailures
// network failures in a row, or DeadAfter without an answer while requests
// fail) stops the run resumably instead of failing row after row.
func (a *applier) health(err error) {
	var se *Error
	failing := errors.As(err, &se) && (se.Kind == KindNetwork || se.Kind == KindServer)
	a.mu.Lock()
	now := time.Now()
	switch {
	case !failing:
		a.netFails, a.lastOK = 0, now // any answer, even a refusal, is the server answering
	case se.Kind == KindNetwork:
		a.netFails++
	}
	fails, quiet := a.netFails, now.Sub(a.lastOK)
	a.mu.Unlock()
	switch {
	case !failing:
	case fails >= a.opts.DeadFailures:
		a.stop(fmt.Sprintf("the server stopped answering (%d requests in a row could not reach it); nothing more was sent", fails))
	case quiet >= a.opts.DeadAfter:
		a.stop(fmt.Sprintf("the server stopped answering (no success for %s); nothing more was sent", quiet.Round(time.Second)))
	}
}

// session renews the credentials after a 401 as one flow: the first
// request to meet it asks (ApplyOptions.Relogin, which may wait for the
// operator), requests meeting a 401 meanwhile wait for that answer instead
// of asking again, and a request sent with the old token tries again with
// the new one. It holds no lock of the engine while it waits, so the other
// workers and the progress events go on.
type session struct {
	login  func(context.Context) error // nil: a 401 is final
	done   func()                      // after a renewal
	flight singleflight.Group

	mu    gosync.Mutex
	gen   int // renewals so far: a request remembers the one it was sent under
	asked int
}

func (s *session) generation() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// renew reports whether a request sent under generation gen may be tried
// again: someone logged in again since, or this call did.
func (s *session) renew(ctx context.Context, gen int) bool {
	if s.login == nil {
		return false
	}
	v, _, _ := s.flight.Do("login", func() (any, error) {
		s.mu.Lock()
		switch {
		case s.gen != gen:
			s.mu.Unlock()
			return true, nil // a flight that ended just before renewed it
		case s.asked >= maxRelogins:
			s.mu.Unlock()
			return false, nil
		}
		s.asked++
		s.mu.Unlock()
		if err := s.login(ctx); err != nil {
			return false, nil
		}
		s.mu.Lock()
		s.gen++
		s.mu.Unlock()
		if s.done != nil {
			s.done()
		}
		return true, nil
	})
	return v.(bool)
}
