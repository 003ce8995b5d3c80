package coursedog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"usersync/sync/coursedog"
)

func TestSaveTokenMode0600(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "coursedog.properties")
	if err := coursedog.SaveToken(path, "tok-1", "https://staging.coursedog.com", "school_a", "me@example.edu"); err != nil {
		t.Fatal(err)
	}
	checkMode(t, path)
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", fi.Mode().Perm())
	}

	// A file someone made readable by all, with their own comment and keys.
	shared := filepath.Join(dir, "coursedog.properties")
	os.WriteFile(shared, []byte("# my notes\ntoken=stale\nproxy=none\n"), 0o644)
	os.Chmod(shared, 0o644)
	if err := coursedog.SaveToken(shared, "tok-2", "http://127.0.0.1:9", "", ""); err != nil {
		t.Fatal(err)
	}
	checkMode(t, shared)
	b, _ := os.ReadFile(shared)
	if string(b) != "# my notes\ntoken=tok-2\nproxy=none\nurl=http://127.0.0.1:9\n" {
		t.Errorf("rewritten file:\n%s", b)
	}
	ts, err := coursedog.FindToken(func(string) string { return "" }, shared)
	if err != nil || ts.Token != "tok-2" || ts.Default(coursedog.PropURL) != "http://127.0.0.1:9" {
		t.Errorf("read back: %+v %v", ts, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func checkMode(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
}

func TestFindTokenOrder(t *testing.T) {
	work, config := t.TempDir(), t.TempDir()
	t.Chdir(work)
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("HOME", config) // for systems without XDG
	noEnv := func(string) string { return "" }

	if _, err := coursedog.FindToken(noEnv, ""); err == nil || !strings.Contains(err.Error(), "usersync login") {
		t.Errorf("no token anywhere: %v", err)
	}
	def, err := coursedog.DefaultPropertiesPath()
	if err != nil {
		t.Fatal(err)
	}
	coursedog.SaveToken(def, "from-config", "https://staging.coursedog.com", "s", "")
	if ts, err := coursedog.FindToken(noEnv, ""); err != nil || ts.Token != "from-config" || ts.Where != def {
		t.Errorf("config dir: %+v %v", ts, err)
	}
	os.WriteFile(coursedog.PropertiesName, []byte("token = from-cwd\n"), 0o600)
	if ts, err := coursedog.FindToken(noEnv, ""); err != nil || ts.Token != "from-cwd" || ts.Where != coursedog.PropertiesName {
		t.Errorf("working directory: %+v %v", ts, err)
	}
	flagged := filepath.Join(work, "other.properties")
	os.WriteFile(flagged, []byte("token: from-flag\n"), 0o600)
	if ts, err := coursedog.FindToken(noEnv, flagged); err != nil || ts.Token != "from-flag" {
		t.Errorf("--properties: %+v %v", ts, err)
	}
	env := func(k string) string {
		if k == coursedog.EnvToken {
			return "from-env"
		}
		return ""
	}
	if ts, err := coursedog.FindToken(env, flagged); err != nil || ts.Token != "from-env" || ts.Where != coursedog.EnvToken {
		t.Errorf("environment: %+v %v", ts, err)
	}
	if _, err := coursedog.FindToken(noEnv, filepath.Join(work, "missing.properties")); err == nil ||
		!strings.Contains(err.Error(), "missing.properties") {
		t.Errorf("missing --properties file: %v", err)
	}
	os.WriteFile(flagged, []byte("# nothing\n"), 0o600)
	if _, err := coursedog.FindToken(noEnv, flagged); err == nil || !strings.Contains(err.Error(), "no token= line") {
		t.Errorf("file without token: %v", err)
	}
}

func TestTokenBoundToItsServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.properties")
	coursedog.SaveToken(path, "tok-SECRET-9", "https://staging.coursedog.com", "", "")
	ts, err := coursedog.FindToken(func(string) string { return "" }, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.CheckURL("https://staging.coursedog.com"); err != nil {
		t.Errorf("same server: %v", err)
	}
	err = ts.CheckURL("https://app.coursedog.com")
	if err == nil || strings.Contains(err.Error(), "tok-SECRET-9") || !strings.Contains(err.Error(), "usersync login --env https://app.coursedog.com") {
		t.Errorf("other server: %v", err)
	}
	if err := (coursedog.TokenSource{Token: "x", Where: coursedog.EnvToken}).CheckURL("https://x.example"); err != nil {
		t.Errorf("environment token: %v", err)
	}
}
