package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"usersync/sync/targets"
)

// tuiLogin is how the guided import's session was signed in, so that the
// resume command it prints works as printed in a new shell. It holds no
// secret: the token stays in the target, saved only when the operator
// says so, and never printed.
type tuiLogin struct {
	conn *targets.Connection
	req  targets.Request // the sign-in that made the session (or renewed it)
}

// printResumeHint says how to resume an interrupted run in a new shell:
// with the token the session used saved (0600, as `usersync login` does)
// when the operator agrees on a terminal, or with the exact login command
// first. resume is the command the UI built; ask says whether in is a
// terminal to ask on.
func (b *tuiBackend) printResumeHint(w io.Writer, in io.Reader, ask bool, resume string) {
	l := b.login
	fmt.Fprintln(w, "usersync: the import was stopped; nothing was lost.")
	var d *targets.Descriptor
	if l.conn != nil {
		d, _ = targets.Lookup(l.conn.Target.Name())
	}
	switch {
	case b.sandboxURL != "":
		fmt.Fprintf(w, "Resume with:\n  %s\n", resume)
		fmt.Fprintln(w, "  (the in-process sandbox stopped with the program: resume against a sandbox started with --state, or run usersync --sandbox again)")
	case d == nil:
		fmt.Fprintf(w, "Resume with:\n  %s\n", resume)
	case d.KeepSession == nil: // the credential is the operator's own API token
		fmt.Fprintf(w, "Resume with %s set to the %s:\n  %s\n", targets.EnvToken, d.Credential(), resume)
	case !l.req.SignIn && b.getenv(targets.EnvToken) != "":
		fmt.Fprintf(w, "Resume with %s set as it is now:\n  %s\n", targets.EnvToken, resume)
	case !l.req.SignIn:
		if b.properties != "" {
			resume += " --properties " + shellWord(b.properties)
		}
		fmt.Fprintf(w, "Resume with:\n  %s\n", resume)
	default:
		b.keepSession(w, in, ask, d, resume)
	}
}

// keepSession offers to save the session's token for the resume command;
// a refusal, no terminal to ask on, or a failed save prints the login
// command to run first.
func (b *tuiBackend) keepSession(w io.Writer, in io.Reader, ask bool, d *targets.Descriptor, resume string) {
	l := b.login
	if ask {
		fmt.Fprint(w, "Keep this session's token (mode 0600, where usersync login keeps it) so the command below works in a new shell? [y/N] ")
		line, _ := bufio.NewReader(in).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a == "y" || a == "yes" {
			path, err := d.KeepSession(l.conn.Target, l.req)
			if err == nil {
				fmt.Fprintf(w, "Token saved to %s (mode 0600; it lasts as long as the session). Resume with:\n  %s --properties %s\n", path, resume, shellWord(path))
				return
			}
			fmt.Fprintf(w, "usersync: the token was not saved: %v\n", err)
		}
	}
	fmt.Fprintf(w, "The session's token was not kept. In a new shell, sign in first, then resume:\n  %s\n  %s\n", b.loginCommand(d), resume)
}

// loginCommand is the exact `usersync login` for the session's server:
// the target, the server, and every value the sign-in used but secrets.
func (b *tuiBackend) loginCommand(d *targets.Descriptor) string {
	l := b.login
	cmd := "usersync login --target " + d.Name + " --env " + shellWord(l.conn.URL)
	for _, f := range d.Fields {
		v := l.req.Value(f.Key)
		if f.Account && v == "" {
			v = l.conn.Account
		}
		if !f.Secret && v != "" {
			cmd += " --" + f.Key + " " + shellWord(v)
		}
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
