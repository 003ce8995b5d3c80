package ccai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"usersync/csvfile"
	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/targets"
)

// The ccai target as the command line and the UI see it: no fixed
// servers (each customer has its subdomain on a platform domain), an API
// token instead of a password, and the vendor's JSON template as a file.
func init() {
	targets.Register(targets.Descriptor{
		Name:       TargetName,
		Title:      "CCAI Platform",
		CustomHint: "a URL (https://…) or the platform's domain (uc1.ccaiplatform.com)",
		DomainOK:   true,
		CustomURL: func(env string, r targets.Request) (string, error) {
			return BaseURL(env, r.Value(targets.FieldTenant))
		},
		Fields: []targets.Field{
			{Key: targets.FieldTenant, Label: "Tenant", Account: true, Usage: "ccai: the tenant (your subdomain)"},
			{Key: targets.FieldToken, Label: "API token", Secret: true},
		},
		NotFound:  "Tenant %q was not found",
		Refused:   "Tenant or API token not accepted.",
		FileTypes: []string{".csv", ".xlsx", ".xlsm", ".json"},
		// Offline: the documented rules; roles, teams and locations need
		// the live template, so they are not checked.
		Schema: BlankSchema,
		Open:   openFile,
		Scan:   scanFile,
		TemplateNote: "the blank ccai file (CSV; roles and teams by name). " +
			"With --env and --tenant it prints your tenant's live JSON template instead, with every role and team.",
		LiveTemplate: liveTemplate,
		Sandbox:      map[string]string{targets.FieldTenant: sandbox.DemoTenant, targets.FieldToken: sandbox.DemoAPIToken},
		Connect:      connect,
	})
}

// connect connects to a tenant: the tenant (the subdomain), the API token
// (typed in, USERSYNC_TOKEN or the --properties file's token=…), the
// platform's domain or a URL. The sandbox's demo tenant and token are used
// when neither is given.
func connect(_ context.Context, r targets.Request) (*targets.Connection, error) {
	tenant := r.Value(targets.FieldTenant)
	token, err := r.Token()
	if err != nil {
		return nil, err
	}
	if r.IsSandbox() && tenant == "" && token == "" {
		tenant, token = sandbox.DemoTenant, sandbox.DemoAPIToken
		r.Values = map[string]string{targets.FieldTenant: tenant}
	}
	switch {
	case tenant == "":
		return nil, errors.New("no tenant: pass --tenant with your CCAI Platform subdomain")
	case token == "":
		return nil, errors.New("no API token: set USERSYNC_TOKEN to the api_user token (Settings > Developer Settings > API Credentials), or pass --properties FILE holding token=…")
	}
	d, _ := targets.Lookup(TargetName)
	base, err := d.URL(r)
	if err != nil {
		return nil, err
	}
	t, err := New(Options{BaseURL: base, Tenant: tenant, Token: token})
	if err != nil {
		return nil, err
	}
	return &targets.Connection{Target: t, URL: base, Account: tenant}, nil
}

// liveTemplate writes the tenant's template as the vendor serves it:
// every role and team, ready to fill in and import as a JSON file.
func liveTemplate(ctx context.Context, st sync.Target, w io.Writer) (string, error) {
	t, ok := st.(*Target)
	if !ok {
		return "", fmt.Errorf("template: %s is not a ccai target", st.Name())
	}
	tmpl, err := t.Client().Template(ctx)
	if err != nil {
		return "", err
	}
	if err := tmpl.WriteJSON(w); err != nil {
		return "", err
	}
	return fmt.Sprintf("the live template of %s (%d roles, %d teams); fill it in and import it as a .json file",
		t.Describe(), len(tmpl.Roles()), len(tmpl.Teams())), nil
}

// openFile reads the vendor's JSON template file (by its .json name or,
// whatever the name, a first character of [ or {) with the JSON reader,
// keeping each user's line for messages; anything else is a CSV. The file
// is opened once, through csvfile.OpenInput (its checks, and standard
// input or a pipe read only once).
func openFile(path string, s *csvfile.Schema, opts csvfile.Options) (*csvfile.File, error) {
	src, err := csvfile.OpenInput(path, opts.Stdin)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if !isJSONInput(path, src) {
		return csvfile.ReadInput(src, s, opts)
	}
	header, records, lines, warnings, err := readJSONInput(src, opts)
	if err != nil {
		return nil, err
	}
	return csvfile.FromRecords(src.Name(), s, header, records, lines, warnings)
}

// scanFile is openFile for the headless commands that validate as they
// read (csvfile.Scan): a CSV streams; the JSON template is read whole by
// its reader and its records validated one by one (csvfile.ScanRecords).
func scanFile(path string, s *csvfile.Schema, opts csvfile.Options, h csvfile.ScanHandler) (csvfile.Summary, error) {
	src, err := csvfile.OpenInput(path, opts.Stdin)
	if err != nil {
		return csvfile.Summary{Path: path}, err
	}
	defer src.Close()
	if !isJSONInput(path, src) {
		return csvfile.ScanInput(src, s, opts, h)
	}
	header, records, lines, warnings, err := readJSONInput(src, opts)
	if err != nil {
		return csvfile.Summary{Path: src.Name()}, err
	}
	if len(records) == 0 { // as FromRecords says it
		return csvfile.Summary{Path: src.Name()}, &csvfile.FileError{Path: src.Name(), Msg: "the file has no rows"}
	}
	k := 0
	next := func() ([]string, int, error) {
		if k == len(records) {
			return nil, 0, io.EOF
		}
		k++
		return records[k-1], lines[k-1], nil
	}
	return csvfile.ScanRecords(src.Name(), s, header, next, warnings, h)
}

// isJSONInput says whether an opened user file is the JSON template.
func isJSONInput(path string, src *csvfile.Input) bool {
	return strings.EqualFold(filepath.Ext(path), ".json") || IsJSONFile(src.Head())
}

// readJSONInput reads the vendor's JSON template from an opened input.
func readJSONInput(src *csvfile.Input, opts csvfile.Options) (header []string, records [][]string, lines []int, warnings []csvfile.Message, err error) {
	if err := src.CheckText(); err != nil {
		return nil, nil, nil, nil, err
	}
	header, records, lines, warnings, err = ReadJSONRecords(src, src.Name())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if len(opts.Mapping) > 0 {
		warnings = append(warnings, csvfile.Message{Severity: csvfile.Warning,
			Text: "a column mapping is for CSV files; the JSON template's fields have fixed names, so it is not used"})
	}
	return header, records, lines, warnings, nil
}
