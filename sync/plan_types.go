package sync

import (
	"context"
	"time"
)

// Action is what the plan does with one row or user.
type Action string

const (
	Create     Action = "create"
	Update     Action = "update"
	Unchanged  Action = "unchanged"
	Skip       Action = "skip"
	Deactivate Action = "deactivate" // users not in the file, with --deactivate-missing
)

// PlanOptions are the operator's choices that shape a plan.
type PlanOptions struct {
	// Replace makes list fields exactly what the file says; otherwise they
	// gain what the file names and lose nothing. Blank cells always leave a
	// field as it is.
	Replace bool `json:"replace"`
	// DeactivateMissing deactivates existing users the file does not name,
	// refusing when that is more than MaxDeactivate users (default 10).
	DeactivateMissing bool `json:"deactivate_missing"`
	MaxDeactivate     int  `json:"max_deactivate"`
	// Mail sends the registration mail on create (the vendor's default).
	Mail bool `json:"mail"`
	// Exclude lists rows (file row indexes) the operator chose to leave out.
	Exclude []int `json:"exclude,omitempty"`
	// Why says, by row index, why a row of Exclude is left out, in the
	// words of the front end that left it out (render.Excluded,
	// render.Deleted): a row excluded from this import and a row deleted
	// from the file are both left out, but they are not the same decision.
	// The plan's reasons, its JSON, the run's record and report, and a
	// resume all say it. A row it does not name says LeftOut.
	Why map[int]string `json:"why,omitempty"`
	// Bulk sends every user in one replace (coursedog: GET all → merge →
	// one PUT); BatchSize is rows per job for batch targets (default 500).
	// They are decisions of the plan like the others: a saved plan and a
	// run's record carry them, and a resume keeps them.
	Bulk      bool `json:"bulk,omitempty"`
	BatchSize int  `json:"batch_size,omitempty"`
}

// Change is one field that an update alters. Lists are shown joined with ", ".
type Change struct {
	Field  string `json:"field"`  // the field key
	Header string `json:"header"` // the field's header, for people
	Old    string `json:"old"`
	New    string `json:"new"`
}

// PlanRow is the plan for one file row (Row ≥ 0) or, for a deactivation, one
// existing user the file does not name (Row = -1, Line = 0).
type PlanRow struct {
	Row     int      `json:"row"`
	Line    int      `json:"line"`
	Email   string   `json:"email"`
	Action  Action   `json:"action"`
	Changes []Change `json:"changes,omitempty"`
	Reasons []string `json:"reasons,omitempty"` // why a row is skipped
	Mail    bool     `json:"mail,omitempty"`    // a create that sends a registration mail
	// Deactivation marks a row whose purpose is to deactivate its user (a
	// user the file does not name, with deactivate-missing, or one a
	// rollback undoes the creation of). It is kept apart from Action, which
	// is re-decided against the user as it is now: only these rows may ever
	// become deactivations.
	Deactivation bool `json:"deactivation,omitempty"`
	// Desired is what the file says (blank cells absent); Old is the user as
	// it existed and New what the write sends. Resume and 409 recovery decide
	// again from Desired against a fresher user.
	Desired *User `json:"desired,omitempty"`
	Old     *User `json:"old,omitempty"`
	New     *User `json:"new,omitempty"`
	// Done carries a row's outcome from an earlier run (a retry of the
	// failed rows keeps the others as they ended).
	Done *Outcome `json:"done,omitempty"`
	// StaysInactive marks a file row whose user is Inactive on the server
	// and stays so, because the row sets no status (what a file does not
	// say is left as it is): after a rollback, say, it matches the file
	// yet is not back. Plans, runs and reports say so, never a plain
	// "unchanged".
	StaysInactive bool `json:"stays_inactive,omitempty"`
}

// Counts tallies plan actions or apply outcomes.
type Counts struct {
	Create     int `json:"create"`
	Update     int `json:"update"`
	Unchanged  int `json:"unchanged"`
	Skip       int `json:"skip"`
	Deactivate int `json:"deactivate"`
	Failed     int `json:"failed"`            // apply only
	Pending    int `json:"pending,omitempty"` // apply only: not sent before an interruption
	Mails      int `json:"mails"`             // registration mails (to be) sent
	// Inactive counts the file's users that are Inactive on the server and
	// stay so (PlanRow.StaysInactive), unchanged or updated: a count across
	// the others, not one more outcome.
	Inactive int `json:"inactive,omitempty"`
}

// Writes is the number of user writes the counts stand for.
func (c Counts) Writes() int { return c.Create + c.Update + c.Deactivate }

