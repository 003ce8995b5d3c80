// Package ccai is the adapter for the CCAI Platform's job-based Bulk User
// Management API: an HTTP client, the ccai file schema (built from the live
// template), a reader for the vendor's JSON template files, and the
// sync.BatchWriter the engine drives (one job per batch).
package ccai

// Every endpoint path and field name of the API lives in this file, so a
// change on the vendor's side is a change here. Paths are relative to the
// base URL https://{subdomain}.{domain}/apps/api/v1; the subdomain (the
// tenant) is also the Basic-auth username and the api_user token the
// password. README.md says which entries the vendor documents and which are
// assumed.
const (
	apiPrefix = "/apps/api/v1" // documented

	pathTemplate     = "bulk/users/template"       // documented: GET → [user with every role and team]
	pathUpload       = "bulk/users/upload"         // documented: POST multipart file → job; PUT with id replaces its file
	pathProceed      = "bulk/users/proceed"        // documented: POST {"id"} starts a valid_scheme job
	pathJobs         = "bulk/users/jobs"           // documented: GET, paged, newest first
	pathJob          = "bulk/users/jobs/"          // documented: + {id}
	pathSchemeErrors = "bulk/users/errors/scheme/" // documented: + {id}
	pathUpdateErrors = "bulk/users/errors/update/" // documented: + {id}
	pathUsers        = "users"                     // assumed: ?page=N&per_page=M (M ≤ 1000), array of users
	pathLocations    = "locations"                 // assumed: [{"id","name"}]; 404 leaves locations unchecked
	multipartFile    = "file"                      // documented: the upload's JSON file part
	multipartJobID   = "id"                        // documented: the job to replace (PUT)
	queryPage        = "page"                      // assumed (users listing; the jobs list uses the same)
	queryPerPage     = "per_page"                  // assumed
	headerTotal      = "Total"                     // documented for the jobs list
	headerPerPage    = "Per-Page"                  // documented for the jobs list
	maxPerPage       = 1000                        // assumed maximum of per_page
	documentedRate   = 10                          // documented: requests per second per customer
)

// Field names of a user in the JSON file, the template and the users
// listing (documented). They are also the csvfile.Field keys and the
// sync.User Fields/Lists keys, as the team's contract says.
const (
	FieldEmail               = "email"
	FieldNewEmail            = "new_email"
	FieldAgentNumber         = "agent_number"
	FieldFirstName           = "first_name"
	FieldLastName            = "last_name"
	FieldStatus              = "status"
	FieldLocation            = "location"
	FieldMaxChatLimit        = "max_chat_limit"
	FieldMaxChatLimitEnabled = "max_chat_limit_enabled"
	FieldRoles               = "roles" // [{"name","value"}]: 1 assign, 0 remove, empty leave
	FieldTeams               = "teams" // same shape as roles
	fieldID                  = "id"    // assumed: the users listing carries the user's id
	fieldName                = "name"
	fieldValue               = "value"
)

// Status values of a user (documented).
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// Job statuses (documented): created → valid_scheme | invalid_scheme →
// in_progress → completed.
const (
	JobCreated       = "created"
	JobValidScheme   = "valid_scheme"
	JobInvalidScheme = "invalid_scheme"
	JobInProgress    = "in_progress"
	JobCompleted     = "completed"
)

// Error types of the update error log (documented).
const (
	errorTypeWarning = "warning"
	errorTypeError   = "error"
)
