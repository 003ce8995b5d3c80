package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"usersync/sandbox"
	"usersync/sync/targets"
)

func init() {
	register(command{name: "sandbox", summary: "serve a local stand-in for the APIs, with demo users and faults on demand", run: runSandbox})
}

func runSandbox(env *cmdEnv, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveSandbox(ctx, env, args)
}

// serveSandbox serves until ctx ends (Ctrl-C), then shuts down gracefully
// and writes the state one last time.
func serveSandbox(ctx context.Context, env *cmdEnv, args []string) int {
	fs := newFlagSet(env, "sandbox", "usage: usersync sandbox [--addr 127.0.0.1:PORT] [--users N] [--latency D] [--fail-rate F] [--drop-rate F]\n"+
		"         [--rate-limit PER_S] [--token-ttl D] [--state FILE] [--seed S] [--login-field F] [--ignore-field NAME] [--drift] [--json]")
	var o sandbox.Options
	fs.StringVar(&o.Addr, "addr", defaultSandboxAddr, "loopback address to listen on (port 0: a free one)")
	fs.IntVar(&o.Users, "users", 200, "users to seed")
	fs.DurationVar(&o.Latency, "latency", 0, "added latency per request (each waits 0.5–1.5× this)")
	fs.Float64Var(&o.FailRate, "fail-rate", 0, "share of requests answered 500/502/503 (0–1)")
	fs.Float64Var(&o.DropRate, "drop-rate", 0, "share of requests whose connection is dropped after the work is done (0–1)")
	fs.Float64Var(&o.RateLimit, "rate-limit", 0, "coursedog requests per second before 429 + Retry-After (0: no limit)")
	fs.DurationVar(&o.TokenTTL, "token-ttl", 24*time.Hour, "session token lifetime")
	fs.StringVar(&o.StateFile, "state", "", "keep the users in this file (loaded on start, written on change)")
	fs.Int64Var(&o.Seed, "seed", 0, "seed for the demo data and the faults")
	fs.StringVar(&o.LoginField, "login-field", "", "coursedog: accept the password only as plaintextPassword (the vendor's article) or password (its public code); default either")
	fs.Func("ignore-field", "accept this user field (a JSON key, e.g. department) on writes and silently drop it (repeatable), to see the canary catch it", func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("--ignore-field needs a field name")
		}
		o.IgnoreFields = append(o.IgnoreFields, strings.TrimSpace(v))
		return nil
	})
	fs.BoolVar(&o.Drift, "drift", false, "answer shapes the adapters do not expect (keys they read, renamed), to see usersync check catch it")
	asJSON := fs.Bool("json", false, "print the address and credentials as one JSON document on stdout")
	_, code, ok := parseArgs(fs, args, 0)
	if !ok {
		return code
	}
	o.Log = log.New(env.stderr, "", log.LstdFlags)
	srv, err := sandbox.Start(o)
	if err != nil {
		fmt.Fprintf(env.stderr, "usersync sandbox: %v\n", err)
		if strings.Contains(err.Error(), "address already in use") {
			fmt.Fprintln(env.stderr, "Another sandbox may be running; pass --addr 127.0.0.1:0 for a free port.")
		}
		return exitUsage
	}
	url := srv.URL()
	// The demo identity of every target, from its descriptor.
	ids := map[string]any{"url": url, "stats": url + "/_sandbox/stats"}
	for _, d := range targets.All() {
		ids[d.Name] = d.Sandbox
	}
	if *asJSON {
		json.NewEncoder(env.stdout).Encode(ids)
	}
	fmt.Fprintf(env.stderr, "usersync sandbox serving at %s\n", url)
	for _, d := range targets.All() {
		line := fmt.Sprintf("  %-10s", d.Name)
		for _, f := range d.Fields {
			if v, ok := d.Sandbox[f.Key]; ok {
				line += " " + f.Key + " " + v + " "
			}
		}
		fmt.Fprintln(env.stderr, strings.TrimRight(line, " "))
	}
	fmt.Fprintf(env.stderr, "  %d users (seed %d); faults: %s", len(srv.Users()), o.Seed, describeFaults(o))
	if o.StateFile != "" {
		fmt.Fprintf(env.stderr, "; state in %s", o.StateFile)
	}
	fmt.Fprintln(env.stderr)
	for _, d := range targets.All() {
		if d.Login != nil {
			target := ""
			if d.Name != targets.Default() {
				target = " --target " + d.Name
			}
			fmt.Fprintf(env.stderr, "  log in:  usersync login%s --env %s --email %s\n", target, url, d.Sandbox[targets.FieldEmail])
		}
	}
	fmt.Fprintf(env.stderr, "  stats:   %s/_sandbox/stats\nCtrl-C stops it.\n", url)

	<-ctx.Done()
	fmt.Fprintln(env.stderr, "usersync sandbox: shutting down")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(env.stderr, "usersync sandbox: %v\n", err)
		return exitRowsFailed
	}
	return exitOK
}

func describeFaults(o sandbox.Options) string {
	var f []string
	if o.Latency > 0 {
		f = append(f, "latency "+o.Latency.String())
	}
	if o.FailRate > 0 {
		f = append(f, fmt.Sprintf("%g%% 5xx", o.FailRate*100))
	}
	if o.DropRate > 0 {
		f = append(f, fmt.Sprintf("%g%% dropped", o.DropRate*100))
	}
	if o.RateLimit > 0 {
		f = append(f, fmt.Sprintf("%g requests/s", o.RateLimit))
	}
	if len(f) == 0 {
		return "none"
	}
	return strings.Join(f, ", ")
}
