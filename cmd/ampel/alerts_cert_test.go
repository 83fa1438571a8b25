package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// certTarget is a real HTTPS target whose certificate, issued by a CA of
// the test, can be renewed while it runs.
type certTarget struct {
	URL    string
	caFile string
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	leaf   atomic.Pointer[tls.Certificate]
}

func startCertTarget(t *testing.T, dir string, validFor time.Duration) *certTarget {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Ampel test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	ct := &certTarget{caFile: filepath.Join(dir, "ca.pem"), caCert: ca, caKey: key}
	if err := os.WriteFile(ct.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	ct.renew(t, validFor)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Only GetCertificate: a client dialling an IP sends no SNI, and a
	// fixed Certificates list would win then.
	cfg := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return ct.leaf.Load(), nil }}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }),
		ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(tls.NewListener(ln, cfg))
	t.Cleanup(func() { srv.Close() })
	ct.URL = "https://" + ln.Addr().String() + "/"
	return ct
}

// renew issues the target a certificate for 127.0.0.1 valid for d more.
func (ct *certTarget) renew(t *testing.T, d time.Duration) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "api.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(d),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ct.caCert, &key.PublicKey, ct.caKey)
	if err != nil {
		t.Fatal(err)
	}
	ct.leaf.Store(&tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key})
}

// writeCertAlertsConfig writes a config probing the HTTPS target with
// the test CA trusted and extra keys in its http table, alerting hook.
func writeCertAlertsConfig(t *testing.T, dir string, ct *certTarget, httpKeys, hook string) string {
	t.Helper()
	cfg := fmt.Sprintf(`
[site]
title = "Cert Test"
public_url = "https://status.example.com"

[server]
listen = "127.0.0.1:0"
shutdown_timeout = "5s"

[storage]
path = "ampel.db"

[backup]
enabled = false

[[components]]
slug = "api"
name = "API"

  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
    [components.checks.http]
    %s
      [components.checks.http.tls]
      ca_file = %q

[alerts]
allow_networks = ["127.0.0.1/32"]
group_window = "0s"

[[alerts.channels]]
name = "oncall"
kind = "webhook"
url = %q
secret_file = "whsec"
`, ct.URL, httpKeys, ct.caFile, hook)
	writeSecret(t, dir, "whsec", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=")
	path := filepath.Join(dir, "ampel.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type hookAlert struct {
	Type string `json:"type"`
	Data struct {
		Component struct{ Slug, Name string } `json:"component"`
		Cause     string                      `json:"cause"`
	} `json:"data"`
}

func hookAlerts(t *testing.T, rcv *hookReceiver) []hookAlert {
	t.Helper()
	_, bodies, _ := rcv.got()
	out := make([]hookAlert, len(bodies))
	for i, b := range bodies {
		if err := json.Unmarshal([]byte(b), &out[i]); err != nil {
			t.Fatalf("alert %d: %v: %s", i, err, b)
		}
	}
	return out
}

// TestCertificateExpiryAlertsOperators: a real serve probing an HTTPS
// target whose certificate expires in 3 days keeps the component
// operational on the public JSON and page, and alerts the operators'
// webhook with the certificate's expiry; when the certificate is renewed
// the resolve follows.
func TestCertificateExpiryAlertsOperators(t *testing.T) {
	dir := t.TempDir()
	ct := startCertTarget(t, dir, 3*24*time.Hour+time.Hour)
	rcv := startHookReceiver(t, 0)
	_, base, stderr := startAmpel(t, writeCertAlertsConfig(t, dir, ct, "", rcv.URL))

	eventually(t, 60*time.Second, "the certificate alert at the operators' webhook", func() bool { return len(hookAlerts(t, rcv)) >= 1 })
	got := hookAlerts(t, rcv)
	if a := got[0]; a.Type != "alert.triggered" || !strings.Contains(a.Data.Cause, "api-health: certificate expires in 3 days") ||
		!strings.Contains(a.Data.Cause, `"api.test"`) {
		t.Fatalf("first alert %+v, want the certificate of api-health expiring in 3 days", a)
	}
	eventually(t, 10*time.Second, "api observed", func() bool { return observedUp(t, base, "api") })
	if s := componentStatus(t, base, "api"); s != "operational" {
		t.Errorf("components.json says api is %q, want operational: the notice is for operators only", s)
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(page), "certificate") {
		t.Error("the public page mentions the certificate")
	}

	ct.renew(t, 90*24*time.Hour)
	eventually(t, 60*time.Second, "the resolve after the renewal", func() bool { return len(hookAlerts(t, rcv)) >= 2 })
	got = hookAlerts(t, rcv)
	if got[1].Type != "alert.resolved" || got[1].Data.Component.Slug != got[0].Data.Component.Slug {
		t.Errorf("second alert %+v, want the resolve of %+v", got[1], got[0])
	}
	if len(got) != 2 {
		t.Errorf("%d alerts, want the trigger and its resolve\n%s", len(got), stderr.String())
	}
}

// TestCertificateExpiryPublicOptIn: with cert_expiry_public the
// certificate degrades the component on the public JSON, as it did before
// the notice became the default.
func TestCertificateExpiryPublicOptIn(t *testing.T) {
	dir := t.TempDir()
	ct := startCertTarget(t, dir, 3*24*time.Hour+time.Hour)
	rcv := startHookReceiver(t, 0)
	_, base, _ := startAmpel(t, writeCertAlertsConfig(t, dir, ct, "cert_expiry_public = true", rcv.URL))
	eventually(t, 30*time.Second, "api degraded on components.json", func() bool {
		return componentStatus(t, base, "api") == "degraded_performance"
	})
}
