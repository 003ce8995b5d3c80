package sync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// waitTurn holds a request until the gate is open, any shared 429 pause is
// over and the rate limiter allows it.
func (a *applier) waitTurn(ctx context.Context) error {
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
	if a.limiter != nil {
		return a.limiter.Wait(ctx)
	}
	return ctx.Err()
}

// call runs one request with the retry policy: retryable errors back off
// exponentially with jitter (Retry-After honoured, and shared by every
// worker after a 429); a 401 logs in again when the caller can, else stops
// the run resumably. A 429 costs no try (up to maxRateLimited of them): the
// server answers it before acting, so waiting it out is always safe, and a
// rate-limit storm must slow the run, not fail its rows. ambiguous reports
// whether an earlier try failed in a way that may have reached the server
// (so a later 409 is our own create).
func (a *applier) call(ctx context.Context, fn func(context.Context) error) (ambiguous bool, err error) {
	tries, limited := 0, 0
	for {
		if err := a.waitTurn(ctx); err != nil {
			return ambiguous, err
		}
		a.mu.Lock()
		gen := a.loginGen
		a.mu.Unlock()
		err = fn(ctx)
		if ctx.Err() != nil {
			return ambiguous || err != nil, err
		}
		a.health(err)
		if err == nil {
			return ambiguous, nil
		}
		var se *Error
		if !errors.As(err, &se) {
			return ambiguous, err
		}
		if se.Kind == KindUnauthorized {
			if a.relogin(ctx, gen) {
				continue
			}
			a.stop("the session expired or was revoked: log in again (usersync login)")
			return ambiguous, err
		}
		var wait time.Duration
		if se.Kind == KindServer || se.Kind == KindNetwork {
			ambiguous = true // it may have reached the server and done its work
		}
		switch {
		case se.Kind == KindRateLimited && limited < maxRateLimited:
			limited++
			wait = backoff(min(limited, 4))
		case !se.Retryable():
			return ambiguous, err
		default:
			tries++
			if tries >= a.opts.MaxTries {
				return ambiguous, err
			}
			wait = backoff(tries)
			a.mu.Lock()
			a.retries++
			a.lastErr = se.Error()
			a.mu.Unlock()
			a.emit(Event{})
		}
		if se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		if se.Kind == KindRateLimited {
			a.mu.Lock()
			now := time.Now()
			pausing := !now.Before(a.notBefore) // say so once per pause, not once per worker
			if until := now.Add(wait); until.After(a.notBefore) {
				a.notBefore = until
			}
			a.mu.Unlock()
			if pausing {
				a.emit(Event{Note: fmt.Sprintf("rate limited: waiting %s", wait.Round(100*time.Millisecond))})
			}
		}
		if err := Sleep(ctx, wait); err != nil {
			return ambiguous, err
		}
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

// relogin renews the session once per generation: the first worker to see
// a 401 logs in, the others retry with the new token.
func (a *applier) relogin(ctx context.Context, gen int) bool {
	if a.opts.Relogin == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loginGen != gen {
		return true // someone else already logged in again
	}
	if a.relogins >= maxRelogins {
		return false
	}
	a.relogins++
	if err := a.opts.Relogin(ctx); err != nil {
		return false
	}
	a.loginGen++
	go a.emit(Event{Note: "logged in again"})
	return true
}

func backoff(attempt int) time.Duration {
	d := backoffBase << (attempt - 1)
	if d > backoffMax || d <= 0 {
		d = backoffMax
	}
	// Full jitter keeps retrying workers from marching in step.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Sleep waits d or until ctx is done, whichever is first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
