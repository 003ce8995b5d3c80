package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"usersync/csvfile"
	"usersync/sync"
)

// testSchema mirrors the coursedog schema's shape: required names and
// email, a product list with labels people type instead of keys.
func testSchema() *csvfile.Schema {
	return &csvfile.Schema{Target: "coursedog", Mail: true, Fields: []csvfile.Field{
		{Key: "firstName", Header: "First Name", Required: true, Aliases: []string{"Given Name", "first_name"}},
		{Key: "lastName", Header: "Last Name", Required: true, Aliases: []string{"Surname"}},
		{Key: "email", Header: "Email", Required: true, Email: true, Identity: true, Aliases: []string{"E-mail"}},
		{Key: "products", Header: "Products", List: true, Kind: "product key", Choices: []csvfile.Choice{
			{Value: "scheduling", Label: "Scheduling"},
			{Value: "curriculum", Label: "Curriculum"},
			{Value: "courseDemandProjections", Label: "Course Demand Projections"},
		}},
		{Key: "department", Header: "Department"},
		{Key: "roles", Header: "Role IDs", List: true, Kind: "role ID", Choices: []csvfile.Choice{
			{Value: "r-1", Label: "Faculty"}, {Value: "r-2", Label: "Registrar Office"}}},
	}}
}

// memTarget is an in-memory sync.UserWriter: the engine drives it for
// real (plan, apply, journal), only the HTTP is missing.
type memTarget struct {
	mu      gosync.Mutex
	schema  *csvfile.Schema
	users   map[string]sync.User // by lowercase email
	nextID  int
	creates map[string]int // creates per email
	mails   int
	// reject makes writes for these emails fail (Rejected) this many times.
	reject map[string]int
	// hold, when set, blocks each write until it is closed.
	hold chan struct{}
	// unavailable makes writes for these emails fail with a 503 this many times.
	unavailable map[string]int
	// expired makes every write fail Unauthorized until a sign-in.
	expired bool
	// expireAt expires the session when this many users exist (0: never).
	expireAt int
}

func newMemTarget(seed ...sync.User) *memTarget {
	t := &memTarget{schema: testSchema(), users: map[string]sync.User{}, creates: map[string]int{}, reject: map[string]int{}}
	for _, u := range seed {
		t.nextID++
		u.ID = fmt.Sprint(t.nextID)
		t.users[strings.ToLower(u.Email)] = u
	}
	return t
}

func (t *memTarget) Name() string { return "coursedog" }
func (t *memTarget) Schema(context.Context) (*csvfile.Schema, error) {
	return t.schema, nil
}

func (t *memTarget) ListUsers(context.Context) ([]sync.User, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]sync.User, 0, len(t.users))
	for _, u := range t.users {
		out = append(out, clone(u))
	}
	return out, nil
}

func clone(u sync.User) sync.User {
	c := u
	c.Fields = map[string]string{}
	for k, v := range u.Fields {
		c.Fields[k] = v
	}
	c.Lists = map[string][]string{}
	for k, v := range u.Lists {
		c.Lists[k] = append([]string(nil), v...)
	}
	return c
}

func (t *memTarget) wait(ctx context.Context, email string) error {
	t.mu.Lock()
	hold := t.hold
	t.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return &sync.Error{Kind: sync.KindNetwork, Op: "write " + email, Err: ctx.Err()}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.expireAt > 0 && len(t.users) >= t.expireAt {
		t.expired, t.expireAt = true, 0
	}
	if t.expired {
		return &sync.Error{Kind: sync.KindUnauthorized, Status: 401, Op: "write " + email, Msg: "token expired"}
	}
	if t.unavailable[email] > 0 {
		t.unavailable[email]--
		return &sync.Error{Kind: sync.KindServer, Status: 503, Op: "write " + email, Msg: "service unavailable"}
	}
	if t.reject[email] > 0 {
		t.reject[email]--
		return &sync.Error{Kind: sync.KindRejected, Status: 400, Op: "write " + email, Msg: "department does not exist"}
	}
	return nil
}

