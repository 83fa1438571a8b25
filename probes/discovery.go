package probes

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
)

// dnsDiscovery resolves name on every run; each A and AAAA record is an
// instance at port.
func dnsDiscovery(name, resolver string, port int) (discoverer, error) {
	if port <= 0 {
		return nil, fmt.Errorf("pods.port: required with pods.dns when the target names no port")
	}
	r := net.DefaultResolver
	if resolver != "" {
		addr, err := resolverAddr(resolver)
		if err != nil {
			return nil, fmt.Errorf("pods.resolver: %w", err)
		}
		r = newResolver(addr)
	}
	return func(ctx context.Context) ([]Instance, error) {
		ips, err := r.LookupIPAddr(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", name, err)
		}
		out := make([]Instance, 0, len(ips))
		for _, ip := range ips {
			addr := net.JoinHostPort(ip.IP.String(), strconv.Itoa(port))
			out = append(out, Instance{ID: addr, Addr: addr})
		}
		slices.SortFunc(out, func(a, b Instance) int { return compareStrings(a.ID, b.ID) })
		return slices.CompactFunc(out, func(a, b Instance) bool { return a.ID == b.ID }), nil
	}, nil
}

// staticDiscovery always returns the listed instances.
func staticDiscovery(list []string, port int) (discoverer, error) {
	var out []Instance
	for i, s := range list {
		addr := s
		if _, _, err := net.SplitHostPort(s); err != nil {
			if port <= 0 {
				return nil, fmt.Errorf("pods.static[%d]: %q names no port and pods.port is not set", i, s)
			}
			addr = net.JoinHostPort(s, strconv.Itoa(port))
		}
		out = append(out, Instance{ID: addr, Addr: addr})
	}
	return func(context.Context) ([]Instance, error) { return out, nil }, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
