package probes

import (
	"net"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

func dnsCheck(name string, s *config.DNS) *config.Check {
	return &config.Check{Name: "dns", Kind: "dns", Target: name, DNS: s}
}

func TestDNS(t *testing.T) {
	server := startDNS(t, dnsZone{
		a:        map[string][]string{"api.example.test.": {"10.0.0.1", "10.0.0.2"}, "web.example.test.": {"10.0.0.9"}},
		aaaa:     map[string][]string{"api.example.test.": {"2001:db8::1"}},
		cname:    map[string]string{"www.example.test.": "Web.Example.Test."},
		mx:       map[string][]*net.MX{"example.test.": {{Host: "mx1.example.test.", Pref: 10}, {Host: "mx2.example.test.", Pref: 20}}},
		txt:      map[string][]string{"example.test.": {"v=spf1 -all", "site-verification=abc"}},
		ns:       map[string][]string{"example.test.": {"ns1.example.test.", "ns2.example.test."}},
		silent:   map[string]bool{"slow.example.test.": true},
		servfail: map[string]bool{"broken.example.test.": true},
	})
	tests := []struct {
		name    string
		target  string
		s       config.DNS
		outcome status.Level
		reason  string
	}{
		{"A any answer", "api.example.test", config.DNS{}, status.Up, ""},
		{"A expected", "api.example.test", config.DNS{Expect: []string{"10.0.0.2", "10.0.0.1"}}, status.Up, ""},
		{"A answer missing", "api.example.test", config.DNS{Expect: []string{"10.0.0.1", "10.0.0.3"}}, status.Down, "DNS: answer missing 10.0.0.3"},
		{"AAAA expected", "api.example.test", config.DNS{Record: "aaaa", Expect: []string{"2001:DB8:0::1"}}, status.Up, ""},
		{"AAAA none", "web.example.test", config.DNS{Record: "AAAA"}, status.Down, "DNS: no such host"},
		{"CNAME ignores case and trailing dot", "www.example.test", config.DNS{Record: "CNAME", Expect: []string{"web.example.test"}}, status.Up, ""},
		{"CNAME of a plain name", "web.example.test", config.DNS{Record: "CNAME"}, status.Down, "DNS: no answer"},
		{"MX host", "example.test", config.DNS{Record: "MX", Expect: []string{"MX2.example.test."}}, status.Up, ""},
		{"MX with preference", "example.test", config.DNS{Record: "MX", Expect: []string{"10 mx1.example.test"}}, status.Up, ""},
		{"MX wrong preference", "example.test", config.DNS{Record: "MX", Expect: []string{"20 mx1.example.test"}}, status.Down, "DNS: answer missing 20 mx1.example.test"},
		{"TXT", "example.test", config.DNS{Record: "TXT", Expect: []string{"v=spf1 -all"}}, status.Up, ""},
		{"NS", "example.test", config.DNS{Record: "NS", Expect: []string{"ns1.example.test", "ns2.example.test."}}, status.Up, ""},
		{"NXDOMAIN", "nope.example.test", config.DNS{}, status.Down, "DNS: no such host"},
		{"SERVFAIL", "broken.example.test", config.DNS{}, status.Down, "DNS: server failure"},
		{"no answer in time", "slow.example.test", config.DNS{}, status.Down, "timeout after 300ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.Resolver = server
			chk := dnsCheck(tc.target, &tc.s)
			chk.Timeout = config.Duration(300 * time.Millisecond)
			obs := probe(t, newProbe(t, DNS, chk), 500*time.Millisecond, Env{}, server)
			want(t, obs, tc.outcome, tc.reason)
		})
	}
}

func TestDNSResolverDown(t *testing.T) {
	// A UDP port nobody listens on answers with ICMP unreachable.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	chk := dnsCheck("api.example.test", &config.DNS{Resolver: addr})
	chk.Timeout = config.Duration(300 * time.Millisecond)
	obs := probe(t, newProbe(t, DNS, chk), 2*time.Second, Env{}, addr)
	want(t, obs, status.Down, "DNS: connection refused")
}

func TestDNSSystemResolver(t *testing.T) {
	// "localhost" comes from the hosts file: no network needed.
	obs := probe(t, newProbe(t, DNS, dnsCheck("localhost", &config.DNS{Expect: []string{"127.0.0.1"}})), 2*time.Second, Env{}, "localhost")
	want(t, obs, status.Up, "")
}

func TestDNSConstructorErrors(t *testing.T) {
	tests := []struct {
		name   string
		target string
		s      *config.DNS
		key    string
	}{
		{"unknown record", "example.test", &config.DNS{Record: "SRV"}, "dns.record"},
		{"A expects IPv4", "example.test", &config.DNS{Expect: []string{"2001:db8::1"}}, "dns.expect"},
		{"AAAA expects IPv6", "example.test", &config.DNS{Record: "AAAA", Expect: []string{"10.0.0.1"}}, "dns.expect"},
		{"MX preference", "example.test", &config.DNS{Record: "MX", Expect: []string{"high mx.example.test"}}, "dns.expect"},
		{"bad resolver", "example.test", &config.DNS{Resolver: "a b"}, "dns.resolver"},
		{"empty name", "", nil, "target"},
		{"URL", "https://example.test/", nil, "target"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DNS(dnsCheck(tc.target, tc.s))
			wantErr(t, err, tc.key)
		})
	}
}

func TestResolverAddr(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.53:5353": "10.0.0.53:5353",
		"10.0.0.53":      "10.0.0.53:53",
		"[2001:db8::53]": "[2001:db8::53]:53",
		"2001:db8::53":   "[2001:db8::53]:53",
		"ns.example":     "ns.example:53",
	} {
		if got, err := resolverAddr(in); err != nil || got != want {
			t.Errorf("resolverAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
