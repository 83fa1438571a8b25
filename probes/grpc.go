package probes

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// grpcProbe is a prepared grpc check, read-only after GRPC returns.
type grpcProbe struct {
	target   string
	timeout  time.Duration
	service  string
	degraded time.Duration
	// tls is nil for plain HTTP/2 (h2c).
	tls *tls.Config
}

// GRPC prepares a check of kind "grpc": Target is host:port of a server
// implementing grpc.health.v1.Health. The probe calls Check, over a new
// connection each run, for grpc.service (empty: the whole server); it is
// up when the answer is SERVING, degraded when that took longer than
// grpc.degraded_after, and down otherwise.
func GRPC(chk *config.Check) (Prober, error) {
	p := &grpcProbe{target: chk.Target, timeout: chk.Timeout.D()}
	var errs []error
	if err := checkHostPort(chk.Target); err != nil {
		errs = append(errs, fmt.Errorf("target: %w", err))
	}
	if s := chk.GRPC; s != nil {
		p.service, p.degraded = s.Service, s.DegradedAfter.D()
		if s.TLS {
			cfg, err := newTLSConfig("grpc.tls_config", s.TLSClient)
			errs = append(errs, err)
			p.tls = cfg
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p.run, nil
}

func (p *grpcProbe) run(ctx context.Context, env Env) Observation {
	ctx, cancel, a := begin(ctx, p.timeout)
	defer cancel()
	addr := pick(env.Target, p.target)
	conn, seen, err := p.connect(addr, env.Zone)
	if err != nil {
		return a.fail(ctx, err, "gRPC connection failed")
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: p.service})
	took := a.elapsed()
	if err != nil {
		return p.failed(ctx, a, addr, err, seen.get())
	}
	if st := resp.GetStatus(); st != healthpb.HealthCheckResponse_SERVING {
		return Observation{Outcome: status.Down, Reason: "gRPC health: " + st.String(),
			Detail: fmt.Sprintf("%s answered %s for service %q", addr, st, p.service), Duration: took}
	}
	if p.degraded > 0 && took > p.degraded {
		return Observation{Outcome: status.Degraded, Reason: "slow: " + formatDuration(took),
			Detail: fmt.Sprintf("SERVING after %s, more than degraded_after %s", took, p.degraded), Duration: took}
	}
	return Observation{Outcome: status.Up, Duration: took}
}

// connect makes a client for one run. Dialing is lazy: the connection
// opens with the call, through our dialer, and seen keeps the error of
// the dial or the handshake, which gRPC itself reports only as text.
func (p *grpcProbe) connect(addr, zone string) (*grpc.ClientConn, *connError, error) {
	seen := &connError{}
	creds := insecure.NewCredentials()
	if p.tls != nil {
		creds = credentials.NewTLS(p.tls)
	}
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(&watchedCreds{TransportCredentials: creds, seen: seen}),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, "tcp", addr)
			seen.set(err)
			return c, err
		}),
		grpc.WithUserAgent(userAgent(zone)),
	)
	return conn, seen, err
}

// failed turns a failed call into a down observation with a public
// reason: the connection's own error when there was one, else the gRPC
// status code's name.
func (p *grpcProbe) failed(ctx context.Context, a attempt, addr string, err, connErr error) Observation {
	if connErr != nil {
		return a.fail(ctx, withAddr(addr, connErr), "gRPC connection failed")
	}
	obs := a.fail(ctx, withAddr(addr, err), "gRPC call failed")
	if ctx.Err() != nil {
		return obs
	}
	switch code := grpcstatus.Code(err); code {
	case codes.NotFound:
		obs.Reason = "gRPC health: service unknown"
	case codes.Unimplemented:
		obs.Reason = "gRPC health service not implemented"
	case codes.DeadlineExceeded:
		obs.Reason = a.timeoutReason()
	case codes.Unavailable:
		obs.Reason = "gRPC unavailable"
	default:
		obs.Reason = "gRPC error: " + code.String()
	}
	return obs
}

// connError keeps the first dial or handshake error of one run.
type connError struct {
	mu  sync.Mutex
	err error
}

func (c *connError) set(err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

func (c *connError) get() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// watchedCreds records the handshake's error, so that a certificate
// problem gets the same public reason as for the http and tls kinds.
type watchedCreds struct {
	credentials.TransportCredentials
	seen *connError
}

func (w *watchedCreds) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := w.TransportCredentials.ClientHandshake(ctx, authority, raw)
	w.seen.set(err)
	return conn, info, err
}

func (w *watchedCreds) Clone() credentials.TransportCredentials {
	return &watchedCreds{TransportCredentials: w.TransportCredentials.Clone(), seen: w.seen}
}
