package probes

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// tcpProbe is a prepared tcp check, read-only after TCP returns.
type tcpProbe struct {
	target  string
	timeout time.Duration
	// tls is nil for a plain connect.
	tls *tls.Config
}

// TCP prepares a check of kind "tcp": Target is host:port. The probe is up
// when a connection opens and, with tcp.tls set, a TLS handshake (with
// certificate verification unless tls_config.insecure_skip_verify) succeeds.
func TCP(chk *config.Check) (Prober, error) {
	p := &tcpProbe{target: chk.Target, timeout: chk.Timeout.D()}
	var errs []error
	if err := checkHostPort(chk.Target); err != nil {
		errs = append(errs, fmt.Errorf("target: %w", err))
	}
	if s := chk.TCP; s != nil && s.TLS {
		cfg, err := newTLSConfig("tcp.tls_config", s.TLSClient)
		errs = append(errs, err)
		p.tls = cfg
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p.run, nil
}

// checkHostPort accepts "host:port" with a numeric or named port.
func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("must be host:port")
	}
	if host == "" || port == "" {
		return errors.New("must be host:port")
	}
	return nil
}

func (p *tcpProbe) run(ctx context.Context, env Env) Observation {
	ctx, cancel, a := begin(ctx, p.timeout)
	defer cancel()
	addr := pick(env.Target, p.target)
	conn, err := dial(ctx, addr, p.tls)
	if err != nil {
		return a.fail(ctx, withAddr(addr, err), "connection failed")
	}
	took := a.elapsed()
	conn.Close()
	return Observation{Outcome: status.Up, Duration: took}
}

// dial connects to addr, with a TLS handshake when cfg is set. The server
// name to verify is the host of addr unless cfg names one.
func dial(ctx context.Context, addr string, cfg *tls.Config) (net.Conn, error) {
	if cfg == nil {
		return dialer.DialContext(ctx, "tcp", addr)
	}
	d := tls.Dialer{NetDialer: &dialer, Config: cfg}
	return d.DialContext(ctx, "tcp", addr)
}

// withAddr makes sure an error's detail names the address, as a TLS
// handshake error does not.
func withAddr(addr string, err error) error {
	if strings.Contains(err.Error(), addr) {
		return err
	}
	return fmt.Errorf("%s: %w", addr, err)
}

// pick returns the run's target: the override when set.
func pick(override, target string) string {
	if override != "" {
		return override
	}
	return target
}
