package probes

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// errNoTLSState is reported when a TLS connection has no certificate to
// judge, which a conforming server cannot cause.
var errNoTLSState = errors.New("no peer certificate")

// tlsProbe is a prepared tls check, read-only after TLS returns.
type tlsProbe struct {
	target  string
	timeout time.Duration
	cfg     *tls.Config
	// days is the expiry warning window; negative disables the warning.
	days int
	// public makes a certificate within the window degrade the result;
	// otherwise it is an operator notice.
	public bool
}

// TLS prepares a check of kind "tls": Target is host:port. The probe
// completes a handshake, verifying the chain and the host name unless
// tls_config.insecure_skip_verify; an expired or invalid certificate is
// down, one expiring within expiry_days (default 14) raises an operator
// notice (degraded instead with expiry_public).
func TLS(chk *config.Check) (Prober, error) {
	p := &tlsProbe{target: chk.Target, timeout: chk.Timeout.D(), days: defaultCertExpiryDays}
	var errs []error
	if err := checkHostPort(chk.Target); err != nil {
		errs = append(errs, fmt.Errorf("target: %w", err))
	}
	var client *config.TLSClient
	if s := chk.TLS; s != nil {
		client = s.TLSClient
		if s.ExpiryDays != 0 {
			p.days = s.ExpiryDays
		}
		p.public = s.ExpiryPublic
	}
	cfg, err := newTLSConfig("tls.tls_config", client)
	errs = append(errs, err)
	p.cfg = cfg
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p.run, nil
}

func (p *tlsProbe) run(ctx context.Context, env Env) Observation {
	ctx, cancel, a := begin(ctx, p.timeout)
	defer cancel()
	addr := pick(env.Target, p.target)
	conn, err := dial(ctx, addr, p.cfg)
	if err != nil {
		return a.fail(ctx, withAddr(addr, err), "TLS handshake failed")
	}
	took := a.elapsed()
	state := conn.(*tls.Conn).ConnectionState()
	conn.Close()
	obs := p.judge(&state, time.Now())
	obs.Duration = took
	return obs
}

// judge rates the certificate the server presented. Verification already
// failed the handshake for a bad chain or name; expiry is checked here too,
// since with insecure_skip_verify nothing else would catch it.
func (p *tlsProbe) judge(state *tls.ConnectionState, now time.Time) Observation {
	if len(state.PeerCertificates) == 0 {
		return Observation{Outcome: status.Down, Reason: "TLS handshake failed", Detail: errNoTLSState.Error()}
	}
	days := p.days
	if days < 0 {
		days = 0 // warning disabled, but an expired certificate is still down
	}
	reason, expired := leafExpiry(state, days, now)
	switch {
	case expired:
		return Observation{Outcome: status.Down, Reason: reason, Detail: leafDetail(state)}
	case reason != "" && p.days >= 0 && p.public:
		return Observation{Outcome: status.Degraded, Reason: reason, Detail: leafDetail(state)}
	case reason != "" && p.days >= 0:
		return Observation{Outcome: status.Up, Notice: expiryNotice(reason, state)}
	}
	return Observation{Outcome: status.Up}
}
