package sync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Policy is how a request that fails is tried again. There is one policy
// and one loop (Retry): the engine runs it around each write, the adapters
// around each read and job step, and a Retry inside another only sends
// once, so exactly one layer retries any request.
type Policy struct {
	// MaxTries bounds the tries of a request that fails retryably (a 5xx,
	// no answer; a 429 past MaxRateLimited). 1 sends it once.
	MaxTries int
	// MaxRateLimited is how many 429s are waited out before one costs a
	// try: the server answers a 429 before acting, so waiting it out is
	// always safe, and a rate-limit storm must slow a run, not fail it.
	MaxRateLimited int
	// Base and Max bound the backoff: doubling from Base to Max, with
	// jitter, or the server's Retry-After when longer.
	Base, Max time.Duration
	// MaxWait is the longest Retry-After waited out (default 5 min).
	MaxWait time.Duration

	run   *applier // inside a run: its pause, health and re-login
	paced bool     // the run's rate limit applies (its writes; not reads and polls)
}

// DefaultPolicy is the policy of a run and of reads that name no other.
func DefaultPolicy() Policy {
	return Policy{MaxTries: DefaultMaxTries, MaxRateLimited: maxRateLimited, Base: backoffBase, Max: backoffMax, MaxWait: maxRetryAfter}
}

// Tries is the policy with at most n tries of every request (a 429
// included); n <= 0 keeps the default.
func Tries(n int) Policy {
	p := DefaultPolicy()
	if n > 0 {
		p.MaxTries, p.MaxRateLimited = n, 0
	}
	return p
}

// ProbePolicy is a probe's (usersync check): it waits out a 429 (twice at
// most, and no Retry-After past a few seconds, so its waits end well
// within ProbeReadTimeout: a busy tenant is said at once, not waited on
// for minutes an endpoint) and tries a failed read once more, soon, so a
// blip is not taken for the API; what the server answers then is the
// finding (Probe.Silent stops the rest).
var ProbePolicy = Policy{MaxTries: 2, MaxRateLimited: 2, Base: 250 * time.Millisecond, Max: time.Second, MaxWait: 3 * time.Second}

type policyKey struct{}
type tryingKey struct{}

// WithPolicy returns ctx carrying p: every Retry under it uses p instead of
// the policy it is given (a run hands its own to the target's reads).
func WithPolicy(ctx context.Context, p Policy) context.Context {
	return context.WithValue(ctx, policyKey{}, p)
}

// Retry runs fn, and again while it fails in a way p says to retry: each
// error must be an *Error (others are final). Under another Retry it runs
// fn once: the outer one retries.
func Retry(ctx context.Context, p Policy, fn func(context.Context) error) error {
	_, err := retry(ctx, p, fn)
	return err
}

// retry is Retry that also reports whether an earlier try failed in a way
// that may have reached the server (so a later 409 is our own create).
func retry(ctx context.Context, p Policy, fn func(context.Context) error) (ambiguous bool, err error) {
	if ctx.Value(tryingKey{}) != nil {
		return false, fn(ctx)
	}
	if q, ok := ctx.Value(policyKey{}).(Policy); ok && p.run == nil {
		p = q // an adapter's request inside a run: the run's policy
	}
	p = p.normalized()
	inner := context.WithValue(ctx, tryingKey{}, true)
	run := p.run
	tries, limited := 0, 0
	for {
		gen := 0
		if run != nil {
			if err := run.waitTurn(ctx, p.paced); err != nil {
				return ambiguous, err
			}
			gen = run.login.generation()
		}
		err = fn(inner)
		if ctx.Err() != nil {
			return ambiguous || err != nil, err
		}
		if run != nil {
			run.health(err)
		}
		if err == nil {
			return ambiguous, nil
		}
		var se *Error
		if !errors.As(err, &se) {
			return ambiguous, err
		}
		if se.Kind == KindUnauthorized {
			if run == nil {
				return ambiguous, err
			}
			if run.login.renew(ctx, gen) {
				continue
			}
			run.stop(orText(run.opts.SignInAgain, SignInAgain))
			return ambiguous, err
		}
		if se.Kind == KindServer || se.Kind == KindNetwork {
			ambiguous = true // it may have reached the server and done its work
		}
		var wait time.Duration
		switch {
		case se.Kind == KindRateLimited && limited < p.MaxRateLimited:
			limited++
			wait = p.backoff(min(limited, 4))
		case !se.Retryable():
			return ambiguous, err
		default:
			tries++
			if tries >= p.MaxTries {
				return ambiguous, err
			}
			wait = p.backoff(tries)
			if run != nil {
				run.retried(se)
			}
		}
		if se.RetryAfter > p.MaxWait {
			// A server asking for hours is not waited on: the run stops
			// resumably (a read outside one fails) and says for how long.
			if run != nil {
				run.stop(fmt.Sprintf("the server asked to wait %s before the next request (more than %s); nothing more was sent",
					se.RetryAfter.Round(time.Second), p.MaxWait))
			}
			return ambiguous, err
		}
		wait = max(wait, se.RetryAfter)
		if se.Kind == KindRateLimited && run != nil {
			run.pauseAll(wait)
		}
		if err := Sleep(ctx, wait); err != nil {
			return ambiguous, err
		}
	}
}

func (p Policy) normalized() Policy {
	d := DefaultPolicy()
	if p.MaxTries <= 0 {
		p.MaxTries = d.MaxTries
	}
	if p.Base <= 0 {
		p.Base = d.Base
	}
	if p.MaxWait <= 0 {
		p.MaxWait = d.MaxWait
	}
	if p.Max < p.Base {
		p.Max = max(d.Max, p.Base)
	}
	return p
}

// backoff is the wait before try attempt+1.
func (p Policy) backoff(attempt int) time.Duration {
	d := p.Base << (attempt - 1)
	if d > p.Max || d <= 0 {
		d = p.Max
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

func orText(s, otherwise string) string {
	if s != "" {
		return s
	}
	return otherwise
}