func (t *memTarget) Create(ctx context.Context, u sync.User, mail bool) (sync.User, error) {
	if err := t.wait(ctx, u.Email); err != nil {
		return sync.User{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := strings.ToLower(u.Email)
	if _, ok := t.users[k]; ok {
		return sync.User{}, &sync.Error{Kind: sync.KindConflict, Status: 409, Op: "create " + u.Email}
	}
	t.nextID++
	u = clone(u)
	u.ID = fmt.Sprint(t.nextID)
	t.users[k] = u
	t.creates[k]++
	if mail {
		t.mails++
	}
	return clone(u), nil
}

func (t *memTarget) Update(ctx context.Context, old, new sync.User) (sync.User, error) {
	if err := t.wait(ctx, new.Email); err != nil {
		return sync.User{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := strings.ToLower(new.Email)
	if _, ok := t.users[k]; !ok {
		return sync.User{}, &sync.Error{Kind: sync.KindNotFound, Status: 404, Op: "update " + new.Email}
	}
	new = clone(new)
	new.ID = old.ID
	t.users[k] = new
	return clone(new), nil
}

func (t *memTarget) Lookup(_ context.Context, email string) (sync.User, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[strings.ToLower(email)]
	if !ok {
		return sync.User{}, &sync.Error{Kind: sync.KindNotFound, Status: 404, Op: "lookup " + email}
	}
	return clone(u), nil
}

func (t *memTarget) user(email string) (sync.User, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[strings.ToLower(email)]
	return u, ok
}

// memBackend is the Backend over memTarget and the real csvfile and sync.
type memBackend struct {
	target   *memTarget
	mu       gosync.Mutex
	mappings map[string]map[string]string
	dirs     []string
	lists    int
	// loginGate, when set, holds Login until closed (to see the spinner).
	loginGate chan struct{}
	// failList, when set, fails the next ExistingUsers.
	failList error
	// session, when set, is the target sessions get (default: target).
	session sync.Target
	// mismatches is what Check answers; checkErr its error.
	mismatches []string
	checkErr   error
}

func newMemBackend(t *memTarget) *memBackend {
	return &memBackend{target: t, mappings: map[string]map[string]string{}}
}

func (b *memBackend) Login(ctx context.Context, req LoginRequest) (Session, error) {
	if b.loginGate != nil {
		select {
		case <-b.loginGate:
		case <-ctx.Done():
			return Session{}, ctx.Err()
		}
	}
	switch {
	case req.Env == EnvCustom && strings.Contains(req.URL, "unreachable"):
		return Session{}, &sync.Error{Kind: sync.KindNetwork, Op: "sign in", Msg: "connection refused"}
	case req.UseSavedToken:
		return Session{}, &sync.Error{Kind: sync.KindUnauthorized, Status: 401, Op: "list roles"}
	case req.Email != "operator@example.edu" || req.Password != "sandbox":
		return Session{}, &sync.Error{Kind: sync.KindUnauthorized, Status: 401, Op: "sign in"}
	}
	var t sync.Target = b.target
	if b.session != nil {
		t = b.session
	}
	return Session{Target: t, Schema: b.target.schema, Env: req.Env, URL: "http://sandbox.test",
		Account: req.School, Production: req.Env == EnvProduction}, nil
}

func (b *memBackend) OpenFile(_ context.Context, req OpenRequest) (*csvfile.File, error) {
	mapping := req.Mapping
	if mapping == nil {
		b.mu.Lock()
		mapping = b.mappings[req.Path]
		b.mu.Unlock()
	}
	return csvfile.Open(req.Path, req.Schema, csvfile.Options{Mapping: mapping})
}

func (b *memBackend) SaveMapping(file string, mapping map[string]string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mappings[file] = mapping
	return file + ".mapping", nil
}

func (b *memBackend) ExistingUsers(ctx context.Context, s Session) ([]sync.User, error) {
	b.mu.Lock()
	b.lists++
	err := b.failList
	b.failList = nil
	b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.Target.ListUsers(ctx)
}

func (b *memBackend) Apply(ctx context.Context, s Session, p *sync.Plan, opts sync.ApplyOptions) (*sync.Run, error) {
	return sync.Apply(ctx, s.Target, p, opts)
}

func (b *memBackend) Reauthenticate(_ context.Context, _ Session, req LoginRequest) error {
	if req.Password != "sandbox" {
		return &sync.Error{Kind: sync.KindUnauthorized, Status: 401, Op: "sign in"}
	}
	b.target.mu.Lock()
	defer b.target.mu.Unlock()
	b.target.expired = false
	return nil
}

func (b *memBackend) Check(context.Context, Session) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mismatches, b.checkErr
}

func (b *memBackend) RememberDir(dir string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dirs = append(b.dirs, dir)
	return nil
}

func (b *memBackend) rememberedDirs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dirs...)
}

// copyTestdata copies a testdata file into a fresh temporary folder (the
// preview saves and the apply writes journal, report and backup beside it).
func copyTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sandboxDefaults are what `usersync --sandbox` prefills.
func sandboxDefaults(file string) Defaults {
	return Defaults{
		Targets:    []string{"coursedog"},
		Login:      LoginRequest{Target: "coursedog", Env: EnvSandbox, School: "demo_university", Email: "operator@example.edu", Password: "sandbox"},
		SandboxURL: "http://127.0.0.1:1",
		StartDir:   filepath.Dir(file),
		File:       file,
		Now:        func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) },
	}
}

