// Package config reads Ampel's TOML configuration: defaults first, a strict
// decode on top, then a validation that reports every problem at once with
// the file, line and key path of each.
package config

import (
	"fmt"
	"math"
	"net"
	"time"
)

// Config is the whole configuration file.
type Config struct {
	Site       Site        `toml:"site" json:"-"`
	Server     Server      `toml:"server" json:"-"`
	Storage    Storage     `toml:"storage" json:"-"`
	Scheduler  Scheduler   `toml:"scheduler" json:"-"`
	Metrics    MetricsOpts `toml:"metrics" json:"-"`
	Backup     Backup      `toml:"backup" json:"-"`
	Cluster    Cluster     `toml:"cluster" json:"-"`
	Console    Console     `toml:"console" json:"-"`
	Zones      []Zone      `toml:"zones" json:"-"`
	Components []Component `toml:"components" json:"-"`

	// Availability configures the availability reports.
	Availability Availability `toml:"availability" json:"-"`

	// SMTP is the mail server; nil (no [smtp] table) writes .eml files.
	SMTP *SMTP `toml:"smtp" json:"-"`
	// Notify tunes the delivery of notification mails.
	Notify Notify `toml:"notify" json:"-"`
	// Subscriptions configures the public subscribe form and its limits.
	Subscriptions Subscriptions `toml:"subscriptions" json:"-"`
	// Alerts are the operators' alert channels and rules.
	Alerts Alerts `toml:"alerts" json:"-"`

	// Path is the file the config was read from; Dir its folder, against
	// which relative paths in it are resolved.
	Path string `toml:"-" json:"-"`
	Dir  string `toml:"-" json:"-"`
	// Location is Site.Timezone loaded.
	Location *time.Location `toml:"-" json:"-"`
	// index locates keys in the file, for Problem.
	index *index
}

// Problem places a mistake found after loading (a probe that cannot use
// its settings) at the line of key, or of the closest enclosing table
// written in the file.
func (c *Config) Problem(key, msg string) Problem {
	p := Problem{File: c.Path, Key: key, Msg: msg}
	if c.index != nil {
		p.Line = c.index.line(key)
	}
	return p
}

// ForgetLines drops what Problem needs to name lines: a running server
// calls it once start-up has found what it can, since the index of a
// large file (100,000 checks) holds more memory than the checks' own
// state. Problem names file and key alone afterwards.
func (c *Config) ForgetLines() { c.index = nil }

// SiteLanguages are the languages the public pages come in, the
// default first: pkg/i18n's catalogues (config may import nothing of
// Ampel's but pkg/status; a ui test checks the two lists agree).
var SiteLanguages = []string{"en", "de", "es"}

// Site describes the public status page.
type Site struct {
	Title     string `toml:"title"`
	PublicURL string `toml:"public_url"`
	// Hosts are the other names (host or host:port) the site answers to
	// whose responses are cached when public_url is unset: feeds and
	// calendars then name the request's host, and a response for a host
	// not listed is built for that request alone. Lower-cased by Load.
	Hosts []string `toml:"hosts"`
	// Timezone names the IANA zone whose midnights bound days and months.
	Timezone string `toml:"timezone"`
	// Language is the public pages' language for readers who ask for
	// none Ampel has (by ?lang= or Accept-Language): one of SiteLanguages.
	Language string `toml:"language"`
	// SLO is the availability target in percent (default 99.9).
	SLO float64 `toml:"slo"`
	// LogoURL is shown in the page header when set.
	LogoURL string `toml:"logo_url"`
	// FooterLinks are shown at the foot of every public page.
	FooterLinks []FooterLink `toml:"footer_links"`
}

// FooterLink is one link in the public pages' footer.
type FooterLink struct {
	Name string `toml:"name"`
	URL  string `toml:"url"`
}

