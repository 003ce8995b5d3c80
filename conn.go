package main

import (
	"context"
	"flag"
	"net/url"
	"sort"
	"strings"

	"usersync/csvfile/textsafe"
	"usersync/sync"
	"usersync/sync/targets"
)

// defaultSandboxAddr is where `usersync sandbox` listens unless told
// otherwise, so `--env sandbox` finds it.
const defaultSandboxAddr = "127.0.0.1:7480"

// connFlags are the CONN flags that plan, apply, login, check, rollback,
// template and the guided import share: which API, which server, where the
// token is, and one flag per login field the targets ask for (--school,
// --tenant, --email: from the descriptors, never a list of names here).
type connFlags struct {
	target     string
	env        string
	properties string
	values     map[string]*string // by targets.Field key
}

func addConnFlags(fs *flag.FlagSet) *connFlags {
	c := &connFlags{values: map[string]*string{}}
	fs.StringVar(&c.target, "target", targets.Default(), "the API: "+targets.OneOf())
	fs.StringVar(&c.env, "env", "", "staging, production, sandbox (http://"+defaultSandboxAddr+") or a URL such as http://127.0.0.1:PORT\n(default: the server the saved token came from)")
	usage := map[string][]string{}
	var tokenFiles []string
	for _, d := range targets.All() {
		if d.TokenFile != "" {
			tokenFiles = append(tokenFiles, d.Name+": "+d.TokenFile)
		}
		for _, f := range d.Fields {
			if !f.Secret && f.Usage != "" {
				usage[f.Key] = append(usage[f.Key], f.Usage)
			}
		}
	}
	help := "the token file (token=…)"
	if len(tokenFiles) > 0 {
		help += "; default: " + strings.Join(tokenFiles, "; ")
	}
	fs.StringVar(&c.properties, "properties", "", help)
	keys := make([]string, 0, len(usage))
	for k := range usage {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c.values[k] = fs.String(k, "", strings.Join(usage[k], "; "))
	}
	return c
}

// args is the CONN flags given on the command line as they would be typed
// again (quoted), for a command usersync tells the operator to run next:
// pasted, it reaches the same server. A token is never a flag, so none is
// in them.
func (c *connFlags) args(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "target" || f.Name == "env" || f.Name == "properties" || c.values[f.Name] != nil {
			b.WriteString(" --" + f.Name + " " + textsafe.ShellQuote(f.Value.String()))
		}
	})
	return b.String()
}

// value is a login field's flag, "" when no target declares it.
func (c *connFlags) value(key string) string {
	if p := c.values[key]; p != nil {
		return strings.TrimSpace(*p)
	}
	return ""
}

// given reports whether any flag beyond --target was set.
func (c *connFlags) given() bool {
	if c.env != "" || c.properties != "" {
		return true
	}
	for k := range c.values {
		if c.value(k) != "" {
			return true
		}
	}
	return false
}

// request is the connection the flags ask for; --env sandbox is the
// sandbox at its default address.
func (c *connFlags) request(env *cmdEnv) targets.Request {
	values := map[string]string{}
	for k, p := range c.values {
		values[k] = *p
	}
	return targets.Request{Target: c.target, Env: c.env, SandboxURL: "http://" + defaultSandboxAddr,
		Values: values, Properties: c.properties, Getenv: env.getenv}
}

// open resolves the server and the token and returns the target. It sends
// nothing: the first request tells whether the token is good.
func (c *connFlags) open(ctx context.Context, env *cmdEnv) (sync.Target, error) {
	conn, err := targets.Open(ctx, c.request(env))
	if err != nil {
		return nil, err
	}
	return conn.Target, nil
}

// hostOf is a URL's host, for messages.
func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}
