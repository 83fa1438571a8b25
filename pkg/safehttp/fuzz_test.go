package safehttp

import (
	"net/netip"
	"testing"
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
