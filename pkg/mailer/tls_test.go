package mailer

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/smtptest"
)

// testCert makes a certificate for 127.0.0.1 and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// TestTLSModes sends over STARTTLS and over implicit TLS with AUTH PLAIN,
// and refuses a server whose certificate is not trusted.
func TestTLSModes(t *testing.T) {
	cert, pool := testCert(t)
	for _, tc := range []struct {
		mode     string
		implicit bool
	}{{"starttls", false}, {"tls", true}} {
		t.Run(tc.mode, func(t *testing.T) {
			srv, err := smtptest.StartTLS("127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}}, tc.implicit)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			cfg := &config.SMTP{Host: "127.0.0.1", Port: srv.Port(), TLS: tc.mode, From: "status@example.com",
				Auth: "plain", Username: smtptest.User, Password: smtptest.Password, Timeout: config.Duration(5 * time.Second)}
			untrusted, err := NewSMTP(cfg, &tls.Config{RootCAs: x509.NewCertPool()})
			if err != nil {
				t.Fatal(err)
			}
			if err := untrusted.Send(context.Background(), msg(t, "a@example.org", "0@x")); err == nil {
				t.Fatal("sent to a server with an untrusted certificate")
			}
			c, err := NewSMTP(cfg, &tls.Config{RootCAs: pool})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Send(context.Background(), msg(t, "a@example.org", "1@x")); err != nil {
				t.Fatal(err)
			}
			if got := srv.Messages(); len(got) != 1 || got[0].Mech != "PLAIN" {
				t.Fatalf("messages %+v", got)
			}
		})
	}
}
