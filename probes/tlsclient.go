package probes

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	promconfig "github.com/prometheus/common/config"

	"github.com/ampelstatus/ampel/pkg/config"
)

// promTLS maps our TLS client settings onto prometheus/common's. The files
// are read here, once, and handed over inline: prometheus would otherwise
// re-read and hash every file on every request to notice rotation, which
// costs more than a probe on a loopback target. A rotated file takes
// effect when the config is reloaded.
func promTLS(key string, c *config.TLSClient) (promconfig.TLSConfig, error) {
	if c == nil {
		return promconfig.TLSConfig{}, nil
	}
	t := promconfig.TLSConfig{ServerName: c.ServerName, InsecureSkipVerify: c.InsecureSkipVerify}
	ca, err := readFile(key+".ca_file", c.CAFile)
	if err != nil {
		return t, err
	}
	if ca != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(ca)) {
		return t, fmt.Errorf("%s.ca_file: no PEM certificate in %s", key, c.CAFile)
	}
	cert, err := readFile(key+".cert_file", c.CertFile)
	if err != nil {
		return t, err
	}
	pkey, err := readFile(key+".key_file", c.KeyFile)
	if err != nil {
		return t, err
	}
	if (cert == "") != (pkey == "") {
		return t, fmt.Errorf("%s: cert_file and key_file must be set together", key)
	}
	t.CA, t.Cert, t.Key = ca, cert, promconfig.Secret(pkey)
	return t, nil
}

// newTLSConfig builds the crypto/tls configuration for the tcp and tls
// probes from the same settings the http probe takes.
func newTLSConfig(key string, c *config.TLSClient) (*tls.Config, error) {
	pc, err := promTLS(key, c)
	if err != nil {
		return nil, err
	}
	cfg, err := promconfig.NewTLSConfig(&pc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return cfg, nil
}

// readFile returns the content of the file at path, "" when path is empty,
// or an error that names the setting.
func readFile(key, path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	return string(b), nil
}

// readSecretFile reads a password or token file as the config reads its
// own (surrounding white space is not part of the secret, as in
// Prometheus): "" when path is empty, or an error that names the setting.
func readSecretFile(key, path string) (string, error) {
	if path == "" {
		return "", nil
	}
	s, err := config.ReadSecretFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	return string(s), nil
}

// leafExpiry judges the leaf certificate of a connection against the
// warning window: an empty reason when it is fine, else the reason and
// whether it has already expired.
func leafExpiry(state *tls.ConnectionState, warnDays int, now time.Time) (reason string, expired bool) {
	if state == nil || len(state.PeerCertificates) == 0 || warnDays < 0 {
		return "", false
	}
	left := state.PeerCertificates[0].NotAfter.Sub(now)
	if left <= 0 {
		return expiryReason(left), true
	}
	if left < time.Duration(warnDays)*24*time.Hour {
		return expiryReason(left), false
	}
	return "", false
}

// expiryNotice is the operator notice of a certificate within its
// warning window: the reason and which certificate.
func expiryNotice(reason string, state *tls.ConnectionState) string {
	return reason + ": " + leafDetail(state)
}

// leafDetail describes the leaf certificate for operators.
func leafDetail(state *tls.ConnectionState) string {
	if state == nil || len(state.PeerCertificates) == 0 {
		return "no peer certificate"
	}
	leaf := state.PeerCertificates[0]
	return fmt.Sprintf("certificate %q (serial %s) valid until %s",
		leaf.Subject.CommonName, leaf.SerialNumber, leaf.NotAfter.UTC().Format(time.RFC3339))
}
