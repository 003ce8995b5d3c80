package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"usersync/csvfile"
	"usersync/sync/ccai"
	"usersync/sync/coursedog"
	"usersync/workbook"
)

func init() {
	register(command{name: "template", summary: "print an empty user file for a target", run: runTemplate})
}

// fileTarget is what the offline commands (template, validate) need of a
// target: its schema without a connection (the school's roles and
// departments unknown, so not checked), how it writes an empty file, and
// how it reads one (for every command: see openUserFile).
type fileTarget struct {
	schema func() *csvfile.Schema
	// template writes the empty file; nil writes the schema's header row.
	template func(w io.Writer) error
	// open reads a user file; nil uses csvfile.Open.
	open func(path string, s *csvfile.Schema, opts csvfile.Options) (*csvfile.File, error)
	// scan reads and validates a user file row by row (see scanUserFile);
	// nil uses csvfile.Scan.
	scan func(path string, s *csvfile.Schema, opts csvfile.Options, h csvfile.ScanHandler) (csvfile.Summary, error)
}

// fileTargets are the targets template and validate know, by name. Each
// target's owner adds its entry here (or with registerFileTarget from an
// init in its own file).
var fileTargets = map[string]fileTarget{
	"coursedog": {schema: func() *csvfile.Schema { return coursedog.NewSchema(nil, nil) }},
	// ccai offline: the documented rules; roles, teams and locations need
	// the live template, so they are not checked here. Its files are CSV
	// or the vendor's JSON template.
	ccai.TargetName: {schema: ccai.BlankSchema, open: openCCAIFile, scan: scanCCAIFile},
}

// defaultFileTarget is the target when --target is not given.
const defaultFileTarget = "coursedog"

// lookupFileTarget finds a target by name, or says which names exist.
func lookupFileTarget(name string) (fileTarget, error) {
	if t, ok := fileTargets[name]; ok {
		return t, nil
	}
	names := make([]string, 0, len(fileTargets))
	for n := range fileTargets {
		names = append(names, n)
	}
	sort.Strings(names)
	return fileTarget{}, fmt.Errorf("unknown target %q (known: %s)", name, strings.Join(names, ", "))
}

func (t fileTarget) writeTemplate(w io.Writer) error {
	if t.template != nil {
		return t.template(w)
	}
	return csvfile.WriteTemplate(w, t.schema())
}

func (t fileTarget) openFile(path string, s *csvfile.Schema, opts csvfile.Options) (*csvfile.File, error) {
	if t.open != nil {
		return t.open(path, s, opts)
	}
	return csvfile.Open(path, s, opts)
}

// openUserFile reads a user file the way the named target reads it. It is
// the one place validate, plan, apply and the guided import open a file,
// so every format a target accepts works in all of them; a target without
// its own reader (or none known) gets csvfile.Open.
// An Excel workbook (by its content or its name: workbook.Detect decides)
// is read as one for every target.
func openUserFile(target, path string, s *csvfile.Schema, opts csvfile.Options) (*csvfile.File, error) {
	if workbook.Detect(path) {
		return workbook.Open(path, s, opts)
	}
	return fileTargets[target].openFile(path, s, opts)
}

// scanUserFile reads and validates a user file as it is read, the way the
// named target reads it, for the headless commands that need no editor
// (validate, plan, apply): the same messages as openUserFile and
// csvfile.Validate, in memory that does not grow with the file. A format
// that is not delimited text is read whole by its own reader: the ccai
// JSON template's records are then validated one by one
// (csvfile.ScanRecords), and a workbook, whose messages name its cells, is
// validated in memory and handed out the same way (csvfile.ScanFile).
func scanUserFile(target, path string, s *csvfile.Schema, opts csvfile.Options, h csvfile.ScanHandler) (csvfile.Summary, error) {
	if workbook.Detect(path) {
		f, err := workbook.Open(path, s, opts)
		if err != nil {
			return csvfile.Summary{Path: path}, err
		}
		return csvfile.ScanFile(f, h)
	}
	if t := fileTargets[target]; t.scan != nil {
		return t.scan(path, s, opts, h)
	}
	return csvfile.Scan(path, s, opts, h)
}

