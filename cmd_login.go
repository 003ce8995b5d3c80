package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"usersync/sync/targets"

	"golang.org/x/term"
)

func init() {
	register(command{name: "login", summary: "log in and store the session token (mode 0600)", run: runLogin})
}

func runLogin(env *cmdEnv, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return login(ctx, env, args)
}

func login(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "login", "usage: usersync login [CONN] [--email E] [--password-stdin] [--properties PATH]")
	c := addConnFlags(fs)
	passwordStdin := fs.Bool("password-stdin", false, "read the password from standard input (first line) instead of asking")
	_, code, ok := parseArgs(fs, args, 0)
	if !ok {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(env.stderr, "usersync login: "+format+"\n", a...)
		return code
	}
	d, err := targets.Find(c.target)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	if d.Login == nil {
		return fail(exitUsage, "--target %s is not yet supported: %s uses its %s, not a password", d.Name, d.Name, d.Credential())
	}
	req := c.request(env)
	if _, err := d.URL(req); err != nil { // before asking for the password
		return fail(exitUsage, "%v", err)
	}

	in := bufio.NewReader(env.stdin)
	tty := isTerminal(env.stdin)
	email := c.value(targets.FieldEmail)
	if email == "" {
		if *passwordStdin || !tty {
			return fail(exitUsage, "pass --email (standard input is not a terminal to ask on)")
		}
		fmt.Fprint(env.stderr, "Email: ")
		line, err := in.ReadString('\n')
		if email = strings.TrimSpace(line); email == "" {
			return fail(exitUsage, "no email given%s", errSuffix(err))
		}
	}
	var password string
	switch {
	case *passwordStdin:
		line, err := in.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fail(exitUsage, "read the password: %v", err)
		}
		password = strings.TrimRight(line, "\r\n")
	case tty:
		fmt.Fprintf(env.stderr, "Password for %s: ", email)
		b, err := term.ReadPassword(int(env.stdin.(*os.File).Fd()))
		fmt.Fprintln(env.stderr)
		if err != nil {
			return fail(exitUsage, "read the password: %v", err)
		}
		password = string(b)
	default:
		return fail(exitUsage, "standard input is not a terminal: pass --password-stdin to read the password from it")
	}
	if password == "" {
		return fail(exitUsage, "empty password")
	}

	req.SignIn = true
	req.Values[targets.FieldEmail], req.Values[targets.FieldPassword] = email, password
	res, err := d.Login(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return fail(exitInterrupted, "interrupted")
		}
		return fail(exitUsage, "%v", err)
	}
	fmt.Fprintf(env.stderr, "Logged in to %s as %s. Token saved to %s (mode 0600);\n", hostOf(res.URL), email, res.SavedTo)
	for _, n := range res.Notes {
		fmt.Fprintln(env.stderr, n)
	}
	return exitOK
}

// isTerminal reports whether r is a terminal we can ask on.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func errSuffix(err error) string {
	if err == nil || errors.Is(err, io.EOF) {
		return ""
	}
	return ": " + err.Error()
}
