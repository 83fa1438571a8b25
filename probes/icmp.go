package probes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"time"

	probing "github.com/prometheus-community/pro-bing"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// icmpProbe is a prepared icmp check, read-only after ICMP returns.
type icmpProbe struct {
	target   string
	timeout  time.Duration
	count    int
	interval time.Duration
	// degradedLoss and downLoss are loss percentages; degraded is the
	// average round trip above which the host is degraded (0: off).
	degradedLoss, downLoss float64
	degraded               time.Duration
	// privileged says to use a raw socket; access, when set, says why
	// neither socket kind may be opened (see icmpAccess).
	privileged bool
	access     error
}

// ICMP prepares a check of kind "icmp": Target is a host name or an IP
// address, sent icmp.count echo requests per run. The loss and average
// round trip decide the outcome. A process that may open no ICMP socket
// still prepares the check (it may run only in remote zones); its runs
// record no data, and Permitted says what to change.
func ICMP(chk *config.Check) (Prober, error) {
	s := chk.ICMP
	if s == nil {
		s = &config.ICMP{}
	}
	p := &icmpProbe{
		target: chk.Target, timeout: chk.Timeout.D(),
		count: s.Count, interval: s.PacketInterval.D(),
		degradedLoss: s.DegradedLossPercent, downLoss: s.DownLossPercent, degraded: s.DegradedAfter.D(),
	}
	if p.count == 0 {
		p.count = config.DefaultICMPCount
	}
	if p.interval == 0 {
		p.interval = config.DefaultICMPPacketInterval
	}
	if p.degradedLoss == 0 {
		p.degradedLoss = 1
	}
	if p.downLoss == 0 {
		p.downLoss = 100
	}
	if chk.Target == "" || (net.ParseIP(chk.Target) == nil && !validHost(chk.Target)) {
		return nil, errors.New("target: must be a host name or an IP address")
	}
	p.privileged, p.access = icmpAccess(listenICMP)
	return p.run, nil
}

// validHost accepts a DNS name's characters; the resolver judges the rest.
func validHost(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func (p *icmpProbe) run(ctx context.Context, env Env) Observation {
	ctx, cancel, a := begin(ctx, p.timeout)
	defer cancel()
	if p.access != nil {
		// Ampel's own setting, not the host's fault: no data.
		return notProbed("not probed: ICMP not permitted", p.access, 0)
	}
	host := pick(env.Target, p.target)
	ip, err := resolveIP(ctx, host)
	if err != nil {
		return a.fail(ctx, err, "DNS lookup failed")
	}
	pinger := probing.New(host)
	pinger.SetIPAddr(ip)
	pinger.SetPrivileged(p.privileged)
	pinger.SetLogger(probing.NoopLogger{})
	pinger.Count, pinger.Interval = p.count, p.interval
	err = pinger.RunWithContext(ctx)
	st := pinger.Statistics()
	if err != nil && ctx.Err() == nil {
		// Not a lost packet: the socket or a send failed.
		return a.fail(ctx, fmt.Errorf("ping %s: %w", ip, err), "ping failed")
	}
	obs := p.judge(st.PacketsRecv, st.AvgRtt)
	if obs.Outcome == status.Down && obs.Duration == 0 {
		obs.Duration = a.elapsed()
	}
	if obs.Outcome != status.Up {
		obs.Detail = fmt.Sprintf("%s (%s): %d of %d replies within %s, average %s",
			host, ip, st.PacketsRecv, p.count, formatDuration(a.elapsed()), st.AvgRtt)
	}
	return obs
}

// judge rates a run from the replies to the count requests sent and
// their average round trip, which is the result's duration. A request
// that could not be sent counts as lost.
func (p *icmpProbe) judge(replies int, avg time.Duration) Observation {
	replies = min(replies, p.count) // duplicates are not replies
	loss := float64(p.count-replies) / float64(p.count) * 100
	pct := fmt.Sprintf("%d%% packet loss", int(math.Round(loss)))
	switch {
	case replies == 0:
		return Observation{Outcome: status.Down, Reason: "no reply"}
	case loss >= p.downLoss:
		return Observation{Outcome: status.Down, Reason: pct, Duration: avg}
	case loss >= p.degradedLoss:
		return Observation{Outcome: status.Degraded, Reason: pct, Duration: avg}
	case p.degraded > 0 && avg > p.degraded:
		return Observation{Outcome: status.Degraded, Reason: "slow: " + formatDuration(avg), Duration: avg}
	}
	return Observation{Outcome: status.Up, Duration: avg}
}

// resolveIP returns the host's address, IPv4 first.
func resolveIP(ctx context.Context, host string) (*net.IPAddr, error) {
	if ip := net.ParseIP(host); ip != nil {
		return &net.IPAddr{IP: ip}, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if a.IP.To4() != nil {
			return &a, nil
		}
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	return &addrs[0], nil
}