// key builds the key press people type: "enter", "ctrl+s", "N", "x".
func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	if c, ok := strings.CutPrefix(s, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// driver runs a Model without a Program: it sends messages, runs the
// commands they return in goroutines and feeds the results back, dropping
// timers (spinner frames, cursor blinks, status expiry) so nothing loops.
type driver struct {
	t    *testing.T
	m    *Model
	msgs chan tea.Msg
}

func newDriver(t *testing.T, m *Model, w, h int) *driver {
	d := &driver{t: t, m: m, msgs: make(chan tea.Msg, 1024)}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				d.run(c)
			}
		default:
			if isTimer(msg) {
				return
			}
			d.msgs <- msg
		}
	}()
}

func isTimer(msg tea.Msg) bool {
	switch msg.(type) {
	case spinner.TickMsg, statusExpiredMsg:
		return true
	}
	return strings.Contains(fmt.Sprintf("%T", msg), "link") // cursor blinks
}

// send delivers msg to the model and starts the commands it returns.
func (d *driver) send(msg tea.Msg) {
	nm, cmd := d.m.Update(msg)
	d.m = nm.(*Model)
	d.run(cmd)
}

// keys types each key, letting results of earlier keys arrive between.
func (d *driver) keys(keys ...string) {
	for _, k := range keys {
		d.drain()
		d.send(keyPress(k))
	}
	d.drain()
}

// typeText types s one rune at a time.
func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// drain delivers every message already waiting.
func (d *driver) drain() {
	for {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		default:
			return
		}
	}
}

// until delivers results until cond holds, or fails after a while.
func (d *driver) until(what string, cond func(m *Model) bool) {
	d.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond(d.m) {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			d.t.Fatalf("timed out waiting for %s; screen %s:\n%s", what, d.m.screen, d.view())
		}
	}
}

func (d *driver) view() string { return ansi.Strip(d.m.View().Content) }

// sees fails unless the screen shows each text.
func (d *driver) sees(texts ...string) {
	d.t.Helper()
	v := d.view()
	for _, s := range texts {
		if !strings.Contains(v, s) {
			d.t.Fatalf("screen does not show %q:\n%s", s, v)
		}
	}
}
