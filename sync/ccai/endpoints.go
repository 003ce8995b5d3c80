// Package ccai is the adapter for the CCAI Platform's job-based Bulk User
// Management API: an HTTP client, the ccai file schema (built from the live
// template), a reader for the vendor's JSON template files, and the
// sync.BatchWriter the engine drives (one job per batch). Existing users
// come from the Manager API's agents endpoint.
package ccai

import "usersync/sync"

// Every endpoint path and field name of the API lives in this file, so a
// change on the vendor's side is a change here. Both APIs share the host
// https://{subdomain}.{domain}; the subdomain (the tenant) is also the
// Basic-auth username and the api_user token the password. Each endpoint
// says whether the vendor documents it or it is assumed, and which page
// says so; README.md prints the same table.

// The vendor's pages the table cites.
const (
	docBulkAPI    = "https://cloud.google.com/contact-center/ccai-platform/docs/bulk-user-management-api"
	docBulkApps   = "https://cloud.google.com/contact-center/ccai-platform/docs/apps-api-bulk-user-management"
	docAgents     = "https://cloud.google.com/contact-center/ccai-platform/docs/manager-api-agent"
	docManager    = "https://cloud.google.com/contact-center/ccai-platform/docs/manager-api"
	docAppsAPI    = "https://cloud.google.com/contact-center/ccai-platform/docs/apps-api"
	docNone       = "none: not in the vendor's pages"
	documented    = "documented"
	assumed       = "assumed"
	apiPrefix     = "/apps/api/v1"    // documented (Apps API, Manager API "Base URL")
	managerPrefix = "/manager/api/v1" // documented (Manager API; the agents page)
)

// Endpoint is one request the client makes. Path is relative to the API's
// base (Apps: {host}/apps/api/v1/, Manager: {host}/manager/api/v1/); {id}
// is a job id. Answer is what the adapter reads of the answer: the fields
// it needs and the documented ones it reads past (`usersync check`
// compares the live answer with it).
type Endpoint struct {
	Name    string
	Method  string
	Manager bool // the Manager API, not the Apps API
	Path    string
	Status  string // documented or assumed
	Source  string // the vendor page that documents it
	Note    string
	Answer  sync.Shape
}

func fields(kinds ...string) []sync.FieldShape {
	out := make([]sync.FieldShape, 0, len(kinds)/2)
	for i := 0; i+1 < len(kinds); i += 2 {
		out = append(out, sync.FieldShape{Name: kinds[i], Kind: kinds[i+1]})
	}
	return out
}

// The answers' shapes, from the vendor's pages.
var (
	jobShape = sync.Shape{Object: true, Fields: fields("id", "scalar", "status", "string", "filename", "string"),
		Known: []string{"created_at", "total_rows", "affected_rows", "failed_rows", "scheme_errors", "update_errors",
			"process_requested_at", "uploaded_user_name", "proceed_user_name"}}
	logShape = sync.Shape{Fields: fields("message", "any", "row", "any"), Known: []string{"column", "error_type"}}
)