// Server is the HTTP listener.
type Server struct {
	Listen string `toml:"listen"`
	// MetricsToken, if set, lets non-loopback clients read /metrics with
	// "Authorization: Bearer <token>". MetricsTokenFile reads it from a file.
	MetricsToken     Secret `toml:"metrics_token"`
	MetricsTokenFile string `toml:"metrics_token_file"`
	// ShutdownTimeout bounds how long in-flight probes and requests may run
	// after SIGTERM.
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies
	// whose X-Forwarded-For names the client. Empty: the peer is the
	// client, and X-Forwarded-For is ignored.
	TrustedProxies []string `toml:"trusted_proxies"`
	// Proxies is TrustedProxies parsed.
	Proxies []*net.IPNet `toml:"-" json:"-"`
	// StreamsPerClient caps the live-update streams (/events) one client
	// address (an IPv6 client's /64) may hold open; the server's own cap
	// comes from its file-descriptor limit.
	StreamsPerClient int `toml:"streams_per_client"`
	// PprofListen, when set, serves Go's profiler (net/http/pprof) on a
	// listener of its own at this loopback host:port, apart from the
	// site: for measuring, never for the public.
	PprofListen string `toml:"pprof_listen"`
}

// MetricsOpts shape Ampel's own /metrics.
type MetricsOpts struct {
	// PerCheck labels ampel_check_up, the probe latency histogram and the
	// failure counter by check and zone; false keeps one of each per zone
	// (the checks up and down counted in ampel_checks_up and
	// ampel_checks_down). nil (absent) chooses: per check up to
	// PerCheckLimit check-zone pairs, per zone above.
	PerCheck *bool `toml:"per_check"`
}

// PerCheckLimit is the number of check-zone pairs up to which an absent
// metrics.per_check means per-check probe metrics: beyond it a latency
// histogram for each (about 1 KB of memory and 13 series per scrape)
// costs more than it tells.
const PerCheckLimit = 10000

// Scheduler bounds probing.
type Scheduler struct {
	// MaxConcurrent caps the probes running at once in this process; 0
	// (the default) sizes the cap from the checks (see ProbeWorkers).
	MaxConcurrent int `toml:"max_concurrent"`
}

// The bounds of a probe worker pool sized from the checks: the floor is
// the fixed default it replaced, the ceiling keeps the pool's stacks
// (some 10 KB each) and its descriptor reserve (two a probe) modest.
const (
	minProbeWorkers = 256
	maxProbeWorkers = 4096
)

// ProbeWorkers is how many probes this process runs at once:
// scheduler.max_concurrent, or when that is 0 one second's worth of the
// local zones' runs, between 256 and 4,096. A run holds its worker for
// its whole wall time, which read load on the cores stretches: 256
// workers for 100,000 checks at 60 s (1,667 runs a second) leave each
// run 150 ms before the next ones start late. Instances of a pod set are
// not known here and do not count.
func (c *Config) ProbeWorkers() int {
	if c.Scheduler.MaxConcurrent > 0 {
		return c.Scheduler.MaxConcurrent
	}
	local := map[string]bool{}
	for _, z := range c.Zones {
		local[z.Name] = z.Kind == "local"
	}
	perSecond := 0.0
	for _, comp := range c.Components {
		for _, chk := range comp.Checks {
			if chk.Kind == "heartbeat" || chk.Interval <= 0 {
				continue // a heartbeat calls in; nothing runs it
			}
			for _, zone := range chk.Zones {
				if local[zone] {
					perSecond += 1 / chk.Interval.D().Seconds()
				}
			}
		}
	}
	return ProbePool(perSecond)
}

// ProbePool is the worker pool for perSecond probe runs a second: one
// second's worth, between 256 and 4,096 (see ProbeWorkers).
func ProbePool(perSecond float64) int {
	return min(max(int(math.Ceil(perSecond)), minProbeWorkers), maxProbeWorkers)
}

// Zone is a place probes run from.
type Zone struct {
	Name string `toml:"name" json:"name"`
	// Kind is "local" (runs inside ampel serve) or "remote" (an agent).
	Kind string `toml:"kind" json:"kind"`
}

// Component is what customers see on the page.
type Component struct {
	Slug        string  `toml:"slug" json:"slug"`
	Name        string  `toml:"name" json:"name"`
	Group       string  `toml:"group" json:"group,omitempty"`
	Description string  `toml:"description" json:"description,omitempty"`
	Checks      []Check `toml:"checks" json:"checks"`
	// SLO is the component's availability target in percent; 0 takes
	// site.slo.
	SLO float64 `toml:"slo" json:"slo,omitempty"`
	// GroupWeight is the component's weight in its group's availability
	// (default 1: the group is the plain average of its components).
	GroupWeight float64 `toml:"group_weight" json:"group_weight,omitempty"`
	// AutoIncident, when set, opens and closes incidents from the probes.
	AutoIncident *AutoIncident `toml:"auto_incident" json:"-"`
}

