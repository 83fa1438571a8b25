package safehttp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckRefusesNonPublic(t *testing.T) {
	cases := []struct{ addr, reason string }{
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"10.0.0.1", "private"},
		{"10.255.255.255", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd00:ec2::254", "private"}, // AWS metadata over IPv6
		{"169.254.169.254", "cloud metadata"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.255", "carrier-grade NAT"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "this-network"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"::ffff:255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"192.0.2.7", "documentation"},
		{"2001:db8::1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.1.2.3", "private"},
		{"::ffff:169.254.169.254", "cloud metadata"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"64:ff9b::7f00:1", "loopback (embedded 127.0.0.1)"},
		{"64:ff9b::a9fe:a9fe", "cloud metadata (embedded 169.254.169.254)"},
		{"64:ff9b::a00:1", "private (embedded 10.0.0.1)"},
		{"64:ff9b:1::1", "local-use NAT64"},
		{"2002:7f00:1::1", "loopback (embedded 127.0.0.1)"},
		{"2002:c0a8:101::1", "private (embedded 192.168.1.1)"},
		{"2001:0:4136:e378::1", "Teredo"},
		{"fec0::1", "site-local"},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			err := Policy{}.Check(netip.MustParseAddr(c.addr))
			var b *BlockedError
			if !errors.As(err, &b) {
				t.Fatalf("Check(%s) = %v, want a refusal", c.addr, err)
			}
			if b.Reason != c.reason {
				t.Errorf("Check(%s) reason %q, want %q", c.addr, b.Reason, c.reason)
			}
			if !strings.Contains(err.Error(), netip.MustParseAddr(c.addr).String()) {
				t.Errorf("error %q does not name the address", err)
			}
		})
	}
}

func TestCheckAllowsPublic(t *testing.T) {
	for _, a := range []string{
		"1.1.1.1", "8.8.8.8", "93.184.216.34", "172.15.255.255", "172.32.0.1", "100.63.255.255",
		"100.128.0.1", "169.253.255.255", "2606:4700:4700::1111", "::ffff:1.1.1.1",
		"64:ff9b::101:101", // NAT64 of 1.1.1.1
		"2002:101:101::1",  // 6to4 of 1.1.1.1
	} {
		if err := (Policy{}).Check(netip.MustParseAddr(a)); err != nil {
			t.Errorf("Check(%s) = %v, want allowed", a, err)
		}
	}
}

func TestAllowListOpensRanges(t *testing.T) {
	p := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.20.0.0/16")}}
	for _, a := range []string{"127.0.0.1", "::ffff:127.0.0.1", "10.20.3.4", "64:ff9b::a14:304"} {
		if err := p.Check(netip.MustParseAddr(a)); err != nil {
			t.Errorf("Check(%s) = %v, want allowed by the allow-list", a, err)
		}
	}
	for _, a := range []string{"127.0.0.2", "10.21.0.1", "169.254.169.254", "::1"} {
		if err := p.Check(netip.MustParseAddr(a)); err == nil {
			t.Errorf("Check(%s) allowed, want refused: outside the allow-list", a)
		}
	}
}

func TestControlRefusesOtherNetworksAndJunk(t *testing.T) {
	allowAll := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}}
	if err := control(allowAll, "udp", "1.1.1.1:53"); err == nil {
		t.Error("udp allowed")
	}
	if err := control(allowAll, "tcp", "not an address"); err == nil {
		t.Error("unparsable address allowed")
	}
	if err := control(allowAll, "tcp4", "1.1.1.1:443"); err != nil {
		t.Errorf("public tcp4 refused: %v", err)
	}
}
