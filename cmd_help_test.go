package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Go's flag package takes a `quoted` word in a flag's usage as the name of
// its value: `plan --help` listed "-out usersync apply PLAN.json" and
// `sandbox --help` "-drift usersync check", as if those were what the
// flags take. Every flag line of every --help names the flag and at most
// one word for its value.
func TestHelpFlagLinesNameOneValue(t *testing.T) {
	names := []string{""} // the guided import's own flags
	for n := range commands {
		names = append(names, n)
	}
	for _, n := range names {
		args := []string{"--help"}
		if n != "" {
			args = []string{n, "--help"}
		}
		code, stdout, stderr := runOffline(t, args...)
		if code != exitOK {
			t.Errorf("usersync %s --help: exit %d", n, code)
		}
		for _, line := range strings.Split(stdout+stderr, "\n") {
			if !strings.HasPrefix(line, "  -") {
				continue
			}
			if f := strings.Fields(line); len(f) > 2 {
				t.Errorf("usersync %s --help: %q names more than one value", n, line)
			}
		}
	}
}

// A tired operator's slips: a typo in the command, FILE left out, a
// second word where one FILE goes. Each says what is wrong, first or
// last, not a screen of usage with the cause scrolled away or unsaid.
func TestSlipsSayWhatIsWrong(t *testing.T) {
	code, _, stderr := runOffline(t, "vaildate", "users.csv")
	if code != exitUsage || !strings.Contains(stderr, `unknown command "vaildate"; did you mean validate?`) {
		t.Errorf("typo: exit %d\n%s", code, stderr)
	}
	if lines := strings.Count(stderr, "\n"); lines > 3 {
		t.Errorf("typo: %d lines, the mistake buried in the usage:\n%s", lines, stderr)
	}
	if _, _, stderr := runOffline(t, "frobnicate"); strings.Contains(stderr, "did you mean") {
		t.Errorf("a word near no command got a suggestion:\n%s", stderr)
	}
	code, _, stderr = runOffline(t, "validate")
	if code != exitUsage || !strings.HasPrefix(stderr, "usersync validate: FILE is missing\n") {
		t.Errorf("no FILE: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runOffline(t, "validate", "testdata/users.csv", "Given=First Name")
	if code != exitUsage || !strings.Contains(stderr, `"Given=First Name"`) {
		t.Errorf("a second word: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runOffline(t, "check", "users.csv")
	if code != exitUsage || !strings.Contains(stderr, "takes no FILE") {
		t.Errorf("check with a FILE: exit %d\n%s", code, stderr)
	}
}

// A --map whose header is not in the file (a typo) left the file's
// missing column reported with "map it: --map \"HEADER=Email\"", as if
// no mapping had been given; it now names the mapping and why it missed.
func TestMissingColumnNamesTheMapThatMissed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(path, []byte("First Name,Last Name,Work Mail,Products\nAda,Lovelace,ada@example.edu,scheduling\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runOffline(t, "validate", path, "--map", "Work Mial=Email")
	if code != exitUsage {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, `--map "Work Mial=Email" named no header of the file`) {
		t.Errorf("the mapping that missed is not named:\n%s", stderr)
	}
	if strings.Contains(stderr, `map it: --map "HEADER=Email"`) {
		t.Errorf("asks for a mapping that was given:\n%s", stderr)
	}
	// The right header maps it.
	if code, _, stderr := runOffline(t, "validate", path, "--map", "Work Mail=Email"); code != exitOK {
		t.Errorf("mapped: exit %d\n%s", code, stderr)
	}
}

// A command's flag typed before the command (`usersync --json validate
// FILE`) was refused as a flag of the guided import, whose usage then
// filled the screen without the commands; it now says where the flag goes.
func TestFlagBeforeTheCommandSaysWhereItGoes(t *testing.T) {
	code, _, stderr := runOffline(t, "--json", "validate", "testdata/users.csv")
	if code != exitUsage {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "usersync validate --json testdata/users.csv") {
		t.Errorf("does not say where the flag goes:\n%s", stderr)
	}
	if !strings.Contains(stderr, "usage: usersync [--sandbox] [flags] [FILE] | usersync COMMAND [flags]") {
		t.Errorf("the guided import's usage differs from --help's:\n%s", stderr)
	}
}

// Help that is asked for is the output: `usersync plan --help | less`
// pages it, and `> help.txt` keeps it. Help shown because of a mistake is
// a message, on stderr with the mistake, and stdout stays empty for the
// script that reads it.
func TestHelpAskedForGoesToStdout(t *testing.T) {
	asks := [][]string{{"--help"}, {"-h"}, {"help"}}
	for n := range commands {
		asks = append(asks, []string{n, "--help"}, []string{n, "-h"})
	}
	for _, args := range asks {
		code, stdout, stderr := runOffline(t, args...)
		if code != exitOK || !strings.HasPrefix(stdout, "usage: usersync") || stderr != "" {
			t.Errorf("usersync %s: exit %d, stdout %.40q, stderr %.80q", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	for n := range commands {
		code, stdout, stderr := runOffline(t, n, "--no-such-flag")
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "flag provided but not defined: -no-such-flag") || !strings.Contains(stderr, "usage: usersync") {
			t.Errorf("usersync %s --no-such-flag: exit %d, stdout %.40q, stderr %.80q", n, code, stdout, stderr)
		}
	}
	code, stdout, stderr := runOffline(t, "--no-such-flag")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "usage: usersync") {
		t.Errorf("usersync --no-such-flag: exit %d, stdout %.40q, stderr %.80q", code, stdout, stderr)
	}
}

// `usersync help apply` printed the list of commands, not apply's help:
// it is now the same as `usersync apply --help`; a name that is no
// command is said to be none, as `usersync nosuch` says it.
func TestHelpNamingACommand(t *testing.T) {
	for n := range commands {
		code, stdout, stderr := runOffline(t, "help", n)
		_, want, _ := runOffline(t, n, "--help")
		if code != exitOK || stdout != want || stderr != "" {
			t.Errorf("usersync help %s: exit %d, stdout %.60q, stderr %.80q; want %s --help's help", n, code, stdout, stderr, n)
		}
	}
	code, stdout, stderr := runOffline(t, "help", "aply")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, `unknown command "aply"; did you mean apply?`) {
		t.Errorf("usersync help aply: exit %d, stdout %.40q, stderr %q", code, stdout, stderr)
	}
}

// After `--` every word is a FILE, not a flag, as for every Unix tool: a
// file named like a flag can be given, and a flag after `--` is not taken
// for one.
func TestDoubleDashEndsTheFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "-x.csv")
	if err := os.WriteFile(file, []byte("First Name,Last Name,Email,Products\nAda,Lovelace,ada@example.edu,events\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	code, _, stderr := runOffline(t, "validate", "--", "-x.csv")
	if code != exitOK || !strings.Contains(stderr, "-x.csv: 1 row valid") {
		t.Errorf("validate -- -x.csv: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := runOffline(t, "validate", "--", "-x.csv", "--json")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, `["--json"]`) {
		t.Errorf("validate -- -x.csv --json: exit %d, stdout %.40q\n%s", code, stdout, stderr)
	}
}
