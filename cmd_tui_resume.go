package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"usersync/sync/ccai"
	"usersync/sync/coursedog"
)

// tuiLogin is how the guided import's session was signed in, so that the
// resume command it prints works as printed in a new shell. The token is
// kept only to be saved when the operator says so; it is never printed.
type tuiLogin struct {
	target, base, school, email string
	token                       string // from a password sign-in
	saved                       bool   // the token came from USERSYNC_TOKEN or a properties file
}

// printResumeHint says how to resume an interrupted run in a new shell:
// with the token the session used saved (0600, as `usersync login` does)
// when the operator agrees on a terminal, or with the exact login command
// first. resume is the command the UI built; ask says whether in is a
// terminal to ask on.
func (b *tuiBackend) printResumeHint(w io.Writer, in io.Reader, ask bool, resume string) {
	l := b.login
	fmt.Fprintln(w, "usersync: the import was stopped; nothing was lost.")
	switch {
	case b.sandboxURL != "":
		fmt.Fprintf(w, "Resume with:\n  %s\n", resume)
		fmt.Fprintln(w, "  (the in-process sandbox stopped with the program: resume against a sandbox started with --state, or run usersync --sandbox again)")
	case l.target == ccai.TargetName:
		fmt.Fprintf(w, "Resume with USERSYNC_TOKEN set to the tenant's api_user token:\n  %s\n", resume)
	case l.saved && b.getenv(coursedog.EnvToken) != "":
		fmt.Fprintf(w, "Resume with %s set as it is now:\n  %s\n", coursedog.EnvToken, resume)
	case l.saved:
		if b.properties != "" {
			resume += " --properties " + shellWord(b.properties)
		}
		fmt.Fprintf(w, "Resume with:\n  %s\n", resume)
	default:
		b.keepToken(w, in, ask, resume)
	}
}

// keepToken offers to save the session's token for the resume command; a
// refusal, or no terminal to ask on, prints the login command to run first.
func (b *tuiBackend) keepToken(w io.Writer, in io.Reader, ask bool, resume string) {
	l := b.login
	path, err := coursedog.DefaultPropertiesPath()
	if err == nil && l.token != "" && ask {
		fmt.Fprintf(w, "Keep this session's token in %s (mode 0600, as usersync login does) so the command below works in a new shell? [y/N] ", path)
		line, _ := bufio.NewReader(in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a == "y" || a == "yes" {
			if err := coursedog.SaveToken(path, l.token, l.base, l.school, l.email); err != nil {
				fmt.Fprintf(w, "usersync: the token was not saved: %v\n", err)
			} else {
				fmt.Fprintf(w, "Token saved to %s (mode 0600; it lasts 24 hours). Resume with:\n  %s --properties %s\n", path, resume, shellWord(path))
				return
			}
		}
	}
	fmt.Fprintf(w, "The session's token was not kept. In a new shell, sign in first, then resume:\n  %s\n  %s\n", b.loginCommand(), resume)
}

// loginCommand is the exact `usersync login` for the session's server.
func (b *tuiBackend) loginCommand() string {
	l := b.login
	cmd := "usersync login --env " + shellWord(l.base) + " --school " + shellWord(l.school)
	if l.email != "" {
		cmd += " --email " + shellWord(l.email)
	}
	return cmd
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
