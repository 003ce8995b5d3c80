package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"usersync/sync/ccai"
	"usersync/sync/coursedog"
)

// The TLS tests give real-looking school and tenant names (which are not
// loopback, so every rule for remote servers applies) to local test
// servers, by swapping http.DefaultTransport for one whose dialer maps
// those names to the servers. The clients build on the default transport
// (coursedog clones it, ccai uses it), so what is tested is their own
// configuration, with nothing loosened for the test.

// fakeNet routes host:port to local addresses and records every dial.
type fakeNet struct {
	mu     gosync.Mutex
	routes map[string]string
	dialed []string
}

func (f *fakeNet) dials() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.dialed...)
}

// useFakeNet installs the routes for the test. roots, when not nil, are
// trusted as the system's roots would be (so a test server's certificate
// can stand for a real one).
func useFakeNet(t *testing.T, routes map[string]string, roots *x509.CertPool) *fakeNet {
	t.Helper()
	f := &fakeNet{routes: routes}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		f.mu.Lock()
		f.dialed = append(f.dialed, addr)
		to, ok := f.routes[addr]
		f.mu.Unlock()
		if host, _, _ := net.SplitHostPort(addr); !ok && net.ParseIP(host).IsLoopback() {
			to, ok = addr, true // this machine is reachable as it is
		}
		if !ok {
			return nil, errors.New("fake network: no route to " + addr)
		}
		return d.DialContext(ctx, network, to)
	}
	if roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	saved := http.DefaultTransport
	http.DefaultTransport = tr
	t.Cleanup(func() { http.DefaultTransport = saved })
	return f
}

// countingServer answers every request with body and counts them.
func countingServer(tlsOn bool, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	n := &atomic.Int32{}
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	})
	srv := httptest.NewUnstartedServer(wrapped)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	if tlsOn {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	return srv, n
}

func emptyJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte("[]"))
}

const (
	tlsSchool = "school.example.com" // the test certificate covers *.example.com
	tlsTenant = "demo"
	tlsToken  = "tls-test-token-4f9c2a"
)

