// Package sync is the engine: it plans the difference between a file and the
// users a target already has, applies it (workers, rate limit, retries,
// journal, resume) and reports every row. It never imports the UI and never
// speaks HTTP itself: targets do, behind the interfaces in this file.
package sync

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"usersync/csvfile"
)

// User is a target-neutral user. Fields hold scalar values and Lists hold
// multi-valued fields (products, roles, teams…), both keyed by csvfile.Field.Key.
// Raw keeps the user exactly as the server sent it, so a backup or a bulk
// put-back can return untouched users byte for byte.
type User struct {
	ID     string              `json:"id,omitempty"`
	Email  string              `json:"email"`
	Fields map[string]string   `json:"fields,omitempty"`
	Lists  map[string][]string `json:"lists,omitempty"`
	Raw    json.RawMessage     `json:"raw,omitempty"`
	// Unlisted names the fields the server's listing does not carry (ccai's
	// agents endpoint has no account status), so their value is unknown,
	// not blank: a read-back cannot check them and a rollback cannot
	// restore them.
	Unlisted []string `json:"unlisted,omitempty"`
}

// Target is what every API adapter implements for the engine.
type Target interface {
	// Name is the target's short name: "coursedog" or "ccai".
	Name() string
	// Schema returns the file schema, with allowed values fetched live.
	Schema(ctx context.Context) (*csvfile.Schema, error)
	// ListUsers returns every existing user (all pages).
	ListUsers(ctx context.Context) ([]User, error)
}

// UserWriter is a target that writes one user per request (coursedog).
type UserWriter interface {
	Target
	// Create makes a new user; with mail false no registration mail is sent.
	// An existing email answers an *Error of kind Conflict.
	Create(ctx context.Context, u User, mail bool) (User, error)
	// Update writes new over old (old is what ListUsers returned, so the
	// adapter can keep every field the file does not carry).
	Update(ctx context.Context, old, new User) (User, error)
	// Lookup finds one existing user by email (after a Conflict).
	Lookup(ctx context.Context, email string) (User, error)
}

// Op is one write the plan asks for, as a batch target receives it.
type Op struct {
	Action Action `json:"action"`
	Row    int    `json:"row"`  // index of the row in the file, -1 for users not in it
	Line   int    `json:"line"` // file line, 0 for users not in the file
	Old    *User  `json:"old,omitempty"`
	New    User   `json:"new"`
}

// BatchWriter is a target that writes users in jobs (ccai). SubmitBatch only
// uploads (the job exists but does not run); the engine journals the job id,
// then WaitBatch starts the job if it has not started, follows it to its end
// and fetches its error logs. So a crash between upload and journal leaves a
// job that never runs, and a resumed apply waits on a journaled job instead
// of uploading the batch again.
type BatchWriter interface {
	Target
	SubmitBatch(ctx context.Context, ops []Op) (jobID string, err error)
	// WaitBatch returns one result per op, in the order given; ops are the
	// same ones SubmitBatch received (the engine rebuilds them on resume).
	WaitBatch(ctx context.Context, jobID string, ops []Op) ([]BatchResult, error)
}

// JobWatcher is a BatchWriter that can report each status its jobs pass
// through (the vendor's words), so progress can show them. The hook is
// called on the goroutine running the batch and must not block.
type JobWatcher interface {
	WatchJobs(hook func(jobID, state string))
}

// BatchResult is the outcome of one op inside a job. Column names the file
// column an error concerns, when the target says.
type BatchResult struct {
	Err     error
	Column  string
	Warning string
}

// BulkReplacer is a target that can replace the whole directory in one
// request (coursedog's bulk PUT). It must refuse to send fewer users than
// exist.
type BulkReplacer interface {
	Target
	BulkReplace(ctx context.Context, all []User) error
}

// BulkMailer is a BulkReplacer that can send the registration mail to the
// users a bulk replace creates; the engine turns it on when the plan says so.
type BulkMailer interface {
	SetBulkMail(on bool)
}

// SignInAgain is what the operator is told when the server refuses the
// credentials of a target one signs in to (a KindUnauthorized error: the
// session expired, was revoked, or is not one it issued), wherever that
// happens: before anything is sent or half-way through a run. The command
// line exits 3 on it (run the same command again once signed in: a
// stopped run resumes). A target's descriptor words it for its own
// credential (targets.Descriptor.SignInAgain); ApplyOptions.SignInAgain
// carries it into a run.
const SignInAgain = "the server refused the session (expired, revoked, or not one it issued): log in again (usersync login)"

// Unauthorized reports whether err is the server refusing the credentials.
func Unauthorized(err error) bool {
	var se *Error
	return errors.As(err, &se) && se.Kind == KindUnauthorized
}

// Kind classifies an adapter error so the engine can decide what to retry.
type Kind int

const (
	KindOther        Kind = iota
	KindUnauthorized      // 401: log in again
	KindConflict          // 409: already exists
	KindNotFound          // 404
	KindRejected          // 400/422: the server refused the data; retrying will not help
	KindRateLimited       // 429: wait RetryAfter
	KindServer            // 5xx
	KindNetwork           // connection refused, reset, timeout
	// KindUnexpected: the server answered something the adapter cannot
	// read safely (a job status no vendor page documents). Retrying will
	// not help and guessing could misreport rows, so the run stops
	// resumably and a later run looks again.
	KindUnexpected
)

func (k Kind) String() string {
	return [...]string{"error", "unauthorized", "conflict", "not found", "rejected",
		"rate limited", "server error", "network error", "unexpected answer"}[k]
}

// Error is the one error type adapters return for a failed request. Msg must
// never contain a token or a password.
type Error struct {
	Kind       Kind
	Status     int           // HTTP status, 0 when none arrived
	RetryAfter time.Duration // from Retry-After, when the server sent one
	Op         string        // what was tried: "create jane@example.edu"
	Msg        string        // the server's message, if any
	Err        error         // the cause (network errors)
}

func (e *Error) Error() string {
	s := e.Op
	if s != "" {
		s += ": "
	}
	if e.Status != 0 {
		s += e.Kind.String() + " (HTTP " + strconv.Itoa(e.Status) + ")"
	} else {
		s += e.Kind.String()
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	} else if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying the same request again may succeed.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindRateLimited, KindServer, KindNetwork:
		return true
	}
	return false
}
