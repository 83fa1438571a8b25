package probes

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

func tcpCheck(target string, s *config.TCP) *config.Check {
	return &config.Check{Name: "db", Kind: "tcp", Target: target, TCP: s}
}

// listen accepts connections on loopback and hands each to handle.
func listen(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln, handle)
	return ln.Addr().String()
}

func TestTCP(t *testing.T) {
	ca := newTestCA(t)
	open := listen(t, func(net.Conn) {})
	garbage := listen(t, func(c net.Conn) { c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n")) })
	silent := listen(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	good := startTLSListener(t, ca.issue(t, leafOpts{}))
	selfSigned := startTLSListener(t, ca.issue(t, leafOpts{selfSigned: true}))
	trusted := &config.TCP{TLS: true, TLSClient: &config.TLSClient{CAFile: ca.file}}
	tests := []struct {
		name    string
		target  string
		s       *config.TCP
		outcome status.Level
		reason  string
	}{
		{"open port", open, nil, status.Up, ""},
		{"closed port", closedPort(t), nil, status.Down, "connection refused"},
		{"tls handshake", good, trusted, status.Up, ""},
		{"tls untrusted", selfSigned, trusted, status.Down, "certificate not trusted"},
		{"tls insecure_skip_verify", selfSigned, &config.TCP{TLS: true, TLSClient: &config.TLSClient{InsecureSkipVerify: true}}, status.Up, ""},
		{"tls to a plain service", garbage, trusted, status.Down, "TLS handshake failed"},
		{"tls to a silent service", silent, trusted, status.Down, "timeout after 300ms"},
		{"tls setting off is a plain connect", selfSigned, &config.TCP{TLSClient: &config.TLSClient{CAFile: ca.file}}, status.Up, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chk := tcpCheck(tc.target, tc.s)
			chk.Timeout = config.Duration(300 * time.Millisecond)
			// The caller allows a little more than the check: the check's
			// timeout must be what ends a hanging run.
			obs := probe(t, newProbe(t, TCP, chk), 500*time.Millisecond, Env{}, tc.target)
			want(t, obs, tc.outcome, tc.reason)
		})
	}
}

func TestTCPEnvTarget(t *testing.T) {
	open := listen(t, func(net.Conn) {})
	p := newProbe(t, TCP, tcpCheck(closedPort(t), nil))
	want(t, probe(t, p, 2*time.Second, Env{Target: open}, open), status.Up, "")
}

func TestTCPConstructorErrors(t *testing.T) {
	tests := []struct {
		name   string
		target string
		s      *config.TCP
		key    string
	}{
		{"no port", "db.internal", nil, "target"},
		{"url", "http://db.internal:5432", nil, "target"},
		{"missing ca", "db.internal:5432", &config.TCP{TLS: true, TLSClient: &config.TLSClient{CAFile: "/nonexistent/ca.pem"}}, "tcp.tls_config.ca_file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := TCP(tcpCheck(tc.target, tc.s))
			wantErr(t, err, tc.key)
		})
	}
}
