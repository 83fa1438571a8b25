package probes

import (
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

func tlsCheck(target string, s *config.TLS) *config.Check {
	return &config.Check{Name: "cert", Kind: "tls", Target: target, TLS: s}
}

func TestTLS(t *testing.T) {
	ca := newTestCA(t)
	trusted := &config.TLSClient{CAFile: ca.file}
	tests := []struct {
		name    string
		leaf    leafOpts
		s       *config.TLS
		outcome status.Level
		reason  string
		notice  string
	}{
		{"valid", leafOpts{}, &config.TLS{TLSClient: trusted}, status.Up, "", ""},
		{"expires in 3 days", leafOpts{notAfter: inDays(3)}, &config.TLS{TLSClient: trusted}, status.Up, "", "certificate expires in 3 days: certificate "},
		{"expires in 3 days, public", leafOpts{notAfter: inDays(3)}, &config.TLS{TLSClient: trusted, ExpiryPublic: true}, status.Degraded, "certificate expires in 3 days", ""},
		{"expires tomorrow", leafOpts{notAfter: inDays(1)}, &config.TLS{TLSClient: trusted}, status.Up, "", "certificate expires in 1 day"},
		{"outside a shorter window", leafOpts{notAfter: inDays(10)}, &config.TLS{TLSClient: trusted, ExpiryDays: 7}, status.Up, "", ""},
		{"inside a longer window", leafOpts{notAfter: inDays(20)}, &config.TLS{TLSClient: trusted, ExpiryDays: 30}, status.Up, "", "certificate expires in 20 days"},
		{"inside a longer window, public", leafOpts{notAfter: inDays(20)}, &config.TLS{TLSClient: trusted, ExpiryDays: 30, ExpiryPublic: true}, status.Degraded, "certificate expires in 20 days", ""},
		{"expired", leafOpts{notAfter: inDays(-1)}, &config.TLS{TLSClient: trusted}, status.Down, "certificate expired", ""},
		{"expired without verification", leafOpts{notAfter: inDays(-1)}, &config.TLS{TLSClient: &config.TLSClient{InsecureSkipVerify: true}}, status.Down, "certificate expired", ""},
		{"self-signed", leafOpts{selfSigned: true}, nil, status.Down, "certificate not trusted", ""},
		{"self-signed without verification", leafOpts{selfSigned: true}, &config.TLS{TLSClient: &config.TLSClient{InsecureSkipVerify: true}}, status.Up, "", ""},
		{"wrong name", leafOpts{names: []string{"www.other.test"}}, &config.TLS{TLSClient: trusted}, status.Down, "certificate name mismatch", ""},
		{"server_name", leafOpts{names: []string{"api.test"}}, &config.TLS{TLSClient: &config.TLSClient{CAFile: ca.file, ServerName: "api.test"}}, status.Up, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := startTLSListener(t, ca.issue(t, tc.leaf))
			obs := probe(t, newProbe(t, TLS, tlsCheck(addr, tc.s)), 2*time.Second, Env{}, addr)
			want(t, obs, tc.outcome, tc.reason)
			wantNotice(t, obs, tc.notice)
		})
	}
}

func TestTLSUnreachable(t *testing.T) {
	addr := closedPort(t)
	obs := probe(t, newProbe(t, TLS, tlsCheck(addr, nil)), 2*time.Second, Env{}, addr)
	want(t, obs, status.Down, "connection refused")
}

func TestTLSConstructorErrors(t *testing.T) {
	_, err := TLS(tlsCheck("example.test", nil))
	wantErr(t, err, "target")
	_, err = TLS(tlsCheck("example.test:443", &config.TLS{TLSClient: &config.TLSClient{KeyFile: "/nonexistent/key.pem"}}))
	wantErr(t, err, "tls.tls_config.key_file")
}