// Check is one thing probed. Its name is unique across the whole file.
type Check struct {
	Name     string   `toml:"name" json:"name"`
	Kind     string   `toml:"kind" json:"kind"`
	Target   string   `toml:"target" json:"target"`
	Interval Duration `toml:"interval" json:"interval"`
	Timeout  Duration `toml:"timeout" json:"timeout"`
	// Zones lists where the check runs; empty means every zone.
	Zones []string `toml:"zones" json:"zones,omitempty"`
	// FailuresToDown consecutive failures in a zone flip it down (default 2);
	// SuccessesToUp consecutive successes flip it back (default 1).
	FailuresToDown int `toml:"failures_to_down" json:"failures_to_down"`
	SuccessesToUp  int `toml:"successes_to_up" json:"successes_to_up"`
	// Quorum is how many fresh zones must see the check down for it to be
	// down rather than partial; 0 means a majority of the fresh zones.
	Quorum int `toml:"quorum" json:"quorum,omitempty"`

	// The component status this check imposes when it is down, partial
	// (down in fewer zones than the quorum) or degraded. Values are
	// Statuspage component statuses; defaults major_outage,
	// partial_outage, degraded_performance. "operational" makes the check
	// informational for that level.
	OnDown     string `toml:"on_down" json:"on_down,omitempty"`
	OnPartial  string `toml:"on_partial" json:"on_partial,omitempty"`
	OnDegraded string `toml:"on_degraded" json:"on_degraded,omitempty"`
	// OnDownFewZones is the component status the check imposes when it is
	// down while fewer of its zones report than the quorum needs (two of
	// three agents cut off, say): one vantage point alone may not turn the
	// page red. Default partial_outage; no worse than OnDown.
	OnDownFewZones string `toml:"on_down_few_zones" json:"on_down_few_zones,omitempty"`

	// Kind-specific settings: only the table named after Kind may be set.
	HTTP *HTTP `toml:"http" json:"http,omitempty"`
	TCP  *TCP  `toml:"tcp" json:"tcp,omitempty"`
	DNS  *DNS  `toml:"dns" json:"dns,omitempty"`
	TLS  *TLS  `toml:"tls" json:"tls,omitempty"`

	Metrics   *Metrics   `toml:"metrics" json:"metrics,omitempty"`
	GRPC      *GRPC      `toml:"grpc" json:"grpc,omitempty"`
	ICMP      *ICMP      `toml:"icmp" json:"icmp,omitempty"`
	Heartbeat *Heartbeat `toml:"heartbeat" json:"heartbeat,omitempty"`

	// Pods, when set, probes every instance of a set (see Pods).
	Pods *Pods `toml:"pods" json:"pods,omitempty"`
}

// Metrics settings for kind "metrics". Target is the URL of a Prometheus
// text exposition (/metrics).
type Metrics struct {
	// Condition every matching series must meet, such as
	// "http_requests_errors_ratio < 0.05" or `up{job="api"} == 1`.
	Condition string `toml:"condition" json:"condition"`
}

// HTTP settings for kind "http". Target is the URL.
type HTTP struct {
	Method  string            `toml:"method" json:"method,omitempty"`
	Headers map[string]string `toml:"headers" json:"headers,omitempty"`
	Body    string            `toml:"body" json:"body,omitempty"`
	// ExpectStatus lists acceptable status codes; empty means any 2xx.
	ExpectStatus []int  `toml:"expect_status" json:"expect_status,omitempty"`
	BodyContains string `toml:"body_contains" json:"body_contains,omitempty"`
	BodyRegex    string `toml:"body_regex" json:"body_regex,omitempty"`
	// JSONPath ("status" or "$.data.items[0].state") must equal JSONValue
	// (compared as the JSON value's text form) when set.
	JSONPath  string `toml:"json_path" json:"json_path,omitempty"`
	JSONValue string `toml:"json_value" json:"json_value,omitempty"`
	// ExpectHeaders: each named response header must contain the value.
	ExpectHeaders map[string]string `toml:"expect_headers" json:"expect_headers,omitempty"`
	// DegradedAfter: a successful response slower than this is degraded.
	DegradedAfter Duration `toml:"degraded_after" json:"degraded_after,omitempty"`
	// CertExpiryDays: a certificate expiring within this many days raises
	// an operator alert (default 14; 0 keeps the default, -1 disables).
	CertExpiryDays int `toml:"cert_expiry_days" json:"cert_expiry_days,omitempty"`
	// CertExpiryPublic makes such a certificate degrade the check on the
	// public page as well (off by default: operators only).
	CertExpiryPublic bool `toml:"cert_expiry_public" json:"cert_expiry_public,omitempty"`
	// FollowRedirects (default true) follows up to 10 redirects.
	FollowRedirects *bool `toml:"follow_redirects" json:"follow_redirects,omitempty"`
	// MaxBodyBytes caps how much of the body is read (default 1 MiB).
	MaxBodyBytes int64 `toml:"max_body_bytes" json:"max_body_bytes,omitempty"`

	// Client settings, mapped onto prometheus/common's HTTPClientConfig.
	TLSClient       *TLSClient `toml:"tls" json:"tls,omitempty"`
	BasicAuth       *BasicAuth `toml:"basic_auth" json:"basic_auth,omitempty"`
	BearerToken     Secret     `toml:"bearer_token" json:"bearer_token,omitempty"`
	BearerTokenFile string     `toml:"bearer_token_file" json:"bearer_token_file,omitempty"`
	ProxyURL        string     `toml:"proxy_url" json:"proxy_url,omitempty"`
}