// Plan is what an apply will do, computed before anything is sent. A saved
// plan carries fingerprints of the file and of the users it saw, so a stale
// plan is refused rather than applied.
type Plan struct {
	Target          string `json:"target"`
	Mode            string `json:"mode"` // "merge" or "replace"
	File            string `json:"file"`
	FileRows        int    `json:"file_rows"`
	FileFingerprint string `json:"file_fingerprint"`
	// FileDigest is the SHA-256 of the file's bytes when planned: applying
	// a saved plan whose file changed or vanished since is refused.
	FileDigest       string      `json:"file_digest,omitempty"`
	UsersFingerprint string      `json:"users_fingerprint"`
	ExistingUsers    int         `json:"existing_users"`
	CreatedAt        time.Time   `json:"created_at"`
	Options          PlanOptions `json:"options"`
	Counts           Counts      `json:"counts"`
	// Headers names each field key for people (from the schema).
	Headers map[string]string `json:"headers"`
	Rows    []PlanRow         `json:"rows"`
	// A rollback plan: the journals of the import it undoes, and what it
	// could not establish (a damaged journal), for people.
	Undoes []string `json:"undoes,omitempty"`
	Doubts []string `json:"doubts,omitempty"`
	// Notes are what a person is told about the plan beyond its counts
	// (sync/render's words: users that stay Inactive, say); the command
	// line's --json fills them, so a script reads what a person reads.
	Notes []string `json:"notes,omitempty"`
}

// Outcome is what became of one plan row.
type Outcome struct {
	Row     int    `json:"row"`
	Line    int    `json:"line"`
	Email   string `json:"email"`
	Action  Action `json:"action"`
	Result  Result `json:"outcome"`
	Status  int    `json:"http_status,omitempty"`
	Column  string `json:"column,omitempty"` // the file column an error concerns, when known
	Message string `json:"message,omitempty"`
	// StaysInactive: the row's user is Inactive on the server and the
	// file left it so (PlanRow.StaysInactive).
	StaysInactive bool `json:"stays_inactive,omitempty"`
}

// Result is the end state of one row.
type Result string

const (
	Created     Result = "created"
	Updated     Result = "updated"
	Same        Result = "unchanged"
	Skipped     Result = "skipped"
	Failed      Result = "failed"
	Deactivated Result = "deactivated"
	// Pending marks a row an interrupted apply did not finish; running the
	// same command again resumes it.
	Pending Result = "pending"
)

// ApplyOptions control how a plan is carried out.
type ApplyOptions struct {
	Concurrency int     // workers for per-user targets (default 4)
	Rate        float64 // writes per second across workers; 0 = unlimited
	MaxTries    int     // per request, for retryable errors (default 6)
	// A server that stops answering stops the run resumably: after
	// DeadFailures network failures in a row (default 20), or DeadAfter
	// without a success while requests fail (default 30 s).
	DeadFailures int
	DeadAfter    time.Duration

	JournalPath string // the run's record and write-ahead journal; resume reads it
	// Run is the journal already opened (and locked) by the caller, who
	// closes it; nil opens JournalPath.
	Run        *RunFile
	BackupPath string // the existing users, written before the first write
	ReportPath string // CSV report; a JSON twin is written beside it (.json)
	// FreshReport says ReportPath is a name made up for the run (a default,
	// with the time to the second): the run never writes over a report
	// there, but takes the first free of PATH, PATH-2, PATH-3, … (CSV and
	// twin alike), created exclusively. Run.ReportPath says which.
	FreshReport bool

	// Relogin, when set, is called after a 401 to renew credentials (the
	// TUI can ask), never twice at once and at most three times a run:
	// requests meeting a 401 while it runs wait for its answer, the rest of
	// the run goes on (no engine lock is held). Without it, or when it
	// fails, a 401 stops the run resumably.
	Relogin func(ctx context.Context) error
	// SignInAgain is why a run stopped on refused credentials, and what to
	// do (the target's words, targets.Descriptor.SignInAgain); default the
	// package's SignInAgain.
	SignInAgain string
	// Events receives progress; sends never block (a full channel drops the
	// event, and every event carries complete counts, so nothing is lost).
	Events chan<- Event
	// Rebase decides every row again against the users as they are now,
	// instead of refusing a plan they no longer match. For retries, and for
	// callers that planned a moment ago in the same process.
	Rebase bool
	// Gate, when set, lets the caller pause and resume the workers.
	Gate *Gate
	// NoCanary skips the canary (canary.go): the first create and update
	// sent and read back before anything else is written.
	NoCanary bool
}

// Event is one progress report from Apply.
type Event struct {
	Outcome *Outcome      // the row just finished, if any
	Batch   *BatchEvent   // batch targets: a job changed state
	Counts  Counts        // outcomes so far (Create = created, …)
	Done    int           // writes finished (ok or failed)
	Total   int           // writes planned
	Rate    float64       // writes per second, recent
	ETA     time.Duration // 0 when unknown
	Paused  bool
	Note    string // a line for people: "rate limited, waiting 2s", "logged in again"
	// Retries counts the requests tried again so far (server errors,
	// dropped connections); LastError is the latest error retried, for
	// people, so a run meeting errors shows them before rows fail.
	Retries   int
	LastError string
}

// BatchEvent tells where one job of a batch target is.
type BatchEvent struct {
	Index int    // batch number, from 1
	Of    int    // batches in all
	Rows  int    // rows in the batch
	JobID string // the target's job id
	State string // "uploading", the job's status, "done"
}
