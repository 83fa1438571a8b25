package probes

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// startHealthServer serves the standard health service on loopback, over
// TLS when cert is set; it returns the address and the service's state.
func startHealthServer(t *testing.T, cert *tls.Certificate) (string, *health.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var opts []grpc.ServerOption
	if cert != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{*cert}})))
	}
	srv := grpc.NewServer(opts...)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	return ln.Addr().String(), hs
}

// grpcCheck allows 5s: a TLS handshake under the race detector on a
// loaded machine can take longer than the usual 2s.
func grpcCheck(target string, s *config.GRPC) *config.Check {
	return &config.Check{Name: "rpc", Kind: "grpc", Target: target, GRPC: s, Timeout: config.Duration(5 * time.Second)}
}

// TestGRPCFollowsServingStatus switches a real health server's status
// and probes after each switch.
func TestGRPCFollowsServingStatus(t *testing.T) {
	addr, hs := startHealthServer(t, nil)
	whole := newProbe(t, GRPC, grpcCheck(addr, nil))
	named := newProbe(t, GRPC, grpcCheck(addr, &config.GRPC{Service: "billing.v1.Billing"}))
	steps := []struct {
		name     string
		set      healthpb.HealthCheckResponse_ServingStatus
		want     status.Level
		reason   string
		namedNow status.Level
	}{
		{"serving", healthpb.HealthCheckResponse_SERVING, status.Up, "", status.Up},
		{"not serving", healthpb.HealthCheckResponse_NOT_SERVING, status.Down, "gRPC health: NOT_SERVING", status.Down},
		{"serving again", healthpb.HealthCheckResponse_SERVING, status.Up, "", status.Up},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			hs.SetServingStatus("", st.set)
			hs.SetServingStatus("billing.v1.Billing", st.set)
			want(t, probe(t, whole, 6*time.Second, Env{}, addr), st.want, st.reason)
			want(t, probe(t, named, 6*time.Second, Env{}, addr), st.namedNow, st.reason)
		})
	}
	unknown := newProbe(t, GRPC, grpcCheck(addr, &config.GRPC{Service: "nope.v1.Nope"}))
	want(t, probe(t, unknown, 6*time.Second, Env{}, addr), status.Down, "gRPC health: service unknown")
}

func TestGRPCTLS(t *testing.T) {
	ca := newTestCA(t)
	good := ca.issue(t, leafOpts{})
	self := ca.issue(t, leafOpts{selfSigned: true})
	goodAddr, _ := startHealthServer(t, &good)
	selfAddr, _ := startHealthServer(t, &self)
	plainAddr, _ := startHealthServer(t, nil)
	tests := []struct {
		name, addr string
		s          *config.GRPC
		outcome    status.Level
		reason     string
	}{
		{"trusted", goodAddr, &config.GRPC{TLS: true, TLSClient: &config.TLSClient{CAFile: ca.file}}, status.Up, ""},
		{"self-signed", selfAddr, &config.GRPC{TLS: true}, status.Down, "certificate not trusted"},
		{"self-signed without verification", selfAddr, &config.GRPC{TLS: true, TLSClient: &config.TLSClient{InsecureSkipVerify: true}}, status.Up, ""},
		{"wrong name", goodAddr, &config.GRPC{TLS: true, TLSClient: &config.TLSClient{CAFile: ca.file, ServerName: "other.test"}}, status.Down, "certificate name mismatch"},
		{"TLS to a plain server", plainAddr, &config.GRPC{TLS: true, TLSClient: &config.TLSClient{CAFile: ca.file}}, status.Down, "TLS handshake failed"},
		{"plain to a TLS server", goodAddr, nil, status.Down, "gRPC unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obs := probe(t, newProbe(t, GRPC, grpcCheck(tc.addr, tc.s)), 6*time.Second, Env{}, tc.addr)
			want(t, obs, tc.outcome, tc.reason)
		})
	}
}

func TestGRPCUnreachableAndSlow(t *testing.T) {
	addr := closedPort(t)
	want(t, probe(t, newProbe(t, GRPC, grpcCheck(addr, nil)), 6*time.Second, Env{}, addr), status.Down, "connection refused")

	live, hs := startHealthServer(t, nil)
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	slow := newProbe(t, GRPC, grpcCheck(live, &config.GRPC{DegradedAfter: config.Duration(time.Nanosecond)}))
	want(t, probe(t, slow, 6*time.Second, Env{}, live), status.Degraded, "slow: ")

	// A listener that never answers: the probe gives up at its timeout.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	chk := grpcCheck(ln.Addr().String(), nil)
	chk.Timeout = config.Duration(300 * time.Millisecond)
	want(t, probe(t, newProbe(t, GRPC, chk), time.Second, Env{}, ln.Addr().String()), status.Down, "timeout after 300ms")
}

func TestGRPCConstructorErrors(t *testing.T) {
	_, err := GRPC(grpcCheck("example.test", nil))
	wantErr(t, err, "target")
	_, err = GRPC(grpcCheck("example.test:443", &config.GRPC{TLS: true, TLSClient: &config.TLSClient{CAFile: "/nonexistent/ca.pem"}}))
	wantErr(t, err, "grpc.tls_config.ca_file")
}