// TLSClient configures the TLS side of a probe's connection.
type TLSClient struct {
	CAFile             string `toml:"ca_file" json:"ca_file,omitempty"`
	CertFile           string `toml:"cert_file" json:"cert_file,omitempty"`
	KeyFile            string `toml:"key_file" json:"key_file,omitempty"`
	ServerName         string `toml:"server_name" json:"server_name,omitempty"`
	InsecureSkipVerify bool   `toml:"insecure_skip_verify" json:"insecure_skip_verify,omitempty"`
}

// BasicAuth credentials; PasswordFile is read at start-up.
type BasicAuth struct {
	Username     string `toml:"username" json:"username"`
	Password     Secret `toml:"password" json:"password,omitempty"`
	PasswordFile string `toml:"password_file" json:"password_file,omitempty"`
}

// TCP settings for kind "tcp". Target is host:port.
type TCP struct {
	// TLS performs a handshake after connecting.
	TLS       bool       `toml:"tls" json:"tls,omitempty"`
	TLSClient *TLSClient `toml:"tls_config" json:"tls_config,omitempty"`
}

// DNS settings for kind "dns". Target is the name to resolve.
type DNS struct {
	// Record type: A (default), AAAA, CNAME, MX, TXT, NS.
	Record string `toml:"record" json:"record,omitempty"`
	// Expect lists answers that must all be present; empty means any answer.
	Expect []string `toml:"expect" json:"expect,omitempty"`
	// Resolver is host:port of the DNS server to ask; empty uses the system's.
	Resolver string `toml:"resolver" json:"resolver,omitempty"`
}

// TLS settings for kind "tls". Target is host:port.
type TLS struct {
	// ExpiryDays: a certificate expiring within this many days raises an
	// operator alert (default 14).
	ExpiryDays int `toml:"expiry_days" json:"expiry_days,omitempty"`
	// ExpiryPublic makes such a certificate degrade the check on the
	// public page as well (off by default: operators only).
	ExpiryPublic bool       `toml:"expiry_public" json:"expiry_public,omitempty"`
	TLSClient    *TLSClient `toml:"tls_config" json:"tls_config,omitempty"`
}

// Secret is a string that never prints: fmt, logs and check-config show it
// as "<secret>".
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// GoString hides the value from %#v.
func (s Secret) GoString() string { return s.String() }

// Duration is a time.Duration written as "30s", "5m" or "30d" in TOML.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ComponentNames maps component ids (slugs) to the names customers see.
func (c *Config) ComponentNames() map[string]string {
	names := map[string]string{}
	if c == nil {
		return names
	}
	for _, comp := range c.Components {
		names[comp.Slug] = comp.Name
	}
	return names
}

// Summary describes the configuration in one line, for check-config:
// "3 components, 5 checks, 2 zones".
func (c *Config) Summary() string {
	checks := 0
	for _, comp := range c.Components {
		checks += len(comp.Checks)
	}
	return fmt.Sprintf("%s, %s, %s",
		count(len(c.Components), "component"), count(checks, "check"), count(len(c.Zones), "zone"))
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