// The endpoints.
var (
	epTemplate = Endpoint{"user template", "GET", false, "bulk/users/template", documented, docBulkAPI,
		`→ [user] carrying every role and team as {"name","value"}`,
		sync.Shape{Fields: fields(FieldEmail, "string", FieldFirstName, "string", FieldLastName, "string", FieldRoles, "objects", FieldTeams, "objects"),
			Known: []string{FieldNewEmail, FieldAgentNumber, FieldStatus, FieldLocation, FieldMaxChatLimit, FieldMaxChatLimitEnabled}}}
	epUpload = Endpoint{"upload a batch", "POST", false, "bulk/users/upload", documented, docBulkAPI,
		`multipart "file" → {"id","status":"created","link"}; the Link header and link say users_jobs/, the status path is users/jobs/ (followed when on this host)`,
		sync.Shape{Object: true, Fields: fields("id", "scalar"), Known: []string{"status", "link"}}}
	epReplace = Endpoint{"replace a job's file", "PUT", false, "bulk/users/upload", documented, docBulkAPI,
		`multipart "file" + "id" of a job that has not started`, sync.Shape{Object: true, Fields: fields("id", "scalar"), Known: []string{"status", "link"}}}
	epProceed = Endpoint{"start a job", "POST", false, "bulk/users/proceed", documented, docBulkAPI,
		`{"id"} → {"id","status":"valid_scheme"}; the page prints the path without apps/api`, sync.Shape{}}
	epJob = Endpoint{"job status", "GET", false, "bulk/users/jobs/{id}", documented, docBulkAPI,
		"→ id, created_at, filename, total_rows, affected_rows, failed_rows, status, … (process_requested_at, uploaded_user_name, proceed_user_name and more are read past); only the five statuses are documented",
		jobShape}
	epJobs = Endpoint{"job list", "GET", false, "bulk/users/jobs", documented, docBulkAPI,
		"newest first, Link, Total and Per-Page headers; the page and per_page parameters are assumed",
		sync.Shape{Fields: jobShape.Fields, Known: jobShape.Known}}
	epSchemeErrors = Endpoint{"scheme error log", "GET", false, "bulk/users/errors/scheme/{id}", documented, docBulkApps,
		`→ [{"message","column","row"}]; row may be null; the page prints the path without apps/api`, logShape}
	epUpdateErrors = Endpoint{"update error log", "GET", false, "bulk/users/errors/update/{id}", documented, docBulkApps,
		`→ [{"message","column","row","error_type"}]; row may be null; the page prints the path without apps/api`, logShape}
	epAgents = Endpoint{"agents (existing users)", "GET", true, "agents", documented, docAgents,
		"?page=N&per=M (page from 1) → [agent]: id, email, first_name, middle_name, last_name, agent_number, location, roles (names), teams ({id,name,…}), status (presence, not the account's status); filters id[] and agent_number[]",
		sync.Shape{Fields: fields(fieldID, "scalar", FieldEmail, "string", FieldFirstName, "string", FieldLastName, "string",
			FieldAgentNumber, "scalar", FieldLocation, "string", FieldRoles, "list", FieldTeams, "list"),
			Known: []string{"created_at", "last_login_time", fieldMiddleName, "avatar_url", FieldStatus, "status_updated_at",
				"crm_authenticated", "online", "wrap_up", "call_count", "chat_count", "channels"}}}
	epLocations = Endpoint{"locations", "GET", false, "locations", assumed, docNone,
		`→ [{"id","name"}]; a 404 leaves locations unchecked before upload (the scheme check still checks them)`,
		sync.Shape{Fields: fields(fieldName, "string"), Known: []string{fieldID}}}
)

// Endpoints lists every endpoint, for the README and `usersync check`.
var Endpoints = []Endpoint{epTemplate, epUpload, epReplace, epProceed, epJob, epJobs,
	epSchemeErrors, epUpdateErrors, epAgents, epLocations}

// Query parameters and headers.
const (
	queryPage      = "page"     // documented for agents (from 1); assumed for the jobs list
	queryPer       = "per"      // documented for agents
	queryPerPage   = "per_page" // assumed for the jobs list
	headerTotal    = "Total"    // documented for the jobs list
	headerPerPage  = "Per-Page" // documented for the jobs list
	defaultPer     = 500        // agents asked per page; a server that caps lower is read to the end all the same
	documentedRate = 10         // documented (Manager API, Apps API): requests per second per customer
	multipartFile  = "file"     // documented: the upload's JSON file part
	multipartJobID = "id"       // documented: the job to replace (PUT)
)

// Field names of a user in the JSON file, the template and the agents
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
	FieldRoles               = "roles" // template and upload: [{"name","value"}] (1 assign, 0 remove, empty leave); agents: names
	FieldTeams               = "teams" // template and upload: as roles; agents: [{"id","name",…}]
	fieldID                  = "id"
	fieldName                = "name"
	fieldValue               = "value"
	fieldMiddleName          = "middle_name" // agents (documented); not a field of the upload
)

// notListed are the upload's fields the agents endpoint does not carry
// (its status is the agent's presence), so a read-back cannot check them
// and a plan cannot know their current values.
var notListed = []string{FieldStatus, FieldMaxChatLimit, FieldMaxChatLimitEnabled, FieldNewEmail}

// Status values of a user (documented).
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// Job statuses (documented): created → valid_scheme | invalid_scheme →
// in_progress → completed. Anything else stops the run resumably.
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
