package probes

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// file holds the CA certificate in PEM, for ca_file.
	file string
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Ampel Test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	writePEM(t, file, "CERTIFICATE", der)
	return &testCA{cert: cert, key: key, file: file}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writePEM(t *testing.T, file, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// leafOpts chooses a leaf certificate's names and validity.
type leafOpts struct {
	names    []string // DNS names or IP addresses; default 127.0.0.1
	notAfter time.Time
	// selfSigned makes the leaf its own issuer, trusted by nobody.
	selfSigned bool
}

// issue makes a server certificate signed by ca (or by itself).
func (ca *testCA) issue(t *testing.T, o leafOpts) tls.Certificate {
	t.Helper()
	if o.names == nil {
		o.names = []string{"127.0.0.1"}
	}
	if o.notAfter.IsZero() {
		o.notAfter = time.Now().Add(90 * 24 * time.Hour)
	}
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: o.names[0]},
		NotBefore:    o.notAfter.Add(-365 * 24 * time.Hour),
		NotAfter:     o.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range o.names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	parent, signer := ca.cert, ca.key
	if o.selfSigned {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// inDays is a NotAfter that many days (and an hour, so rounding down
// lands on the day) from now.
func inDays(n int) time.Time {
	return time.Now().Add(time.Duration(n)*24*time.Hour + time.Hour)
}

// startTLSListener accepts TLS connections on loopback and completes the
// handshake; it returns host:port.
func startTLSListener(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln, func(c net.Conn) {
		_ = c.(*tls.Conn).Handshake()
	})
	return ln.Addr().String()
}

// serve runs handle for every connection ln accepts until the test ends,
// then closes ln and waits for the handlers.
func serve(t *testing.T, ln net.Listener, handle func(net.Conn)) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				handle(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startTLSHTTP starts an HTTPS test server presenting cert.
func startTLSHTTP(t *testing.T, cert tls.Certificate, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = quietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// startHTTP starts a plain test server; configure, if given, adjusts it
// before it starts.
func startHTTP(tb testing.TB, h http.Handler, configure ...func(*http.Server)) *httptest.Server {
	tb.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quietLog()
	for _, f := range configure {
		f(srv.Config)
	}
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv
}

// newProbe prepares chk with kind, failing the test on an error.
func newProbe(t *testing.T, kind Kind, chk *config.Check) Prober {
	t.Helper()
	if chk.Timeout == 0 {
		chk.Timeout = config.Duration(2 * time.Second)
	}
	p, err := kind(chk)
	if err != nil {
		t.Fatalf("constructor: %v", err)
	}
	return p
}

// probe runs p once under the check's timeout and checks the contract
// every probe keeps: it returns in time, its reason is public-safe.
func probe(t *testing.T, p Prober, timeout time.Duration, env Env, target string) Observation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	obs := p(ctx, env)
	if took := time.Since(start); took > timeout+500*time.Millisecond {
		t.Errorf("probe took %s, timeout %s", took, timeout)
	}
	checkPublic(t, obs, target)
	return obs
}

// checkPublic fails when a reason could leak the target or a raw error.
func checkPublic(t *testing.T, obs Observation, target string) {
	t.Helper()
	host := target
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if h, _, err := net.SplitHostPort(strings.SplitN(host, "/", 2)[0]); err == nil {
		host = h
	}
	for _, bad := range []string{host, "127.0.0.1", "://", "dial tcp", "x509:", "tls:"} {
		if bad != "" && strings.Contains(obs.Reason, bad) {
			t.Errorf("reason %q contains %q", obs.Reason, bad)
		}
	}
	if obs.Outcome == status.Up && obs.Reason != "" {
		t.Errorf("up with reason %q", obs.Reason)
	}
	if obs.Outcome != status.Up && obs.Detail == "" {
		t.Errorf("%s without detail", obs.Outcome)
	}
}

// want checks outcome and reason (a prefix, for reasons carrying a figure).
func want(t *testing.T, obs Observation, outcome status.Level, reason string) {
	t.Helper()
	if obs.Outcome != outcome || !strings.HasPrefix(obs.Reason, reason) || (reason == "" && obs.Reason != "") {
		t.Errorf("got %s %q (detail %q), want %s %q", obs.Outcome, obs.Reason, obs.Detail, outcome, reason)
	}
}

// wantErr checks that a constructor failed naming key.
func wantErr(t *testing.T, err error, key string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("no error, want one naming %s", key)
	case !strings.Contains(err.Error(), key+":"):
		t.Errorf("error %q does not name %s", err, key)
	}
}

// quietLog keeps test servers from logging the handshake failures the
// tests provoke on purpose.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

// await waits for ch or fails after a generous bound, so a broken probe
// fails the test instead of hanging it.
func await[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for the server")
	}
	var zero T
	return zero
}
