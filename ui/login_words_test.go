package ui

import (
	"strings"
	"testing"
)

// The sign-in said "The password is sent once and never stored." for
// ccai too, which asks for no password but an API token, sent with every
// request of the session: the words now follow the target's secret.
func TestSignInSaysWhatHappensToTheTargetsSecret(t *testing.T) {
	def := sandboxDefaults("")
	def.Targets = []string{"coursedog", "ccai"}
	d := newDriver(t, New(newMemBackend(newMemTarget()), def, true), 80, 24)
	d.sees("Password", "The password is sent once and never stored.")

	def.Login = LoginRequest{Target: "ccai", Env: EnvSandbox}
	def.Login.SetValue("tenant", "demo")
	d = newDriver(t, New(newMemBackend(newMemTarget()), def, true), 80, 24)
	d.sees("Tenant", "API token")
	if strings.Contains(d.view(), "password") {
		t.Errorf("the ccai sign-in speaks of a password:\n%s", d.view())
	}
	if flat := strings.Join(strings.Fields(d.view()), " "); !strings.Contains(flat, "The API token is used for this session and never stored.") {
		t.Errorf("the ccai sign-in does not say what becomes of the token:\n%s", d.view())
	}
}
