// Package coursedog is the adapter for Coursedog's user API: an HTTP client
// (login, users, roles, departments), the token sources and .properties
// file, and the sync.Target the engine drives, one user per request or the
// whole directory in one bulk PUT.
package coursedog

import "usersync/sync"

// Every endpoint path and JSON field name the client uses is in this file.
// Documented: in the vendor's article "Uploading Users in Bulk via API".
// Assumed: needed by any client and not public; the sandbox serves them the
// same way, so a difference on the real server is a change here only.

// Environments (documented).
const (
	StagingURL    = "https://staging.coursedog.com"
	ProductionURL = "https://app.coursedog.com"
)

// Endpoint is one request the client makes.
type Endpoint struct {
	Name       string
	Method     string
	Path       string // relative to the base URL; {school} is the School Unique ID
	Documented bool
	Note       string
	// Answer is what the adapter reads of the answer (`usersync check`
	// compares the live answer with it).
	Answer sync.Shape
}

func fields(kinds ...string) []sync.FieldShape {
	out := make([]sync.FieldShape, 0, len(kinds)/2)
	for i := 0; i+1 < len(kinds); i += 2 {
		out = append(out, sync.FieldShape{Name: kinds[i], Kind: kinds[i+1]})
	}
	return out
}

// userShape is a user as the adapter reads it.
var userShape = sync.Shape{
	Fields: fields(jsonID, "string", jsonEmail, "string", jsonFirstName, "string", jsonLastName, "string",
		jsonProducts, "strings", jsonExternalID, "string", jsonDepartment, "string",
		jsonSecondaryDepartments, "strings", jsonRoles, "strings", jsonStatus, "string"),
	// Read when present: older servers and the vendor's template lack it.
	Known: []string{jsonDefaultProduct, "createdAt", "updatedAt"},
}

// The endpoints. The article misspells production's session path as
// "sessons"; the client uses "sessions" for every environment.
var (
	epLogin = Endpoint{"log in", "POST", "/api/v1/sessions", true,
		`body {"email","plaintextPassword"} (the article) → 201 {"token"}; Coursedog's own public code posts {"email","password"}, so a 400/401/422 is tried once with that; the token lasts 24 h and dies when the same user logs in again`,
		sync.Shape{Object: true, Fields: fields(jsonToken, "string")}}
	epListUsers = Endpoint{"list users", "GET", "/api/v1/{school}/users", false,
		"?skip=N&limit=M → array of users; pages are read until one is shorter than the longest before it (so a server-side cap on limit is harmless)",
		userShape}
	epFindUser = Endpoint{"find a user", "GET", "/api/v1/{school}/users", false,
		"?email=E → the users with that email; if the server ignores the filter, pages are scanned", userShape}
	epCreateUser = Endpoint{"create a user", "POST", "/api/v1/{school}/users", false,
		`201 user; 409 when the email exists; "disableRegistrationMail": true (documented) suppresses the registration mail`,
		sync.Shape{Object: true, Fields: userShape.Fields, Known: userShape.Known}}
	epUpdateUser = Endpoint{"update a user", "PUT", "/api/v1/{school}/users/{id}", false,
		"200 user; a full replace, so the body is the user as read with the changes laid over it",
		sync.Shape{Object: true, Fields: userShape.Fields, Known: userShape.Known}}
	epReplaceAll = Endpoint{"replace all users", "PUT", "/api/v1/{school}/users", false,
		"array of every user; overwrites the whole directory (documented behaviour of the bulk upload)", sync.Shape{}}
	epRoles = Endpoint{"list roles", "GET", "/api/v1/{school}/roles", false,
		`[{"id","name","prebuilt"}]; users carry role IDs, not names (documented)`,
		sync.Shape{Fields: fields(jsonID, "string", jsonRoleName, "string"), Known: []string{jsonRolePrebuilt}}}
	epDepartments = Endpoint{"list departments", "GET", "/api/v1/{school}/departments", false,
		`[{"id","name"}]; users carry the department's name (documented: "a primary department name")`,
		sync.Shape{Fields: fields(jsonRoleName, "string"), Known: []string{jsonID}}}
)

// Endpoints lists every endpoint, for the README and `usersync` help.
var Endpoints = []Endpoint{epLogin, epListUsers, epFindUser, epCreateUser, epUpdateUser, epReplaceAll, epRoles, epDepartments}

// Query parameters (assumed).
const (
	querySkip  = "skip"
	queryLimit = "limit"
	queryEmail = "email"
)

// JSON field names. The user fields are documented as the CSV template's
// columns and assumed as JSON keys; they are also the csvfile.Field keys and
// the sync.User Fields/Lists keys.
const (
	jsonToken                   = "token"             // documented
	jsonEmail                   = "email"             // documented (session and user)
	jsonPlaintextPassword       = "plaintextPassword" // documented (the article)
	jsonPassword                = "password"          // what Coursedog's public code posts
	jsonID                      = "id"                // assumed
	jsonFirstName               = "firstName"
	jsonLastName                = "lastName"
	jsonProducts                = "products" // product keys, not display names (documented)
	jsonExternalID              = "externalId"
	jsonDepartment              = "department"
	jsonSecondaryDepartments    = "secondaryDepartments"
	jsonRoles                   = "roles"                   // role IDs (documented)
	jsonStatus                  = "status"                  // Active | Inactive (admin docs list it as a user field)
	jsonDefaultProduct          = "defaultProduct"          // a product key (admin docs list "Default Product"; the JSON name is assumed)
	jsonDisableRegistrationMail = "disableRegistrationMail" // documented
	jsonRoleName                = "name"
	jsonRolePrebuilt            = "prebuilt"
	jsonErrorMessage            = "error"   // assumed error body: {"error": "..."}
	jsonErrorMessageAlt         = "message" // or {"message": "..."}
)

// Status values (the admin docs' Active/Inactive).
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// Paging.
const (
	defaultPageSize = 500
)
