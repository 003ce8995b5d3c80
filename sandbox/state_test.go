package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSandboxProcess is not a test: run with USERSYNC_SANDBOX_STATE set,
// it is a sandbox process serving that state file until it is killed (the
// kill test below starts it so).
func TestSandboxProcess(t *testing.T) {
	path := os.Getenv("USERSYNC_SANDBOX_STATE")
	if path == "" {
		t.Skip("a helper process for TestStateSurvivesSIGKILL")
	}
	srv, err := Start(Options{Users: 50, StateFile: path})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("URL", srv.URL())
	select {}
}

// startProcess starts the sandbox in a child process on the state file.
func startProcess(t *testing.T, state string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSandboxProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "USERSYNC_SANDBOX_STATE="+state)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if url, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			go func() { // drain the rest
				for sc.Scan() {
				}
			}()
			return cmd, url
		}
		if strings.HasPrefix(sc.Text(), "ERROR") {
			t.Fatal(sc.Text())
		}
	}
	t.Fatalf("the sandbox process printed no URL: %v", sc.Err())
	return nil, ""
}

// TestStateSurvivesSIGKILL: with --state, every write the sandbox answered
// is on disk when it is SIGKILLed mid-stream of creates, updates and
// logins; after a restart on the same file the directory holds each of
// them, the creates history says so, and creating the rest again never
// creates anyone twice. (It lost 35 acknowledged creates to a 100 ms save
// debounce, and stats then said creates_per_email_max: 1 after 35 were
// created twice.)
func TestStateSurvivesSIGKILL(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	cmd, url := startProcess(t, state)
	token := loginURL(t, url)

	const workers, each = 12, 40
	var acked gosync.Map // email → true once answered 201
	var n atomic.Int64
	client := &http.Client{Timeout: 10 * time.Second}
	var wg gosync.WaitGroup
	killed := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				email := fmt.Sprintf("kill%d-%d@example.edu", w, i)
				status, _ := post(client, url+"/api/v1/"+DemoSchool+"/users", token, newUser(email))
				if status == http.StatusCreated {
					acked.Store(email, true)
					if n.Add(1) == workers*each/2 {
						cmd.Process.Signal(syscall.SIGKILL)
						close(killed)
					}
				}
				if status == 0 {
					return // the server is gone
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-killed:
	default:
		t.Fatal("the sandbox was never killed")
	}
	cmd.Wait()

	// Restart on the same state: every acknowledged create is there.
	_, url = startProcess(t, state)
	stats := getStats(t, url)
	var missing []string
	count := 0
	acked.Range(func(k, _ any) bool {
		count++
		if stats.CreatesPerEmail[k.(string)] != 1 {
			missing = append(missing, k.(string))
		}
		return true
	})
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged creates lost by the SIGKILL: %v", len(missing), count, missing[:min(5, len(missing))])
	}
	// The client's resume: everything again; the acknowledged meet 409.
	token = loginURL(t, url)
	for w := range workers {
		for i := range each {
			email := fmt.Sprintf("kill%d-%d@example.edu", w, i)
			status, body := post(client, url+"/api/v1/"+DemoSchool+"/users", token, newUser(email))
			if _, ok := acked.Load(email); ok && status != http.StatusConflict {
				t.Errorf("%s was acknowledged before the kill; again: %d %s", email, status, body)
			} else if status != http.StatusCreated && status != http.StatusConflict {
				t.Errorf("%s: %d %s", email, status, body)
			}
		}
	}
	if st := getStats(t, url); st.CreatesPerEmailMax != 1 || len(st.CreatesPerEmail) != workers*each {
		t.Errorf("after the resume: creates_per_email_max %d, %d users created, want 1 and %d", st.CreatesPerEmailMax, len(st.CreatesPerEmail), workers*each)
	}
	t.Logf("%d creates acknowledged before the SIGKILL, all kept", count)
}

func post(c *http.Client, url, token string, body any) (int, string) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp.StatusCode, out.String()
}

func loginURL(t *testing.T, url string) string {
	t.Helper()
	status, b := post(http.DefaultClient, url+"/api/v1/sessions", "", map[string]string{"email": DemoEmail, "plaintextPassword": DemoPassword})
	if status != http.StatusCreated {
		t.Fatalf("login: %d %s", status, b)
	}
	var out struct{ Token string }
	json.Unmarshal([]byte(b), &out)
	return out.Token
}

func getStats(t *testing.T, url string) Stats {
	t.Helper()
	resp, err := http.Get(url + "/_sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestStateFileMustBeAFile: --state named a FIFO (the open blocked for
// ever, and SIGTERM with it) or /dev/zero (read until memory ran out,
// 6.4 GB in 16 s); as root, a save would then have renamed its file over
// the device. Anything but a regular file is refused at once, and left
// as it is.
func TestStateFileMustBeAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "state.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/zero", dir} {
		done := make(chan error, 1)
		go func() {
			s, err := Start(Options{Addr: "127.0.0.1:0", StateFile: path})
			if err == nil {
				s.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			want := "sandbox: state file " + path + " is not a regular file; name a file (it is created when missing)"
			if err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("Start with the state file %s had not answered after 3 s", path)
		}
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st, err)
	}
}

func TestStatePersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	srv, err := Start(Options{Users: 20, StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	token := login(t, srv)
	u := newUser("kept@example.edu")
	delete(u, "disableRegistrationMail")
	if status, b, _ := call(t, "POST", usersURL(srv), token, u); status != 201 {
		t.Fatalf("create: %d %s", status, b)
	}
	// The debounced save happens without Close.
	deadline := time.Now().Add(3 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte("kept@example.edu")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("state not written within 3 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := srv.Users()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode: %v %v", fi.Mode(), err)
	}

	again := start(t, Options{Users: 5, StateFile: path})
	if got := again.Users(); !reflect.DeepEqual(got, want) {
		t.Errorf("restarted with %d users, want %d", len(got), len(want))
	}
	// Sessions and the creates history survive too.
	if status, _, _ := call(t, "GET", usersURL(again), token, nil); status != 200 {
		t.Errorf("token after restart: %d", status)
	}
	if st := again.Stats(); st.CreatesPerEmail["kept@example.edu"] != 1 || st.MailsSent != 1 {
		t.Errorf("history after restart: %+v", st)
	}
	if status, _, _ := call(t, "POST", usersURL(again), token, newUser("KEPT@example.edu")); status != 409 {
		t.Errorf("create after restart: %d, want 409", status)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{not json"), 0o600)
	if _, err := Start(Options{StateFile: bad}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged state: %v", err)
	}
	if b, _ := os.ReadFile(bad); string(b) != "{not json" {
		t.Error("damaged state file was overwritten")
	}
	if _, err := Start(Options{StateFile: filepath.Join(t.TempDir(), "no", "such", "dir.json")}); err == nil ||
		!strings.Contains(err.Error(), "save state") {
		t.Errorf("unwritable state path: %v", err)
	}
}
