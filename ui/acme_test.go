package ui

import (
	"context"
	"strings"
	gosync "sync"
	"testing"

	"usersync/csvfile"
	"usersync/sync"
	"usersync/sync/targets"
)

// acmeTarget is a memTarget under a third target's name.
type acmeTarget struct{ *memTarget }

func (acmeTarget) Name() string { return "acme" }

// acmeBackend records the login requests the screen sends; the first one
// is refused.
type acmeBackend struct {
	*memBackend
	mu   gosync.Mutex
	reqs []LoginRequest
}

func (b *acmeBackend) Login(_ context.Context, req LoginRequest) (Session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reqs = append(b.reqs, req)
	if len(b.reqs) == 1 {
		return Session{}, &sync.Error{Kind: sync.KindUnauthorized, Status: 401, Op: "sign in"}
	}
	return Session{Target: acmeTarget{b.target}, Schema: b.target.schema, Env: req.Env, URL: "https://test.acme.example", Account: req.Tenant}, nil
}

// A target the UI has never heard of is offered from its descriptor
// alone: its login fields and labels, its environments, its refusal in its
// words, its file types and its account flag in the resume command.
func TestLoginScreenRendersAThirdTargetFromItsDescriptor(t *testing.T) {
	targets.Register(targets.Descriptor{
		Name: "acme", Title: "Acme",
		Envs: []targets.Env{{Name: "test", Label: "Test", URL: "https://test.acme.example"},
			{Name: "live", Label: "Live", URL: "https://acme.example", Production: true}},
		CustomURL: func(env string, _ targets.Request) (string, error) { return env, nil },
		Fields: []targets.Field{
			{Key: targets.FieldTenant, Label: "Workspace", Placeholder: "your-workspace", Account: true},
			{Key: targets.FieldToken, Label: "Access key", Secret: true},
		},
		Refused:   "Workspace or access key refused.",
		FileTypes: []string{".csv", ".tsv"},
		Schema:    func() *csvfile.Schema { return testSchema() },
		Connect:   func(context.Context, targets.Request) (*targets.Connection, error) { return nil, nil },
	})
	t.Cleanup(func() { targets.Unregister("acme") })

	b := &acmeBackend{memBackend: newMemBackend(newMemTarget())}
	m := New(b, Defaults{Targets: targets.Names(), Login: LoginRequest{Target: "acme", Env: EnvStaging}}, true)
	d := newDriver(t, m, 100, 30)
	d.sees("acme", "Test", "Workspace", "Access key")
	if v := d.view(); strings.Contains(v, "School ID") || strings.Contains(v, "Email") || strings.Contains(v, "Tenant") {
		t.Fatalf("another target's fields are shown:\n%s", v)
	}
	d.keys("tab", "shift+tab") // focus the first field
	d.typeText("w1")
	d.keys("tab")
	d.typeText("k1")
	d.keys("enter")
	d.until("the refusal", func(m *Model) bool { return m.login.err != "" })
	d.sees("Workspace or access key refused. Check both and try again.")
	d.keys("enter")
	d.until("the session", func(m *Model) bool { return m.session != nil })

	b.mu.Lock()
	req := b.reqs[len(b.reqs)-1]
	b.mu.Unlock()
	if req.Target != "acme" || req.Env != EnvStaging || req.EnvName != "test" || req.Tenant != "w1" || req.APIToken != "k1" || req.UseSavedToken {
		t.Errorf("the screen asked for %+v", req)
	}
	if got := strings.Join(d.m.file.picker.AllowedTypes, " "); got != ".csv .tsv" {
		t.Errorf("the picker offers %s", got)
	}
	if c := d.m.resumeCommand(&sync.Run{JournalPath: "j.jsonl"}); !strings.Contains(c, "--target acme") || !strings.Contains(c, "--tenant w1") {
		t.Errorf("resume command %q", c)
	}
}
