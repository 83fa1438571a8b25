package config

import (
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Check defaults.
const (
	defaultInterval = 60 * time.Second
	defaultTimeout  = 10 * time.Second
)

// Statuspage component statuses a check may impose, in order of severity.
var componentStatuses = []string{
	"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance",
}

// completeCheck applies a check's defaults. Only absent keys get one: an
// explicit zero is left for validation to report.
func (v *checker) completeCheck(c *Config, path string, chk *Check) {
	if !v.set(path + ".interval") {
		chk.Interval = Duration(defaultInterval)
	}
	if !v.set(path + ".timeout") {
		// A probe must end before the next one starts.
		t := defaultTimeout
		if iv := chk.Interval.D(); iv > 0 && iv < t {
			t = iv
		}
		chk.Timeout = Duration(t)
	}
	if !v.set(path + ".zones") {
		for _, z := range c.Zones {
			chk.Zones = append(chk.Zones, z.Name)
		}
	}
	if !v.set(path + ".failures_to_down") {
		chk.FailuresToDown = 2
	}
	if !v.set(path + ".successes_to_up") {
		chk.SuccessesToUp = 1
	}
	defaultString(&chk.OnDown, !v.set(path+".on_down"), "major_outage")
	defaultString(&chk.OnPartial, !v.set(path+".on_partial"), "partial_outage")
	defaultString(&chk.OnDegraded, !v.set(path+".on_degraded"), "degraded_performance")
	defaultString(&chk.OnDownFewZones, !v.set(path+".on_down_few_zones"), "partial_outage")
	completeKind(c.Dir, chk)
	if chk.Kind == "heartbeat" {
		v.completeHeartbeat(c, path, chk)
	}
}

func defaultString(s *string, absent bool, def string) {
	if absent {
		*s = def
	}
}

// completeKind makes the table named after the check's kind non-nil, so that
// probes need not test it, and resolves its file paths.
func completeKind(dir string, chk *Check) {
	switch chk.Kind {
	case "http":
		if chk.HTTP == nil {
			chk.HTTP = &HTTP{}
		}
	case "tcp":
		if chk.TCP == nil {
			chk.TCP = &TCP{}
		}
	case "dns":
		if chk.DNS == nil {
			chk.DNS = &DNS{}
		}
	case "tls":
		if chk.TLS == nil {
			chk.TLS = &TLS{}
		}
	case "metrics":
		if chk.Metrics == nil {
			chk.Metrics = &Metrics{}
		}
	case "grpc":
		if chk.GRPC == nil {
			chk.GRPC = &GRPC{}
		}
	case "icmp":
		if chk.ICMP == nil {
			chk.ICMP = &ICMP{}
		}
	case "heartbeat":
		if chk.Heartbeat == nil {
			chk.Heartbeat = &Heartbeat{}
		}
	}
	if h := chk.HTTP; h != nil {
		h.BearerTokenFile = resolve(dir, h.BearerTokenFile)
		if h.BasicAuth != nil {
			h.BasicAuth.PasswordFile = resolve(dir, h.BasicAuth.PasswordFile)
		}
		resolveTLS(dir, h.TLSClient)
	}
	if chk.TCP != nil {
		resolveTLS(dir, chk.TCP.TLSClient)
	}
	if chk.TLS != nil {
		resolveTLS(dir, chk.TLS.TLSClient)
	}
	if chk.GRPC != nil {
		resolveTLS(dir, chk.GRPC.TLSClient)
	}
	resolvePods(dir, chk.Pods)
	if chk.DNS != nil {
		// Record types are case-insensitive in DNS.
		chk.DNS.Record = strings.ToUpper(chk.DNS.Record)
	}
}

func resolveTLS(dir string, t *TLSClient) {
	if t != nil {
		t.CAFile = resolve(dir, t.CAFile)
		t.CertFile = resolve(dir, t.CertFile)
		t.KeyFile = resolve(dir, t.KeyFile)
	}
}

// check validates one check; names maps the check names seen so far in the
// file to their paths.
func (v *checker) check(path string, chk *Check, zones map[string]bool, names map[string]string) {
	if v.slug(path+".name", chk.Name) {
		v.unique(names, chk.Name, path+".name", "check name")
	}
	kindOK := v.kind(path, chk)
	v.target(path, chk, kindOK)
	v.timing(path, chk)
	v.checkZones(path, chk, zones)
	if chk.FailuresToDown < 1 {
		v.addf(path+".failures_to_down", "must be at least 1")
	}
	if chk.SuccessesToUp < 1 {
		v.addf(path+".successes_to_up", "must be at least 1")
	}
	v.componentStatus(path+".on_down", chk.OnDown)
	v.componentStatus(path+".on_partial", chk.OnPartial)
	v.componentStatus(path+".on_degraded", chk.OnDegraded)
	v.componentStatus(path+".on_down_few_zones", chk.OnDownFewZones)
	if kindOK {
		v.kindTables(path, chk)
		v.pods(path, chk)
	}
}

// kind reports whether the check's kind is a registered probe kind.
func (v *checker) kind(path string, chk *Check) bool {
	switch {
	case chk.Kind == "":
		v.addf(path+".kind", "required (one of %s)", validKinds(v.kinds))
	case !slices.Contains(v.kinds, chk.Kind):
		v.addf(path+".kind", "unknown kind %q (valid kinds: %s)", chk.Kind, validKinds(v.kinds))
	default:
		return true
	}
	return false
}

// target checks that the target is set and, when the kind is known, its
// shape for the kind. The messages do not repeat the target: a URL may
// carry credentials.
func (v *checker) target(path string, chk *Check, kindOK bool) {
	p, t := path+".target", chk.Target
	if chk.Kind == "heartbeat" {
		if t != "" {
			v.addf(p, "not used for kind \"heartbeat\": the job calls Ampel at /api/v1/heartbeat/{token}")
		}
		return
	}
	if strings.TrimSpace(t) == "" {
		v.addf(p, "required")
		return
	}
	if !kindOK {
		return // its shape depends on the kind
	}
	switch chk.Kind {
	case "http", "metrics":
		if !isWebURL(t) {
			v.addf(p, "must be an absolute http:// or https:// URL for kind %q", chk.Kind)
		}
	case "icmp":
		if net.ParseIP(t) == nil && !isDNSName(t) {
			v.addf(p, "must be a host name or an IP address for kind \"icmp\", such as \"db.internal\"")
		}
	case "tcp", "tls", "grpc":
		if !isHostPort(t, false) {
			v.addf(p, "must be host:port for kind %q, such as \"db.internal:5432\"", chk.Kind)
		}
	case "dns":
		if !isDNSName(t) {
			v.addf(p, "must be a DNS name for kind \"dns\", such as \"example.com\"")
		}
	}
}

// timing checks interval and timeout.
func (v *checker) timing(path string, chk *Check) {
	ivOK := v.durationKey(path + ".interval")
	if ivOK && chk.Interval.D() < time.Second {
		v.addf(path+".interval", "must be at least 1s, got %s", chk.Interval)
		ivOK = false
	}
	if !v.durationKey(path + ".timeout") {
		return
	}
	switch {
	case chk.Timeout <= 0:
		v.addf(path+".timeout", "must be more than 0s")
	case ivOK && chk.Timeout > chk.Interval:
		v.addf(path+".timeout", "timeout %s is longer than interval %s", chk.Timeout, chk.Interval)
	}
}

// checkZones checks that the zones are declared, listed once, and that the
// quorum can be reached.
func (v *checker) checkZones(path string, chk *Check, zones map[string]bool) {
	if len(chk.Zones) == 0 && chk.Kind != "heartbeat" { // heartbeat says why
		v.addf(path+".zones", "must name at least one zone (leave it out to run in every zone)")
	}
	seen := map[string]bool{}
	for k, z := range chk.Zones {
		p := elem(path+".zones", k)
		switch {
		case seen[z]:
			v.addf(p, "zone %q is listed twice", z)
		case !zones[z]:
			v.addf(p, "unknown zone %q (declared: %s)", z, strings.Join(slices.Sorted(maps.Keys(zones)), ", "))
		}
		seen[z] = true
	}
	if len(chk.Zones) > 0 && (chk.Quorum < 0 || chk.Quorum > len(chk.Zones)) {
		v.addf(path+".quorum", "must be between 0 (a majority) and %d, the number of the check's zones", len(chk.Zones))
	}
}

// componentStatus checks a Statuspage component status.
func (v *checker) componentStatus(path, s string) {
	if _, err := status.ParseStatuspage(s); err != nil {
		v.addf(path, "unknown component status %q (valid: %s)", s, strings.Join(componentStatuses, ", "))
	}
}

// isProxyURL reports whether s is a proxy URL http(s) and socks5 clients
// understand.
func isProxyURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "socks5"
}
