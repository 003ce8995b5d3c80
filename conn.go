package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"

	"usersync/sandbox"
	"usersync/sync"
	"usersync/sync/ccai"
	"usersync/sync/coursedog"
	"usersync/sync/properties"
)

// defaultSandboxAddr is where `usersync sandbox` listens unless told
// otherwise, so `--env sandbox` finds it.
const defaultSandboxAddr = "127.0.0.1:7480"

// connFlags are the CONN flags that plan, apply, login, rollback and the
// TUI share: which API, which server, which school or tenant, where the
// token is.
type connFlags struct {
	target     string
	env        string
	school     string
	tenant     string
	properties string
	email      string
}

func addConnFlags(fs *flag.FlagSet) *connFlags {
	c := &connFlags{}
	fs.StringVar(&c.target, "target", coursedog.TargetName, "the API: coursedog or ccai")
	fs.StringVar(&c.env, "env", "", "staging, production, sandbox (http://"+defaultSandboxAddr+") or a URL such as http://127.0.0.1:PORT\n(default: the server the saved token came from)")
	fs.StringVar(&c.school, "school", "", "coursedog: the School Unique ID (Admin > Settings); default: the one saved by login")
	fs.StringVar(&c.tenant, "tenant", "", "ccai: the tenant (your subdomain)")
	fs.StringVar(&c.properties, "properties", "", "coursedog: the token file (default: ./"+coursedog.PropertiesName+", then the one login writes)")
	fs.StringVar(&c.email, "email", "", "coursedog: the account's email (login)")
	return c
}

// open resolves the server and the token and returns the target. It sends
// nothing: the first request tells whether the token is good.
func (c *connFlags) open(ctx context.Context, env *cmdEnv) (sync.Target, error) {
	switch strings.ToLower(c.target) {
	case coursedog.TargetName, "":
		t, _, err := c.openCoursedog(env)
		return t, err
	case ccai.TargetName:
		return c.openCCAI(env)
	}
	return nil, fmt.Errorf("unknown --target %q: want coursedog or ccai", c.target)
}

// openCoursedog finds the token (USERSYNC_TOKEN, --properties,
// ./coursedog.properties, the config dir) and the server and school: the
// flags, else what login saved beside the token.
func (c *connFlags) openCoursedog(env *cmdEnv) (*coursedog.Target, coursedog.TokenSource, error) {
	ts, err := coursedog.FindToken(env.getenv, c.properties)
	if err != nil {
		return nil, ts, err
	}
	name := c.env
	if name == "" {
		name = ts.Default(coursedog.PropURL)
	}
	base, err := c.coursedogURL(name)
	if err != nil {
		return nil, ts, err
	}
	if err := ts.CheckURL(base); err != nil {
		return nil, ts, err
	}
	school := c.coursedogSchool(name)
	if school == "" {
		school = ts.Default(coursedog.PropSchool)
	}
	if school == "" {
		return nil, ts, errors.New("no school: pass --school with the School Unique ID (Admin > Settings)")
	}
	client, err := coursedog.NewClient(coursedog.Options{BaseURL: base, School: school, Token: ts.Token})
	if err != nil {
		return nil, ts, err
	}
	return coursedog.NewTarget(client), ts, nil
}

// coursedogURL resolves --env; "sandbox" is the local sandbox's default
// address.
func (c *connFlags) coursedogURL(name string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(name), "sandbox") {
		return "http://" + defaultSandboxAddr, nil
	}
	if name == "" {
		return "", errors.New("no environment: pass --env staging, production, sandbox or a URL (or run `usersync login` first)")
	}
	return coursedog.BaseURL(name)
}

// coursedogSchool is --school, or the sandbox's demo school when the
// server is the sandbox and none was given.
func (c *connFlags) coursedogSchool(envName string) string {
	if c.school != "" {
		return c.school
	}
	if strings.EqualFold(envName, "sandbox") {
		return sandbox.DemoSchool
	}
	return ""
}

// openCCAI connects to a ccai tenant: --tenant (the subdomain), the API
// token from USERSYNC_TOKEN or --properties (token=…), --env the platform's
// domain or a URL. --env sandbox is the local sandbox, whose demo tenant
// and token are used when none are given.
func (c *connFlags) openCCAI(env *cmdEnv) (*ccai.Target, error) {
	name := strings.TrimSpace(c.env)
	tenant, token := c.tenant, env.getenv("USERSYNC_TOKEN")
	if token == "" && c.properties != "" {
		p, err := properties.Read(c.properties)
		if err != nil {
			return nil, err
		}
		token, _ = p.Get("token")
	}
	base := ""
	if strings.EqualFold(name, "sandbox") {
		base = "http://" + defaultSandboxAddr
		if tenant == "" && token == "" {
			tenant, token = sandbox.DemoTenant, sandbox.DemoAPIToken
		}
	}
	switch {
	case tenant == "":
		return nil, errors.New("no tenant: pass --tenant with your CCAI Platform subdomain")
	case token == "":
		return nil, errors.New("no API token: set USERSYNC_TOKEN to the api_user token (Settings > Developer Settings > API Credentials), or pass --properties FILE holding token=…")
	case base == "":
		b, err := ccai.BaseURL(name, tenant)
		if err != nil {
			return nil, err
		}
		base = b
	}
	return ccai.New(ccai.Options{BaseURL: base, Tenant: tenant, Token: token})
}

// hostOf is a URL's host, for messages.
func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}
