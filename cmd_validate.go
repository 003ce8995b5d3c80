package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"sort"
	"strings"

	"usersync/csvfile"
	"usersync/csvfile/textsafe"
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
	fset := flag.NewFlagSet("validate", flag.ContinueOnError)
	fset.SetOutput(env.stderr)
	target := fset.String("target", defaultFileTarget, "the target whose rules apply")
	asJSON := fset.Bool("json", false, "print one JSON document on stdout")
	delimiter := fset.String("delimiter", "", "the file's delimiter (default: sniffed): , ; tab or |")
	var maps mapFlag
	fset.Var(&maps, "map", "map a file header to a field: \"Given=First Name\" (repeatable)")
	mappingFile := fset.String("mapping", "", "read header mappings from this file (default: FILE.mapping when it exists)")
	sheet := fset.String("sheet", "", "the sheet of an Excel workbook to read (default: the first with data)")
	fset.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: usersync validate FILE [--target T] [--json] [--delimiter D] [--map \"Header=Field\"]... [--mapping FILE] [--sheet NAME]")
		fmt.Fprintln(env.stderr, "exit status: 0 no row errors, 1 some rows have errors, 2 the file cannot be read or a usage error")
		fset.PrintDefaults()
	}
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fset.Usage()
		return exitUsage
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

	schema := t.schema()
	f, err := openUserFile(*target, path, schema, csvfile.Options{Delimiter: delim, Mapping: mapping, Sheet: *sheet, Stdin: env.stdin})
	if err != nil {
		var fe *csvfile.FileError
		errors.As(err, &fe)
		if *asJSON && fe != nil {
			validateJSON(env.stdout, validateReport{File: path, Target: *target, Messages: []csvfile.Message{},
				Error: &validateFileError{Line: fe.Line, Column: fe.Column, Where: fe.Where, Message: fe.Msg, Missing: fe.Missing, Headers: fe.Headers}})
			return exitUsage
		}
		fmt.Fprintf(env.stderr, "usersync validate: %v\n", err)
		if fe != nil && len(fe.Missing) > 0 {
			fmt.Fprintf(env.stderr, "if a column has another name, map it: --map \"HEADER=%s\"\n", fe.Missing[0])
		}
		return exitUsage
	}
	v := csvfile.Validate(f)
	if *asJSON {
		ms := v.Messages()
		if ms == nil {
			ms = []csvfile.Message{}
		}
		d := ""
		if f.Delimiter() != 0 {
			d = string(f.Delimiter())
		}
		validateJSON(env.stdout, validateReport{File: path, Target: *target, Encoding: f.Encoding(),
			Delimiter: d, Rows: f.Len(), ValidRows: f.Len() - v.RowsWithErrors(),
			RowsWithErrors: v.RowsWithErrors(), Errors: v.Errors(), Warnings: v.Warnings(), Messages: ms})
	} else {
		printValidation(env.stderr, f, v, *target)
	}
	if v.Errors() > 0 {
		return exitRowsFailed
	}
	return exitOK
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

func validateJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// printValidation lists the messages as FILE:LINE: column: message,
// errors first then warnings, each group counted (with a count per column),
// each fix on the line below, and a summary last.
func printValidation(w io.Writer, f *csvfile.File, v *csvfile.Validation, target string) {
	path := f.Path()
	path = textsafe.Show(path) // a file's name is untrusted text too
	fmt.Fprintf(w, "%s: %d rows for %s (%s)\n", path, f.Len(), target, fileKind(f))
	var errs, warns []csvfile.Message
	for _, m := range v.Messages() {
		if m.Severity == csvfile.Error {
			errs = append(errs, m)
		} else {
			warns = append(warns, m)
		}
	}
	group := func(title string, ms []csvfile.Message, rows string) {
		if len(ms) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (%d%s; %s):\n", title, len(ms), rows, textsafe.Show(byColumn(ms)))
		for _, m := range ms {
			where := path
			switch {
			case m.Where != "": // the file names its own places: Users!C15 (Email)
				where += ": " + m.Where
			case m.Line > 0:
				where += fmt.Sprintf(":%d", m.Line)
			}
			if m.Column != "" && m.Where == "" {
				where += ": " + m.Column
			}
			fmt.Fprintf(w, "%s: %s\n", textsafe.Show(where), textsafe.Show(m.Text))
			if m.Fix != nil {
				fmt.Fprintf(w, "    fix: %s\n", textsafe.Show(m.Fix.Label))
			}
		}
	}
	group("Errors", errs, fmt.Sprintf(" in %s", countNoun(v.RowsWithErrors(), "row")))
	group("Warnings", warns, "")
	fmt.Fprintf(w, "\n%s: %s valid, %s with errors; %s, %s\n", path,
		countNoun(f.Len()-v.RowsWithErrors(), "row"), countNoun(v.RowsWithErrors(), "row"),
		countNoun(v.Errors(), "error"), countNoun(v.Warnings(), "warning"))
}

// byColumn counts messages per column: "Email 2, Products 1, file 1".
func byColumn(ms []csvfile.Message) string {
	counts := map[string]int{}
	var order []string
	for _, m := range ms {
		col := m.Column
		switch {
		case col == "" && m.Line == 0:
			col = "file"
		case col == "":
			col = "row"
		}
		if counts[col] == 0 {
			order = append(order, col)
		}
		counts[col]++
	}
	sort.SliceStable(order, func(a, b int) bool { return counts[order[a]] > counts[order[b]] })
	parts := make([]string, len(order))
	for i, col := range order {
		parts[i] = fmt.Sprintf("%s %d", col, counts[col])
	}
	return strings.Join(parts, ", ")
}

func countNoun(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// fileKind says how the file was read: its encoding and delimiter, or
// JSON for rows that did not come from delimited text (the ccai template
// file, read through csvfile.FromRecords).
func fileKind(f *csvfile.File) string {
	if k := f.Kind(); k != "" {
		return k
	}
	if f.Delimiter() == 0 {
		return "JSON"
	}
	return f.Encoding() + ", " + delimiterWord(f.Delimiter()) + "-delimited"
}

func delimiterWord(d rune) string {
	switch d {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	case '|':
		return "pipe"
	}
	return string(d)
}
