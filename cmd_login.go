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

	"golang.org/x/term"

	"usersync/sync/coursedog"
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
	switch strings.ToLower(c.target) {
	case coursedog.TargetName, "":
	case "ccai":
		return fail(exitUsage, "--target ccai is not yet supported: ccai uses an API token, not a password")
	default:
		return fail(exitUsage, "unknown --target %q: want coursedog or ccai", c.target)
	}
	base, err := c.coursedogURL(c.env)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	path := c.properties
	if path == "" {
		if path, err = coursedog.DefaultPropertiesPath(); err != nil {
			return fail(exitUsage, "%v", err)
		}
	}

	in := bufio.NewReader(env.stdin)
	tty := isTerminal(env.stdin)
	email := strings.TrimSpace(c.email)
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

	client, err := coursedog.NewClient(coursedog.Options{BaseURL: base, School: c.coursedogSchool(c.env)})
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	token, err := client.Login(ctx, email, password)
	if err != nil {
		if ctx.Err() != nil {
			return fail(exitInterrupted, "interrupted")
		}
		return fail(exitUsage, "%v", err)
	}
	if err := coursedog.SaveToken(path, token, base, client.School(), email); err != nil {
		return fail(exitUsage, "%v", err)
	}
	fmt.Fprintf(env.stderr, "Logged in to %s as %s. Token saved to %s (mode 0600);\n"+
		"it lasts 24 hours and ends when %s logs in anywhere else.\n", hostOf(base), email, path, email)
	if client.School() == "" {
		fmt.Fprintln(env.stderr, "Pass --school with the School Unique ID to plan and apply (or log in again with --school to save it).")
	}
	if env.getenv(coursedog.EnvToken) != "" {
		fmt.Fprintf(env.stderr, "Note: %s is set and is used before this file.\n", coursedog.EnvToken)
	}
	if c.properties == "" {
		if _, err := os.Stat(coursedog.PropertiesName); err == nil {
			fmt.Fprintf(env.stderr, "Note: ./%s in this directory is used before %s.\n", coursedog.PropertiesName, path)
		}
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
