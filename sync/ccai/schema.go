package ccai

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"usersync/csvfile"
)

// TargetName is the target's short name on the command line.
const TargetName = "ccai"

// Headers are the ccai file's columns in template order.
var Headers = []string{"Email", "New Email", "First Name", "Last Name", "Status", "Agent Number",
	"Location", "Roles", "Teams", "Max Chat Limit", "Max Chat Limit Enabled"}

// Config is what the tenant allows, as fetched live. Nil lists leave those
// values unchecked here (the server still checks them).
type Config struct {
	Roles, Teams, Locations []string
}

// BlankSchema is the ccai schema without live values: every documented rule
// that needs no server (for `template` and `validate` when offline).
func BlankSchema() *csvfile.Schema { return NewSchema(Config{}) }

// NewSchema builds the ccai file schema: the documented field rules, with
// the tenant's roles, teams and locations as the allowed values when known.
func NewSchema(cfg Config) *csvfile.Schema {
	s := &csvfile.Schema{
		Target: TargetName,
		Fields: []csvfile.Field{
			{Key: FieldEmail, Header: "Email", Aliases: []string{"E-mail", "Email Address", "User Email"},
				Required: true, Email: true, Identity: true},
			{Key: FieldNewEmail, Header: "New Email", Aliases: []string{"New E-mail", "New Email Address"}, Email: true},
			{Key: FieldFirstName, Header: "First Name", Aliases: []string{"First", "Given Name", "FirstName"}, Required: true},
			{Key: FieldLastName, Header: "Last Name", Aliases: []string{"Last", "Surname", "Family Name", "LastName"}, Required: true},
			{Key: FieldStatus, Header: "Status", Aliases: []string{"User Status"}, Kind: "status",
				Choices: []csvfile.Choice{{Value: StatusActive}, {Value: StatusInactive}}},
			{Key: FieldAgentNumber, Header: "Agent Number", Aliases: []string{"Agent No", "Agent ID", "Agent #"}},
			{Key: FieldLocation, Header: "Location", Kind: "location", Choices: choices(cfg.Locations)},
			{Key: FieldRoles, Header: "Roles", Aliases: []string{"Role", "Role Names"}, List: true, Kind: "role",
				Choices: choices(cfg.Roles)},
			{Key: FieldTeams, Header: "Teams", Aliases: []string{"Team", "Team Names"}, List: true, Kind: "team",
				Choices: choices(cfg.Teams)},
			{Key: FieldMaxChatLimit, Header: "Max Chat Limit", Aliases: []string{"Chat Limit"}},
			{Key: FieldMaxChatLimitEnabled, Header: "Max Chat Limit Enabled", Aliases: []string{"Chat Limit Enabled"},
				Kind: "0/1 flag", Choices: []csvfile.Choice{{Value: "1", Label: "yes"}, {Value: "0", Label: "no"}}},
		},
		RowChecks: []csvfile.RowCheck{checkMaxChatLimit, checkNewEmail},
	}
	return s
}

func choices(names []string) []csvfile.Choice {
	if names == nil {
		return nil
	}
	out := make([]csvfile.Choice, 0, len(names))
	for _, n := range names {
		out = append(out, csvfile.Choice{Value: n})
	}
	return out
}

// checkMaxChatLimit: the vendor allows 1 to a tenant-configured maximum,
// which the API does not tell; the lower bound and the number are checked
// here, the upper bound by the server's scheme check.
func checkMaxChatLimit(get func(string) string) []csvfile.Message {
	v := strings.TrimSpace(get(FieldMaxChatLimit))
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(canonicalNumber(v))
	if err != nil {
		return []csvfile.Message{{Severity: csvfile.Error, Column: "Max Chat Limit", Rule: ruleMaxChatLimit,
			Text: fmt.Sprintf("%q is not a whole number", v)}}
	}
	if n < 1 {
		return []csvfile.Message{{Severity: csvfile.Error, Column: "Max Chat Limit", Rule: ruleMaxChatLimit,
			Text: fmt.Sprintf("%d is below the minimum of 1", n),
			Fix:  &csvfile.Fix{Column: "Max Chat Limit", Value: "1", Label: `use "1"`}}}
	}
	return nil
}

// ruleMaxChatLimit names checkMaxChatLimit's messages (csvfile.Message.Rule).
const ruleMaxChatLimit = "max chat limit not a number from 1"

// checkNewEmail warns about a New Email that changes nothing.
func checkNewEmail(get func(string) string) []csvfile.Message {
	ne := strings.TrimSpace(get(FieldNewEmail))
	if ne != "" && strings.EqualFold(ne, strings.TrimSpace(get(FieldEmail))) {
		return []csvfile.Message{{Severity: csvfile.Warning, Column: "New Email", Rule: "new email is the email",
			Text: "is the same as Email, so it changes nothing",
			Fix:  &csvfile.Fix{Column: "New Email", Value: "", Label: "clear it"}}}
	}
	return nil
}

// LiveConfig fetches the tenant's roles and teams (from the template) and
// locations.
func (c *Client) LiveConfig(ctx context.Context) (Config, *Template, error) {
	t, err := c.Template(ctx)
	if err != nil {
		return Config{}, nil, err
	}
	cfg := Config{Roles: t.Roles(), Teams: t.Teams()}
	if cfg.Roles == nil {
		cfg.Roles = []string{}
	}
	if cfg.Teams == nil {
		cfg.Teams = []string{}
	}
	locs, ok, err := c.Locations(ctx)
	if err != nil {
		return Config{}, nil, err
	}
	if ok {
		if locs == nil {
			locs = []string{}
		}
		cfg.Locations = locs
	}
	return cfg, t, nil
}
