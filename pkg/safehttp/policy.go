package safehttp

import (
	"fmt"
	"net/netip"
)

// BlockedError is the refusal to connect to an address: the client never
// sends a packet to it.
type BlockedError struct {
	// Addr is the address that was about to be connected to, after DNS.
	Addr netip.Addr
	// Reason names the range it is in ("loopback", "private", ...).
	Reason string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("refused to connect to %s: %s address (not in the allow-list)", e.Addr, e.Reason)
}

// special lists the ranges beyond netip's own predicates (loopback,
// private, link-local, multicast, unspecified) that are no place for a
// request a stranger chose: shared, reserved, documentation and protocol
// ranges of the IANA special-purpose registries (RFC 6890 and its updates).
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
}

// Translated ranges carry an IPv4 address inside an IPv6 one: a NAT64 or
// 6to4 gateway would forward the connection to it, so the embedded address
// is judged as if it were dialled itself.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052 well-known prefix
	sixToFour = netip.MustParsePrefix("2002::/16")    // RFC 3056
)

// Policy decides which addresses the client may connect to. The zero value
// refuses every address that is not public unicast.
type Policy struct {
	// Allow lists ranges the operator opened on purpose (an internal
	// webhook receiver, say). An address in it is allowed whatever its kind.
	Allow []netip.Prefix
}

// Check returns a *BlockedError when addr is not a public unicast address
// and no allowed range holds it. IPv4-mapped IPv6 addresses are judged as
// the IPv4 address they map, NAT64 and 6to4 addresses by the IPv4 address
// they embed; a zone does not change the verdict.
func (p Policy) Check(addr netip.Addr) error {
	a := addr.WithZone("").Unmap()
	if !a.IsValid() {
		return &BlockedError{Addr: addr, Reason: "invalid"}
	}
	if p.allowed(a) {
		return nil
	}
	if inner, ok := embedded(a); ok {
		if err := p.Check(inner); err != nil {
			return &BlockedError{Addr: addr, Reason: err.(*BlockedError).Reason + " (embedded " + inner.String() + ")"}
		}
		return nil
	}
	if r := Reason(a); r != "" {
		return &BlockedError{Addr: addr, Reason: r}
	}
	return nil
}

func (p Policy) allowed(a netip.Addr) bool {
	for _, pre := range p.Allow {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// embedded returns the IPv4 address a NAT64 or 6to4 address carries.
func embedded(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case !a.Is6():
		return netip.Addr{}, false
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// Reason names the kind of a non-public address, or returns "" for a
// public unicast one. It does not look inside translated addresses and
// ignores any allow-list: Policy.Check does both.
func Reason(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	switch {
	case !a.IsValid():
		return "invalid"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		if a == metadata {
			return "cloud metadata"
		}
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	}
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.reason
		}
	}
	return ""
}

// metadata is the cloud providers' instance metadata service (AWS, GCP,
// Azure, OpenStack), the classic target of SSRF; it is link-local and
// refused as such, but named apart so that a refusal says what it saved.
var metadata = netip.MustParseAddr("169.254.169.254")
