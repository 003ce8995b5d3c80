// Command usersync imports users from a file into a user-management API,
// guided (the TUI) or headless (one subcommand per screen).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"usersync/csvfile/textsafe"
)

// Exit codes, as DESIGN.md gives them; scripts depend on them.
const (
	exitOK          = 0
	exitRowsFailed  = 1 // some rows invalid or failed
	exitUsage       = 2 // usage error or an unreadable file
	exitInterrupted = 3 // run the same command again to resume
)

// command is one subcommand. Each lives in its own cmd_*.go file and
// registers itself, so main.go stays wiring only.
type command struct {
	name    string
	summary string
	run     func(env *cmdEnv, args []string) int
}

// cmdEnv carries the process's streams so commands can be tested in-process.
type cmdEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// now, when set, is the clock that names a run's default files (tests
	// stop it to start two runs in the same second).
	now func() time.Time
}

// clock is the time now, by env.now when set.
func (env *cmdEnv) clock() time.Time {
	if env.now != nil {
		return env.now()
	}
	return time.Now()
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// rootCommand runs when no subcommand is named (the guided import);
// rootFlags prints its flags for usersync -h.
var (
	rootCommand func(env *cmdEnv, args []string) int
	rootFlags   func(w io.Writer)
)

func main() {
	env := &cmdEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(env, os.Args[1:]))
}

func run(env *cmdEnv, args []string) int {
	// Everything a command prints passes through the one renderer of
	// untrusted text: a cell, header, mapping or server message holding an
	// escape sequence or bidi control reaches no terminal raw, whichever
	// message it ends up in. (Colours and the progress bar, the program's
	// own sequences, go around it; see rawWriter.)
	stdout, stderr := textsafe.NewWriter(env.stdout), textsafe.NewWriter(env.stderr)
	defer stdout.Flush()
	defer stderr.Flush()
	safe := *env
	safe.stdout, safe.stderr = stdout, stderr
	env = &safe
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "--help":
			if len(args) > 1 && args[0] == "help" { // `usersync help apply`: apply's help
				if c, ok := commands[args[1]]; ok {
					return c.run(env, []string{"--help"})
				}
				return unknownCommand(env, args[1])
			}
			usage(env.stdout) // asked for, it is the output
			return exitOK
		}
		if c, ok := commands[args[0]]; ok {
			return c.run(env, args[1:])
		}
	}
	if rootCommand == nil || (len(args) > 0 && !strings.HasPrefix(args[0], "-") && !isFile(args[0])) {
		if len(args) > 0 {
			return unknownCommand(env, args[0])
		}
		usage(env.stderr)
		return exitUsage
	}
	return rootCommand(env, args)
}

// unknownCommand says name is no command, and the nearest that is. Said
// last and short, so the mistake is not scrolled away above the whole
// usage.
func unknownCommand(env *cmdEnv, name string) int {
	fmt.Fprintf(env.stderr, "usersync: unknown command %q", name)
	if near := nearestCommand(name); near != "" {
		fmt.Fprintf(env.stderr, "; did you mean %s?", near)
	}
	fmt.Fprintf(env.stderr, "\nRun 'usersync --help' for the commands and flags.\n")
	return exitUsage
}

// isFile reports whether s names a file, so `usersync users.csv` opens the
// guided import on it rather than looking for a command of that name.
func isFile(s string) bool {
	st, err := os.Stat(s)
	return err == nil && !st.IsDir()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: usersync [--sandbox] [flags] [FILE] | usersync COMMAND [flags]")
	if rootFlags != nil {
		fmt.Fprintln(w, "\nThe guided import (sign in, choose a file, fix it, dry run, apply); its flags:")
		rootFlags(w)
	}
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'usersync COMMAND -h' for a command's flags.")
}

// newFlagSet is a command's flag set: help opens with the usage line, and
// goes to stdout when asked for, to stderr with a mistake (flagOutput).
func newFlagSet(env *cmdEnv, name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(newFlagOutput(env))
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// flagOutput is a flag set's output. Help asked for (-h, --help) is the
// command's output and goes to stdout, so it can be paged or kept; help
// shown because of a mistake is a message and goes to stderr with it.
// Only Parse can tell which, so what it prints is held until it returns.
type flagOutput struct {
	stdout, stderr io.Writer
	held           *bytes.Buffer // while parseFlags runs Parse
}

func newFlagOutput(env *cmdEnv) *flagOutput {
	return &flagOutput{stdout: env.stdout, stderr: env.stderr}
}

func (o *flagOutput) Write(p []byte) (int, error) {
	if o.held != nil {
		return o.held.Write(p)
	}
	return o.stderr.Write(p)
}

// parseArgs is parseFlags that also wants exactly n positional arguments,
// saying what is missing or extra, then showing the usage.
func parseArgs(fs *flag.FlagSet, args []string, n int) (positional []string, code int, ok bool) {
	pos, code, ok := parseFlags(fs, args)
	if ok && len(pos) != n {
		switch {
		case len(pos) < n:
			fmt.Fprintf(fs.Output(), "usersync %s: FILE is missing\n", fs.Name())
		case n == 0:
			fmt.Fprintf(fs.Output(), "usersync %s takes no FILE; unexpected %q\n", fs.Name(), pos)
		default:
			fmt.Fprintf(fs.Output(), "usersync %s: one FILE, and %q besides (a flag's value with spaces needs quotes)\n", fs.Name(), pos[n:])
		}
		fs.Usage()
		return nil, exitUsage, false
	}
	return pos, code, ok
}

// nearestCommand is the command a mistyped name most likely meant: one
// within two edits, or "" when none is that close.
func nearestCommand(s string) string {
	best, bestD := "", 3
	for n := range commands {
		if d := editDistance(strings.ToLower(s), n); d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// parseFlags parses fs, allowing flags after positional arguments
// ("validate users.csv --json"), and maps flag errors to exitUsage.
func parseFlags(fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	for {
		if err := parseOnce(fs, args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			// Parse stopped at "--": the rest are FILEs, however they look.
			return append(positional, rest...), 0, true
		}
		args = rest
		if len(args) == 0 {
			return positional, 0, true
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// parseOnce is fs.Parse, with what it prints sent where flagOutput says.
func parseOnce(fs *flag.FlagSet, args []string) error {
	out, ok := fs.Output().(*flagOutput)
	if !ok {
		return fs.Parse(args)
	}
	out.held = new(bytes.Buffer)
	err := fs.Parse(args)
	held := out.held
	out.held = nil
	w := out.stderr
	if errors.Is(err, flag.ErrHelp) {
		w = out.stdout
	}
	w.Write(held.Bytes())
	return err
}

// rawWriter returns the writer under run's renderer, for the program's
// own escape sequences (colours, the progress bar) around text already
// rendered with textsafe.Show; and whether NO_COLOR asks for none at all.
func rawWriter(w io.Writer) (raw io.Writer, noColor bool) {
	if sw, ok := w.(*textsafe.Writer); ok {
		sw.Flush()
		w = sw.Unwrap()
	}
	return w, os.Getenv("NO_COLOR") != ""
}
