package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"usersync/csvfile"
	"usersync/csvfile/workbook"
	"usersync/sync/targets"
)

func init() {
	register(command{name: "template", summary: "print an empty user file for a target", run: runTemplate})
}

// fileTarget is what the offline commands (template, validate) need of a
// target, from its descriptor: its schema without a connection (the
// school's roles and departments unknown, so not checked), how it writes
// an empty file, and how it reads one (for every command: see
// openUserFile).
type fileTarget struct {
	d      *targets.Descriptor
	schema func() *csvfile.Schema
}

// fileTargets are the targets template and validate know, by name.
var fileTargets = func() map[string]fileTarget {
	m := map[string]fileTarget{}
	for _, d := range targets.All() {
		m[d.Name] = fileTarget{d: d, schema: d.Schema}
	}
	return m
}()

// defaultFileTarget is the target when --target is not given.
var defaultFileTarget = targets.Default()

// lookupFileTarget finds a target by name, or says which names exist.
func lookupFileTarget(name string) (fileTarget, error) {
	if d, ok := targets.Lookup(name); ok && name != "" {
		return fileTarget{d: d, schema: d.Schema}, nil
	}
	names := targets.Names()
	sort.Strings(names)
	return fileTarget{}, fmt.Errorf("unknown target %q (known: %s)", name, strings.Join(names, ", "))
}

func (t fileTarget) writeTemplate(w io.Writer) error {
	if t.d.Template != nil {
		return t.d.Template(w)
	}
	return csvfile.WriteTemplate(w, t.schema())
}

func (t fileTarget) openFile(path string, s *csvfile.Schema, opts csvfile.Options) (*csvfile.File, error) {
	return openUserFile(t.d.Name, path, s, opts)
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
	if d, ok := targets.Lookup(target); ok {
		return d.OpenFile(path, s, opts)
	}
	return csvfile.Open(path, s, opts)
}

// scanUserFile reads and validates a user file as it is read, the way the
// named target reads it, for the headless commands that need no editor
// (validate, plan, apply): the same messages as openUserFile and
// csvfile.Validate, in memory that does not grow with the file. A format
// that is not delimited text is read whole by its own reader (the ccai
// JSON template, by its descriptor's Scan); a workbook, whose messages
// name its cells, is validated in memory and handed out the same way
// (csvfile.ScanFile).
func scanUserFile(target, path string, s *csvfile.Schema, opts csvfile.Options, h csvfile.ScanHandler) (csvfile.Summary, error) {
	if workbook.Detect(path) {
		f, err := workbook.Open(path, s, opts)
		if err != nil {
			return csvfile.Summary{Path: path}, err
		}
		return csvfile.ScanFile(f, h)
	}
	if d, ok := targets.Lookup(target); ok {
		return d.ScanFile(path, s, opts, h)
	}
	return csvfile.Scan(path, s, opts, h)
}

func runTemplate(env *cmdEnv, args []string) int {
	fset := newFlagSet(env, "template", "usage: usersync template [--target T] > users.csv\n"+
		"       usersync template --target ccai --env DOMAIN|URL --tenant SUBDOMAIN > users.json   (the tenant's live template;\n"+
		"                                     the API token from USERSYNC_TOKEN or --properties)")
	conn := addConnFlags(fset) // --target, and where a live template is
	_, code, ok := parseArgs(fset, args, 0)
	if !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(env.stderr, "usersync template: %v\n", err)
		return exitUsage
	}
	t, err := lookupFileTarget(conn.target)
	if err != nil {
		return fail(err)
	}
	if t.d.LiveTemplate != nil && conn.given() {
		return liveTemplate(env, conn, t.d)
	}
	if t.d.TemplateNote != "" {
		fmt.Fprintln(env.stderr, "usersync template: "+t.d.TemplateNote)
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

// liveTemplate prints the template the server serves (ccai: every role
// and team, ready to fill in). Asked to connect, it never falls back to
// the blank file, which would hide that the connection failed.
func liveTemplate(env *cmdEnv, conn *connFlags, d *targets.Descriptor) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fail := func(err error) int {
		fmt.Fprintf(env.stderr, "usersync template: %v\n", err)
		return exitUsage
	}
	req := conn.request(env)
	req.Target = d.Name
	c, err := targets.Open(ctx, req)
	if err != nil {
		return fail(err)
	}
	var b bytes.Buffer
	summary, err := d.LiveTemplate(ctx, c.Target, &b)
	if err != nil {
		return fail(err)
	}
	if _, err := env.stdout.Write(b.Bytes()); err != nil {
		return fail(err)
	}
	fmt.Fprintf(env.stderr, "usersync template: %s\n", summary)
	return exitOK
}
