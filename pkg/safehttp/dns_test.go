package safehttp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/ampelstatus/ampel/pkg/safehttp/dnstest"
)

// startDNS is dnstest.Start: names in zone resolve to their addresses.
func startDNS(t *testing.T, zone map[string]netip.Addr) *net.Resolver { return dnstest.Start(t, zone) }

// TestCheckURL: the sign-up check judges every address a name resolves
// to, IP literals as they are, and refuses other schemes and credentials,
// all without connecting anywhere.
func TestCheckURL(t *testing.T) {
	res := startDNS(t, map[string]netip.Addr{
		"loop.test.":   netip.MustParseAddr("127.0.0.1"),
		"public.test.": netip.MustParseAddr("93.184.215.14"),
		"meta.test.":   netip.MustParseAddr("169.254.169.254"),
	})
	ctx := context.Background()
	var p Policy
	for _, tt := range []struct {
		url    string
		reason string // "" allowed, "url" ErrURL, "dns" a DNS error
	}{
		{"https://public.test/hook", ""},
		{"https://93.184.215.14:8443/x", ""},
		{"http://127.0.0.1:8080/", "loopback"},
		{"http://10.1.2.3/", "private"},
		{"http://169.254.169.254/latest/meta-data", "cloud metadata"},
		{"http://[::1]/", "loopback"},
		{"http://loop.test:9/", "loopback"},
		{"http://meta.test/", "cloud metadata"},
		{"ftp://public.test/", "url"},
		{"https://user:pw@public.test/", "url"},
		{"/relative", "url"},
		{"https://nowhere.test/", "dns"},
	} {
		err := p.CheckURL(ctx, res, tt.url)
		var blocked *BlockedError
		var dnsErr *net.DNSError
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%s: %v", tt.url, err)
		case tt.reason == "url" && !errors.Is(err, ErrURL):
			t.Errorf("%s: %v, want ErrURL", tt.url, err)
		case tt.reason == "dns" && !errors.As(err, &dnsErr):
			t.Errorf("%s: %v, want a DNS error", tt.url, err)
		case tt.reason != "" && tt.reason != "url" && tt.reason != "dns" && (!errors.As(err, &blocked) || blocked.Reason != tt.reason):
			t.Errorf("%s: %v, want refused as %s", tt.url, err, tt.reason)
		}
	}
	open := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	if err := open.CheckURL(ctx, res, "http://loop.test:9/"); err != nil {
		t.Errorf("allow-listed loopback: %v", err)
	}
}
