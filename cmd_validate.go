package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"usersync/csvfile"
	"usersync/csvfile/workbook"
)

func init() {
	register(command{name: "validate", summary: "check a user file offline and list every problem", run: runValidate})
}

// validateReport is the --json document of validate.
type validateReport struct {
	File           string             `json:"file"`
	Target         string             `json:"target"`
	Encoding       string             `json:"encoding,omitempty"`
	Delimiter      string             `json:"delimiter,omitempty"`
	Rows           int                `json:"rows"`
	ValidRows      int                `json:"valid_rows"`
	RowsWithErrors int                `json:"rows_with_errors"`
	Errors         int                `json:"errors"`
	Warnings       int                `json:"warnings"`
	Messages       []csvfile.Message  `json:"messages"`
	Error          *validateFileError `json:"error,omitempty"` // the file could not be read
}

type validateFileError struct {
	Line    int      `json:"line,omitempty"`
	Column  int      `json:"column,omitempty"`
	Where   string   `json:"where,omitempty"` // a workbook's cell: "Users!A1"
	Message string   `json:"message"`
	Missing []string `json:"missing,omitempty"` // required columns not found
	Headers []string `json:"headers,omitempty"` // the headers that were found
}

func runValidate(env *cmdEnv, args []string) int {
	fset := newFlagSet(env, "validate", "usage: usersync validate FILE [--target T] [--json | --all] [--delimiter D] [--map \"Header=Field\"]... [--mapping FILE] [--sheet NAME]\n"+
		"exit status: 0 no row errors, 1 some rows have errors, 2 the file cannot be read or a usage error")
	target := fset.String("target", defaultFileTarget, "the target whose rules apply")
	asJSON := fset.Bool("json", false, "print one JSON document on stdout, with every message")
	all := fset.Bool("all", false, fmt.Sprintf("list every message, not the first %d of each kind", shownPerRule))
	delimiter := fset.String("delimiter", "", "the file's delimiter (default: sniffed): , ; tab or |")
	var maps mapFlag
	fset.Var(&maps, "map", "map a file header to a field: \"Given=First Name\" (repeatable)")
	mappingFile := fset.String("mapping", "", "read header mappings from this file (default: FILE.mapping when it exists)")
	sheet := fset.String("sheet", "", "the sheet of an Excel workbook to read (default: the first with data)")
	pos, code, ok := parseArgs(fset, args, 1)
	if !ok {
		return code
	}
	path := pos[0]
	fail := func(err error) int {
		fmt.Fprintf(env.stderr, "usersync validate: %v\n", err)
		return exitUsage
	}
	t, err := lookupFileTarget(*target)
	if err != nil {
		return fail(err)
	}
	delim, err := parseDelimiter(*delimiter)
	if err != nil {
		return fail(err)
	}
	mapping, from, err := loadValidateMapping(path, *mappingFile, maps)
	if err != nil {
		return fail(err)
	}
	if from != "" && !*asJSON {
		fmt.Fprintf(env.stderr, "using the column mapping in %s\n", from)
	}

	return validateFile(env, *target, path, t.schema(), csvfile.Options{Delimiter: delim, Mapping: mapping, Sheet: *sheet, Stdin: env.stdin}, *asJSON, *all)
}

// validateFile validates the file row by row as it is read (csvfile.Scan
// through scanUserFile) and writes what it found: grouped for people on
// stderr, or every message as JSON on stdout, streamed as it is found.
func validateFile(env *cmdEnv, target, path string, schema *csvfile.Schema, opts csvfile.Options, asJSON, all bool) int {
	defer debug.SetGCPercent(debug.SetGCPercent(validateGCPercent(path)))
	var h csvfile.ScanHandler
	var js *jsonMessages
	groups := newMessageGroups(shownPerRule)
	if all {
		groups = newMessageGroups(0)
	}
	if asJSON {
		js = newJSONMessages(env.stdout, path, target)
		h.Message = js.add
	} else {
		h.Message = func(m csvfile.Message) error { groups.add(m); return nil }
	}
	sum, err := scanUserFile(target, path, schema, opts, h)
	var fe *csvfile.FileError
	if err != nil && !errors.As(err, &fe) {
		fmt.Fprintf(env.stderr, "usersync validate: %v\n", err)
		return exitUsage
	}
	if asJSON {
		if err := js.finish(sum, fe); err != nil {
			fmt.Fprintf(env.stderr, "usersync validate: write the report: %v\n", err)
			return exitUsage
		}
		if fe != nil {
			return exitUsage
		}
	} else {
		if fe != nil {
			fmt.Fprintf(env.stderr, "usersync validate: %v\n", err)
			if missed := mappingsThatMissed(opts.Mapping, fe); len(missed) > 0 {
				// The operator mapped the column: say why it did not take.
				for _, m := range missed {
					fmt.Fprintf(env.stderr, "--map %q named no header of the file: check its spelling against the header above\n", m)
				}
			} else if len(fe.Missing) > 0 {
				fmt.Fprintf(env.stderr, "if a column has another name, map it: --map \"HEADER=%s\"\n", fe.Missing[0])
			}
			return exitUsage
		}
		printValidation(env.stderr, sum, groups, target)
	}
	if sum.Errors > 0 {
		return exitRowsFailed
	}
	return exitOK
}

// mappingsThatMissed are the mappings (HEADER=COLUMN) to a column the
// file lacks whose HEADER is none of the file's.
func mappingsThatMissed(mapping map[string]string, fe *csvfile.FileError) []string {
	var out []string
	for from, to := range mapping {
		if !slices.ContainsFunc(fe.Missing, func(c string) bool { return strings.EqualFold(c, to) }) {
			continue
		}
		if !slices.ContainsFunc(fe.Headers, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(from)) }) {
			out = append(out, from+"="+to)
		}
	}
	slices.Sort(out)
	return out
}

// validateGCPercent is the collector's target while validate reads path.
// What validate keeps is small (the duplicate index, without pointers, and
// the messages shown) and what it allocates per message it drops at once,
// so for a large file collecting at half the live heap's growth keeps the
// process near what it holds (62 MiB → 54 MiB at 1,000,000 rows). Below
// 32 MiB the process's own 13 MiB outweighs all it holds, and that same
// target means a collection every 2 MiB allocated: a fifth of the time at
// 100,000 rows, for 2 MiB less.
func validateGCPercent(path string) int {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() < 32<<20 && !workbook.Detect(path) {
		return 200
	}
	return 50
}

// loadValidateMapping merges the mapping file (given, or the one saved
// beside the file by the guided import) with --map flags, which win. It
// returns the file it read, if any.
func loadValidateMapping(path, mappingFile string, flags map[string]string) (map[string]string, string, error) {
	m := map[string]string{}
	from := mappingFile
	if from == "" {
		from = path + ".mapping"
	}
	loaded, err := csvfile.LoadMapping(from)
	switch {
	case err == nil:
		maps.Copy(m, loaded)
	case mappingFile == "" && errors.Is(err, fs.ErrNotExist):
		from = ""
	default:
		return nil, "", err
	}
	maps.Copy(m, flags)
	return m, from, nil
}
