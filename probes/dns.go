package probes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// dnsProbe is a prepared dns check, read-only after DNS returns.
type dnsProbe struct {
	name    string
	record  string
	timeout time.Duration
	// expect holds the wanted answers in normalised form (see normName).
	expect   []string
	resolver *net.Resolver
	// server names the resolver in details: "system" or its address.
	server string
}

// dnsLookups answers one record type with its answers in normalised form.
var dnsLookups = map[string]func(ctx context.Context, r *net.Resolver, name string) ([]string, error){
	"A":     lookupIP("ip4"),
	"AAAA":  lookupIP("ip6"),
	"CNAME": lookupCNAME,
	"MX":    lookupMX,
	"TXT":   lookupTXT,
	"NS":    lookupNS,
}

// DNS prepares a check of kind "dns": Target is the name to resolve. The
// probe is up when the record type (A by default) has an answer and,
// when dns.expect is set, every expected answer is among them.
func DNS(chk *config.Check) (Prober, error) {
	p := &dnsProbe{name: chk.Target, record: "A", timeout: chk.Timeout.D(), resolver: net.DefaultResolver, server: "system"}
	s := chk.DNS
	if s == nil {
		s = &config.DNS{}
	}
	var errs []error
	if p.name == "" || strings.ContainsAny(p.name, " \t/:") {
		errs = append(errs, errors.New("target: must be a domain name"))
	}
	if s.Record != "" {
		p.record = strings.ToUpper(s.Record)
	}
	if _, ok := dnsLookups[p.record]; !ok {
		errs = append(errs, fmt.Errorf("dns.record: unknown record type %q (want A, AAAA, CNAME, MX, TXT or NS)", s.Record))
	}
	for _, e := range s.Expect {
		v, err := normExpect(p.record, e)
		if err != nil {
			errs = append(errs, fmt.Errorf("dns.expect: %w", err))
		}
		p.expect = append(p.expect, v)
	}
	if s.Resolver != "" {
		addr, err := resolverAddr(s.Resolver)
		if err != nil {
			errs = append(errs, fmt.Errorf("dns.resolver: %w", err))
		}
		p.resolver, p.server = newResolver(addr), addr
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p.run, nil
}

// resolverAddr accepts "host:port", or an address alone for port 53.
func resolverAddr(s string) (string, error) {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s, nil
	}
	if strings.ContainsAny(s, " /") {
		return "", fmt.Errorf("%q is not host:port", s)
	}
	return net.JoinHostPort(strings.Trim(s, "[]"), "53"), nil
}

// newResolver asks only the server at addr. The Go resolver keeps its own
// logic (retries, TCP fallback on truncation); only where it connects to
// changes.
func newResolver(addr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

func (p *dnsProbe) run(ctx context.Context, env Env) Observation {
	ctx, cancel, a := begin(ctx, p.timeout)
	defer cancel()
	name := pick(env.Target, p.name)
	answers, err := dnsLookups[p.record](ctx, p.resolver, name)
	took := a.elapsed()
	if err != nil {
		err = fmt.Errorf("%s %s via %s: %w", p.record, name, p.server, err)
		return a.fail(ctx, err, "DNS lookup failed")
	}
	obs := p.judge(answers)
	if obs.Detail != "" {
		obs.Detail = fmt.Sprintf("%s %s via %s: %s", p.record, name, p.server, obs.Detail)
	}
	obs.Duration = took
	return obs
}

// judge checks the answers against the expected ones.
func (p *dnsProbe) judge(answers []string) Observation {
	if len(answers) == 0 {
		return Observation{Outcome: status.Down, Reason: "DNS: no answer", Detail: "no answer"}
	}
	for _, want := range p.expect {
		if !slices.Contains(answers, want) {
			return Observation{
				Outcome: status.Down,
				Reason:  "DNS: answer missing " + want,
				Detail:  fmt.Sprintf("answers %q do not include %q", answers, want),
			}
		}
	}
	return Observation{Outcome: status.Up}
}

// normName makes names comparable: DNS names ignore case, and "a.b." is the
// same name as "a.b".
func normName(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

// normExpect normalises an expected answer as the lookup of record
// normalises the answers, and rejects what could never match.
func normExpect(record, s string) (string, error) {
	switch record {
	case "A", "AAAA":
		family := "IPv4"
		if record == "AAAA" {
			family = "IPv6"
		}
		ip, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil || (record == "A") != ip.Unmap().Is4() {
			return "", fmt.Errorf("%q is not an %s address", s, family)
		}
		return ip.Unmap().String(), nil
	case "MX":
		// "10 mx.example.com" pins the preference as well as the host.
		if pref, host, ok := strings.Cut(strings.TrimSpace(s), " "); ok {
			if _, err := strconv.ParseUint(pref, 10, 16); err != nil {
				return "", fmt.Errorf("%q: want \"host\" or \"preference host\"", s)
			}
			return pref + " " + normName(host), nil
		}
	case "TXT":
		return strings.ToLower(s), nil
	}
	return normName(s), nil
}

func lookupIP(network string) func(context.Context, *net.Resolver, string) ([]string, error) {
	return func(ctx context.Context, r *net.Resolver, name string) ([]string, error) {
		ips, err := r.LookupNetIP(ctx, network, name)
		out := make([]string, len(ips))
		for i, ip := range ips {
			out[i] = ip.Unmap().String()
		}
		return out, err
	}
}

// lookupCNAME reports no answer for a name without a CNAME record: Go's
// LookupCNAME then returns the name itself.
func lookupCNAME(ctx context.Context, r *net.Resolver, name string) ([]string, error) {
	cname, err := r.LookupCNAME(ctx, name)
	if err != nil || normName(cname) == normName(name) {
		return nil, err
	}
	return []string{normName(cname)}, nil
}

// lookupMX lists each host twice, alone and with its preference, so an
// expected "mx.example.com" and "10 mx.example.com" both match.
func lookupMX(ctx context.Context, r *net.Resolver, name string) ([]string, error) {
	mxs, err := r.LookupMX(ctx, name)
	out := make([]string, 0, 2*len(mxs))
	for _, mx := range mxs {
		host := normName(mx.Host)
		out = append(out, host, strconv.Itoa(int(mx.Pref))+" "+host)
	}
	return out, err
}

func lookupTXT(ctx context.Context, r *net.Resolver, name string) ([]string, error) {
	txts, err := r.LookupTXT(ctx, name)
	for i, t := range txts {
		txts[i] = strings.ToLower(t)
	}
	return txts, err
}

func lookupNS(ctx context.Context, r *net.Resolver, name string) ([]string, error) {
	nss, err := r.LookupNS(ctx, name)
	out := make([]string, len(nss))
	for i, ns := range nss {
		out[i] = normName(ns.Host)
	}
	return out, err
}