// reads makes one read with each client against base (coursedog) and
// ccaiBase, and returns their errors.
func reads(t *testing.T, base, ccaiBase string) (cdErr, ccErr error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cd, err := coursedog.NewClient(coursedog.Options{BaseURL: base, School: "demo_university", Token: tlsToken, ReadTries: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, cdErr = cd.Roles(ctx)
	cc, err := ccai.NewClient(ccai.Options{BaseURL: ccaiBase, Tenant: tlsTenant, Token: tlsToken, MaxTries: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, ccErr = cc.Template(ctx)
	return cdErr, ccErr
}

// TestTLSRefusesUnknownCertificate: a server whose certificate no trusted
// authority signed is refused with a certificate error, before any request
// reaches it, by a school name and by a loopback address alike.
func TestTLSRefusesUnknownCertificate(t *testing.T) {
	srv, served := countingServer(true, emptyJSON)
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	useFakeNet(t, map[string]string{tlsSchool + ":443": addr, tlsTenant + ".example.com:443": addr}, nil)

	for _, base := range []struct{ cd, cc string }{
		{"https://" + tlsSchool, "https://" + tlsTenant + ".example.com"},
		{srv.URL, srv.URL},
	} {
		cdErr, ccErr := reads(t, base.cd, base.cc)
		for name, err := range map[string]error{"coursedog": cdErr, "ccai": ccErr} {
			var unknown x509.UnknownAuthorityError
			if err == nil || !errors.As(err, &unknown) || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("%s at %s: %v; want a certificate error", name, base.cd, err)
			}
			if err != nil && strings.Contains(err.Error(), tlsToken) {
				t.Errorf("%s: the error holds the token: %v", name, err)
			}
		}
	}
	if n := served.Load(); n != 0 {
		t.Errorf("the untrusted server received %d requests", n)
	}

	// The same server, trusted: the requests go through, so the refusal
	// above was the certificate and nothing else.
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	useFakeNet(t, map[string]string{tlsSchool + ":443": addr, tlsTenant + ".example.com:443": addr}, roots)
	cdErr, ccErr := reads(t, "https://"+tlsSchool, "https://"+tlsTenant+".example.com")
	if cdErr != nil || served.Load() == 0 {
		t.Errorf("trusted coursedog server: %v, %d requests", cdErr, served.Load())
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(ccErr, &unknown) {
		t.Errorf("trusted ccai server: %v", ccErr)
	}
}

// TestPlainHTTPRefusedOffLoopback: http:// to anything but this machine is
// refused by the clients and by the commands, and nothing is dialed.
func TestPlainHTTPRefusedOffLoopback(t *testing.T) {
	srv, served := countingServer(false, emptyJSON)
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	fn := useFakeNet(t, map[string]string{tlsSchool + ":80": addr, tlsTenant + ".example.com:80": addr, "10.9.8.7:80": addr}, nil)

	for _, base := range []string{"http://" + tlsSchool, "http://10.9.8.7", "http://" + tlsSchool + ":80/prefix"} {
		if _, err := coursedog.NewClient(coursedog.Options{BaseURL: base, School: "x", Token: tlsToken}); err == nil || !strings.Contains(err.Error(), "plain http") {
			t.Errorf("coursedog %s: %v; want a refusal of plain http", base, err)
		}
		if _, err := ccai.NewClient(ccai.Options{BaseURL: base, Tenant: tlsTenant, Token: tlsToken}); err == nil || !strings.Contains(err.Error(), "plain http") {
			t.Errorf("ccai %s: %v; want a refusal of plain http", base, err)
		}
	}
	tokenEnv := func(k string) string {
		if k == coursedog.EnvToken {
			return tlsToken
		}
		return ""
	}
	for _, args := range [][]string{
		{"login", "--env", "http://" + tlsSchool, "--email", "a@example.edu", "--password-stdin"},
		{"plan", "users.csv", "--env", "http://" + tlsSchool, "--school", "x"},
		{"plan", "users.csv", "--target", "ccai", "--tenant", tlsTenant, "--env", "http://" + tlsTenant + ".example.com"},
		{"plan", "users.csv", "--env", "http://10.9.8.7", "--school", "x"},
	} {
		code, _, stderr := runCommand(t, tokenEnv, "secret-password\n", 10*time.Second, args...)
		if code != exitUsage || !strings.Contains(stderr, "plain http") {
			t.Errorf("usersync %s: exit %d:\n%s", strings.Join(args, " "), code, stderr)
		}
		if strings.Contains(stderr, tlsToken) || strings.Contains(stderr, "secret-password") {
			t.Errorf("usersync %s printed a secret:\n%s", args[0], stderr)
		}
	}
	if d := fn.dials(); len(d) != 0 || served.Load() != 0 {
		t.Errorf("plain http off loopback dialed %v and sent %d requests", d, served.Load())
	}
}

// TestNoDowngradeOnRedirect: a trusted https server that redirects to
// plain http on the same name must not get the credentials sent in clear.
func TestNoDowngradeOnRedirect(t *testing.T) {
	var clear atomic.Int32
	plain, _ := countingServer(false, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			clear.Add(1)
		}
		emptyJSON(w, r)
	})
	defer plain.Close()
	secure, _ := countingServer(true, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+r.Host+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	})
	defer secure.Close()
	roots := x509.NewCertPool()
	roots.AddCert(secure.Certificate())
	useFakeNet(t, map[string]string{
		tlsSchool + ":443": secure.Listener.Addr().String(), tlsSchool + ":80": plain.Listener.Addr().String(),
		tlsTenant + ".example.com:443": secure.Listener.Addr().String(), tlsTenant + ".example.com:80": plain.Listener.Addr().String(),
	}, roots)

	cdErr, ccErr := reads(t, "https://"+tlsSchool, "https://"+tlsTenant+".example.com")
	if n := clear.Load(); n != 0 {
		t.Errorf("credentials went over plain http %d times after a redirect (coursedog: %v; ccai: %v)", n, cdErr, ccErr)
	}
	if cdErr == nil || ccErr == nil {
		t.Errorf("a redirect to plain http was followed: coursedog %v, ccai %v", cdErr, ccErr)
	}
}
