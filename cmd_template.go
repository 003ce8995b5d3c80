package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"usersync/csvfile"
	"usersync/sync/ccai"
	"usersync/sync/coursedog"
)

func init() {
	register(command{name: "template", summary: "print an empty user file for a target", run: runTemplate})
}

// fileTarget is what the offline commands (template, validate) need of a
// target: its schema without a connection (the school's roles and
// departments unknown, so not checked), how it writes an empty file, and
// how it reads one.
type fileTarget struct {
	schema func() *csvfile.Schema
	// template writes the empty file; nil writes the schema's header row.
	template func(w io.Writer) error
	// open reads a user file; nil uses csvfile.Open.
	open func(path string, s *csvfile.Schema, opts csvfile.Options) (*csvfile.File, error)
}

// fileTargets are the targets template and validate know, by name. Each
// target's owner adds its entry here (or with registerFileTarget from an
// init in its own file).
var fileTargets = map[string]fileTarget{
	"coursedog": {schema: func() *csvfile.Schema { return coursedog.NewSchema(nil, nil) }},
	// ccai offline: the documented rules; roles, teams and locations need
	// the live template, so they are not checked here.
	ccai.TargetName: {schema: ccai.BlankSchema},
}

// defaultFileTarget is the target when --target is not given.
const defaultFileTarget = "coursedog"

func registerFileTarget(name string, t fileTarget) { fileTargets[name] = t }

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

func runTemplate(env *cmdEnv, args []string) int {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	target := fs.String("target", defaultFileTarget, "the target whose file to print")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: usersync template [--target T] > users.csv")
		fs.PrintDefaults()
	}
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		fs.Usage()
		return exitUsage
	}
	t, err := lookupFileTarget(*target)
	if err != nil {
		fmt.Fprintf(env.stderr, "usersync template: %v\n", err)
		return exitUsage
	}
	if err := t.writeTemplate(env.stdout); err != nil {
		fmt.Fprintf(env.stderr, "usersync template: %v\n", err)
		return exitUsage
	}
	return exitOK
}
