package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"usersync/sync"
	"usersync/sync/targets"
)

// The login form as the current target's descriptor draws it: which rows,
// their labels, the environments, and the words of a refused sign-in.

// loginInputs are the form's rows for the login fields a descriptor asks
// for, by targets.Field key (the labels then come from the descriptor).
var loginInputs = map[string]loginField{
	targets.FieldSchool: fieldSchool, targets.FieldEmail: fieldEmail, targets.FieldPassword: fieldPassword,
	targets.FieldTenant: fieldTenant, targets.FieldToken: fieldAPIToken,
}

// envChoice is one environment the form offers for the current target.
type envChoice struct {
	kind  Env
	name  string // a named environment's targets.Env.Name
	label string
}

// desc is the current target's descriptor (an empty one for a name no
// adapter registered).
func (l *loginScreen) desc() *targets.Descriptor {
	if d, ok := targets.Lookup(l.targetName()); ok {
		return d
	}
	return &targets.Descriptor{Name: l.targetName()}
}

func (l *loginScreen) env() Env { return l.envChoice().kind }

func (l *loginScreen) envChoice() envChoice {
	if len(l.envs) == 0 {
		return envChoice{kind: EnvCustom, label: EnvCustom.String()}
	}
	return l.envs[l.envIdx]
}

// label is a row's label: the descriptor's for a login field.
func (l *loginScreen) label(f loginField) string {
	for k, lf := range loginInputs {
		if lf == f {
			if fd, ok := l.desc().Field(k); ok {
				return fd.Label
			}
		}
	}
	return fieldLabels[f]
}

// setEnvs lists the environments the current target offers (the sandbox
// when one runs, the descriptor's named servers, a URL) and the
// placeholders of its fields.
func (l *loginScreen) setEnvs() {
	cur := l.envChoice()
	d := l.desc()
	l.envs = l.envs[:0]
	if l.sandbox != "" {
		l.envs = append(l.envs, envChoice{kind: EnvSandbox, label: EnvSandbox.String()})
	}
	for _, e := range d.Envs {
		l.envs = append(l.envs, envChoice{kind: NamedEnv(e.Production), name: e.Name, label: e.Label})
	}
	l.envs = append(l.envs, envChoice{kind: EnvCustom, label: EnvCustom.String()})
	l.envIdx = 0
	for i, e := range l.envs {
		if e.kind == cur.kind && (cur.name == "" || e.name == cur.name) {
			l.envIdx = i
			break
		}
	}
	l.inputs[fieldURL].Placeholder = "https://…"
	if d.CustomHint != "" {
		l.inputs[fieldURL].Placeholder = d.CustomHint
	}
	for _, fd := range d.Fields {
		if f, ok := loginInputs[fd.Key]; ok {
			l.inputs[f].Placeholder = fd.Placeholder
		}
	}
}

// savedOffered: the target keeps a saved token and one is at hand.
func (l *loginScreen) savedOffered() bool { return l.saved && l.desc().FindSaved != nil }

// describeLoginError says in plain words why signing in failed.
func describeLoginError(err error, req LoginRequest, sandboxURL string) string {
	d, ok := targets.Lookup(req.Target)
	if !ok {
		d = &targets.Descriptor{Name: req.Target}
	}
	where := req.URL
	switch req.Env {
	case EnvSandbox:
		where = sandboxURL
	case EnvStaging, EnvProduction:
		for _, e := range d.Envs {
			if e.Name == req.EnvName || (req.EnvName == "" && NamedEnv(e.Production) == req.Env) {
				where = d.Title + " " + strings.ToLower(e.Label)
				break
			}
		}
	}
	if errors.Is(err, context.Canceled) {
		return "Sign-in cancelled."
	}
	var se *sync.Error
	if errors.As(err, &se) {
		switch se.Kind {
		case sync.KindUnauthorized:
			switch {
			case req.UseSavedToken:
				return "The saved token was refused: it has expired or a newer sign-in replaced it. Sign in with your email and password."
			case d.Refused != "":
				return d.Refused + " Check both and try again."
			default:
				return "Sign-in refused. Check what you typed and try again."
			}
		case sync.KindNotFound:
			if d.NotFound != "" {
				return fmt.Sprintf(d.NotFound, req.Value(d.Account().Key)) + " at " + where + "."
			}
			return "Not found at " + where + "."
		case sync.KindNetwork:
			return "Cannot reach " + where + ": the server did not answer. Check the URL, your network or VPN, and try again."
		case sync.KindRateLimited:
			return "The server is rate limiting sign-ins; wait a moment and try again."
		case sync.KindServer:
			return "The server failed (" + se.Error() + "). Try again in a moment."
		}
		return "Sign-in failed: " + se.Error()
	}
	return "Sign-in failed: " + err.Error()
}
