package safehttp

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/safehttp/dnstest"
)

// FuzzCheck holds the classifier to its promises on any address: it never
// panics; what netip calls loopback, private, link-local, multicast or
// unspecified is refused; an IPv4 address gets one verdict in every form
// that reaches it (plain, IPv4-mapped, NAT64, 6to4); a zone changes
// nothing; and the allow-list opens exactly what it lists.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "10.0.0.1", "169.254.169.254", "100.64.0.1", "1.1.1.1",
		"::1", "fe80::1", "fc00::1", "64:ff9b::7f00:1", "2002:a00:1::", "::ffff:192.168.0.1", "2606:4700::1"} {
		f.Add(netip.MustParseAddr(s).AsSlice(), "")
	}
	f.Add(netip.MustParseAddr("fe80::1").AsSlice(), "eth0")
	f.Fuzz(func(t *testing.T, raw []byte, zone string) {
		a, ok := netip.AddrFromSlice(raw)
		if !ok {
			return
		}
		refused := Policy{}.Check(a) != nil
		u := a.Unmap()
		if (u.IsLoopback() || u.IsPrivate() || u.IsLinkLocalUnicast() || u.IsMulticast() || u.IsUnspecified()) && !refused {
			t.Fatalf("%s allowed, want refused", a)
		}
		if a.Is6() && zone != "" && a.WithZone(zone) != a {
			if got := (Policy{}).Check(a.WithZone(zone)) != nil; got != refused {
				t.Fatalf("%s: zone %q changed the verdict to refused=%v", a, zone, got)
			}
		}
		if u.Is4() {
			v4 := u.As4()
			mapped := netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: v4[0], 13: v4[1], 14: v4[2], 15: v4[3]})
			nat := netip.AddrFrom16([16]byte{0: 0x00, 1: 0x64, 2: 0xff, 3: 0x9b, 12: v4[0], 13: v4[1], 14: v4[2], 15: v4[3]})
			six := netip.AddrFrom16([16]byte{0: 0x20, 1: 0x02, 2: v4[0], 3: v4[1], 4: v4[2], 5: v4[3]})
			for _, form := range []netip.Addr{mapped, nat, six} {
				if got := (Policy{}).Check(form) != nil; got != refused {
					t.Fatalf("%s refused=%v but its form %s refused=%v", u, refused, form, got)
				}
			}
		}
		if err := (Policy{Allow: []netip.Prefix{netip.PrefixFrom(u, u.BitLen())}}).Check(a); err != nil {
			t.Fatalf("%s refused although allowed: %v", a, err)
		}
		if err := (Policy{}).Check(a); err != nil && err.(*BlockedError).Addr != a {
			t.Fatalf("refusal names %s, not %s", err.(*BlockedError).Addr, a)
		}
	})
}

// FuzzCheckURL: whatever a stranger types, the sign-up check never panics,
// and a URL it accepts is http or https with a host whose every address
// (here from the test's own DNS server: no query leaves the machine) is
// one Check allows.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://public.test/hook", "http://127.0.0.1:8080/", "http://loop.test/", "http://[::1]/",
		"http://169.254.169.254/latest", "ftp://x/", "https://u:p@public.test/", "http://%zz/", "http://public.test:99999/", ""} {
		f.Add(s)
	}
	zone := map[string]netip.Addr{"public.test.": netip.MustParseAddr("93.184.215.14"), "loop.test.": netip.MustParseAddr("127.0.0.1")}
	res := dnstest.Start(f, zone)
	f.Fuzz(func(t *testing.T, raw string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := (Policy{}).CheckURL(ctx, res, raw); err != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
			t.Fatalf("accepted %q", raw)
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil && (Policy{}).Check(a) != nil {
			t.Fatalf("accepted %q at a refused address", raw)
		}
		if a, ok := zone[strings.ToLower(u.Hostname())+"."]; ok && (Policy{}).Check(a) != nil {
			t.Fatalf("accepted %q, which resolves to %s", raw, a)
		}
	})
}