// scanCCAIFile is openCCAIFile for scanUserFile.
func scanCCAIFile(path string, s *csvfile.Schema, opts csvfile.Options, h csvfile.ScanHandler) (csvfile.Summary, error) {
	src, err := csvfile.OpenInput(path, opts.Stdin)
	if err != nil {
		return csvfile.Summary{Path: path}, err
	}
	defer src.Close()
	if !strings.EqualFold(filepath.Ext(path), ".json") && !ccai.IsJSONFile(src.Head()) {
		return csvfile.ScanInput(src, s, opts, h)
	}
	header, records, lines, warnings, err := readCCAIJSON(src, opts)
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

// readCCAIJSON reads the vendor's JSON template from an opened input.
func readCCAIJSON(src *csvfile.Input, opts csvfile.Options) (header []string, records [][]string, lines []int, warnings []csvfile.Message, err error) {
	if err := src.CheckText(); err != nil {
		return nil, nil, nil, nil, err
	}
	header, records, lines, warnings, err = ccai.ReadJSONRecords(src, src.Name())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if len(opts.Mapping) > 0 {
		warnings = append(warnings, csvfile.Message{Severity: csvfile.Warning,
			Text: "a column mapping is for CSV files; the JSON template's fields have fixed names, so it is not used"})
	}
	return header, records, lines, warnings, nil
}

// openCCAIFile reads the vendor's JSON template file (by its .json name or,
// whatever the name, a first character of [ or {) with ccai's JSON reader,
// keeping each user's line for messages; anything else is a CSV. The file
// is opened once, through csvfile.OpenInput (its checks, and standard
// input or a pipe read only once).
func openCCAIFile(path string, s *csvfile.Schema, opts csvfile.Options) (*csvfile.File, error) {
	src, err := csvfile.OpenInput(path, opts.Stdin)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if !strings.EqualFold(filepath.Ext(path), ".json") && !ccai.IsJSONFile(src.Head()) {
		return csvfile.ReadInput(src, s, opts)
	}
	header, records, lines, warnings, err := readCCAIJSON(src, opts)
	if err != nil {
		return nil, err
	}
	return csvfile.FromRecords(src.Name(), s, header, records, lines, warnings)
}

func runTemplate(env *cmdEnv, args []string) int {
	fset := flag.NewFlagSet("template", flag.ContinueOnError)
	fset.SetOutput(env.stderr)
	conn := addConnFlags(fset) // --target, and for ccai where the live template is
	fset.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: usersync template [--target T] > users.csv\n"+
			"       usersync template --target ccai --env DOMAIN|URL --tenant SUBDOMAIN > users.json   (the tenant's live template;\n"+
			"                                     the API token from USERSYNC_TOKEN or --properties)")
		fset.PrintDefaults()
	}
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		fset.Usage()
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(env.stderr, "usersync template: %v\n", err)
		return exitUsage
	}
	t, err := lookupFileTarget(conn.target)
	if err != nil {
		return fail(err)
	}
	if conn.target == ccai.TargetName {
		if conn.env != "" || conn.tenant != "" || conn.properties != "" {
			return liveCCAITemplate(env, conn)
		}
		fmt.Fprintln(env.stderr, "usersync template: the blank ccai file (CSV; roles and teams by name). "+
			"With --env and --tenant it prints your tenant's live JSON template instead, with every role and team.")
	}
	// Written whole or not at all: a failed write leaves no half file.
	var b bytes.Buffer
	if err := t.writeTemplate(&b); err != nil {
		return fail(err)
	}
	if _, err := env.stdout.Write(b.Bytes()); err != nil {
		return fail(err)
	}
	return exitOK
}

// liveCCAITemplate prints the tenant's template as the vendor serves it:
// every role and team, ready to fill in and import as a JSON file. Asked
// to connect, it never falls back to the blank file, which would hide
// that the connection failed.
func liveCCAITemplate(env *cmdEnv, conn *connFlags) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	t, err := conn.openCCAI(env)
	if err != nil {
		fmt.Fprintf(env.stderr, "usersync template: %v\n", err)
		return exitUsage
	}
	tmpl, err := t.Client().Template(ctx)
	if err != nil {
		fmt.Fprintf(env.stderr, "usersync template: %v\n", err)
		return exitUsage
	}
	var b bytes.Buffer
	if err := tmpl.WriteJSON(&b); err != nil {
		fmt.Fprintf(env.stderr, "usersync template: %v\n", err)
		return exitUsage
	}
	if _, err := env.stdout.Write(b.Bytes()); err != nil {
		fmt.Fprintf(env.stderr, "usersync template: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(env.stderr, "usersync template: the live template of %s (%d roles, %d teams); fill it in and import it as a .json file\n",
		t.Describe(), len(tmpl.Roles()), len(tmpl.Teams()))
	return exitOK
}
