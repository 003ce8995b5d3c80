package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"usersync/csvfile/textsafe"
	"usersync/sync"
	"usersync/sync/render"
	"usersync/sync/targets"
)

func init() {
	register(command{name: "check", summary: "read-only probe: does the live API answer what the adapter needs? (sends no write)", run: runCheck})
}

func runCheck(env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "check", "usage: usersync check [CONN] [--email E --password-stdin] [--json]")
	c := addConnFlags(fs)
	asJSON := fs.Bool("json", false, "print the findings as one JSON document on stdout")
	passwordStdin := fs.Bool("password-stdin", false, "coursedog: sign in with --email and the password on standard input (first line), "+
		"probing the session endpoint too; the token is not stored")
	if _, code, ok := parseArgs(fs, args, 0); !ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var t sync.Target
	var err error
	if *passwordStdin {
		t, err = c.signIn(ctx, env)
	} else {
		t, err = c.open(ctx, env)
	}
	if err != nil {
		// A sign-in refused here is the password given (exit 2, as login
		// says); no saved token is involved yet.
		fmt.Fprintf(env.stderr, "usersync check: %v\n", err)
		return exitUsage
	}
	pr, ok := t.(sync.Prober)
	if !ok {
		fmt.Fprintf(env.stderr, "usersync check: target %s cannot be checked\n", t.Name())
		return exitUsage
	}
	p := pr.Probe(ctx)
	if ctx.Err() != nil {
		fmt.Fprintln(env.stderr, "usersync check: interrupted")
		return exitInterrupted
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", " ")
		enc.Encode(p)
	}
	printProbe(env.stderr, p)
	if p.Refused() {
		// The same cause as a refused token in a run, the same exit.
		fmt.Fprintf(env.stderr, "usersync check: %s; nothing was sent; run the same command again\n", signInAgain(t.Name()))
		return exitInterrupted
	}
	if p.Unanswered() {
		return exitInterrupted // as plan and apply: the server stopped answering
	}
	if !p.OK() {
		return exitRowsFailed
	}
	return exitOK
}

// signIn opens a session with --email and the password read from
// standard input, without storing the token: check then probes the
// session endpoint as well. Only targets with a password field sign in so.
func (c *connFlags) signIn(ctx context.Context, env *cmdEnv) (sync.Target, error) {
	d, err := targets.Find(c.target)
	if err != nil {
		return nil, err
	}
	if _, ok := d.Field(targets.FieldPassword); !ok {
		return nil, fmt.Errorf("--password-stdin is for targets that sign in with a password; %s signs in with its %s", d.Name, d.Credential())
	}
	if c.value(targets.FieldEmail) == "" {
		return nil, errors.New("--password-stdin needs --email")
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read the password: %w", err)
	}
	req := c.request(env)
	req.SignIn = true
	req.Values[targets.FieldPassword] = strings.TrimRight(line, "\r\n")
	conn, err := targets.Open(ctx, req)
	if err != nil {
		return nil, err
	}
	return conn.Target, nil
}

// printProbe writes the findings for people, one endpoint a line. Names,
// keys and messages the server sent are shown escaped.
func printProbe(w io.Writer, p *sync.Probe) {
	fmt.Fprintf(w, "check %s: %s\n", p.Target, textsafe.Show(p.Connection))
	for _, e := range p.Endpoints {
		mark := "ok  "
		switch {
		case !e.OK():
			mark = "FAIL"
		case !e.Probed:
			mark = "--  "
		case e.Err != "" || !e.Reached:
			mark = "warn"
		}
		fmt.Fprintf(w, "%s %-6s %s  (%s)\n", mark, e.Method, textsafe.Show(e.Path), e.Source)
		var facts []string
		if e.Probed && e.Reached {
			facts = append(facts, fmt.Sprintf("HTTP %d", e.Status))
			if !e.AuthOK {
				facts = append(facts, "credentials refused")
			} else if e.Err == "" {
				facts = append(facts, fmt.Sprintf("%d objects", e.Items))
			}
		}
		if e.Err != "" {
			facts = append(facts, textsafe.Show(e.Err))
		}
		if len(e.Missing) > 0 {
			facts = append(facts, "missing: "+textsafe.Show(strings.Join(e.Missing, ", ")))
		}
		if len(e.Wrong) > 0 {
			facts = append(facts, "another type: "+textsafe.Show(strings.Join(e.Wrong, "; ")))
		}
		if len(e.Unknown) > 0 {
			facts = append(facts, "unknown keys (read past): "+textsafe.Show(strings.Join(e.Unknown, ", ")))
		}
		if e.Probed && e.Reached {
			if len(e.RateLimit) == 0 {
				facts = append(facts, "no rate-limit headers")
			} else {
				keys := make([]string, 0, len(e.RateLimit))
				for k := range e.RateLimit {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for i, k := range keys {
					keys[i] = k + ": " + e.RateLimit[k]
				}
				facts = append(facts, "rate limit: "+textsafe.Show(strings.Join(keys, ", ")))
			}
		}
		if e.Note != "" {
			facts = append(facts, textsafe.Show(e.Note))
		}
		if len(facts) > 0 {
			fmt.Fprintf(w, "       %s\n", strings.Join(facts, "; "))
		}
	}
	if p.OK() {
		fmt.Fprintln(w, "Everything the adapter depends on answers as it expects.")
		return
	}
	switch head := render.ProbeHeading(p); head {
	case render.ProbeUnanswered:
		fmt.Fprintf(w, "%s (nothing was sent); run the same command again when it is back.\n", head)
		return
	case render.ProbeRefused:
		fmt.Fprintf(w, "%s (nothing was sent):\n", head) // what to do follows (runCheck)
	default:
		fmt.Fprintf(w, "%s; do not import until this is understood:\n", head)
	}
	for _, m := range p.Mismatches() {
		fmt.Fprintf(w, "  - %s\n", textsafe.Show(m))
	}
}
