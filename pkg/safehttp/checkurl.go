package safehttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
)

// ErrURL refuses a URL that is not an absolute http or https URL with a
// host, or that carries credentials.
var ErrURL = errors.New("not an absolute http:// or https:// URL with a host")

// CheckURL is the sign-up check of a URL a stranger gives: the scheme, and
// every address its host resolves to (through resolver; nil is the
// system's) against the policy. It does not replace the check on every
// connection (a DNS answer can change after it), it lets a form say at
// once that a URL can never be delivered to. A refused address comes back
// as an error errors.As finds a *BlockedError in; a name that does not
// resolve as a *net.DNSError.
func (p Policy) CheckURL(ctx context.Context, resolver *net.Resolver, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" {
		return ErrURL
	}
	if u.User != nil {
		return fmt.Errorf("%w (it holds a user name or password)", ErrURL)
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return p.Check(a)
	}
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	for _, a := range addrs {
		if err := p.Check(a); err != nil {
			return err
		}
	}
	return nil
}
