package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2/unstable"
)

// checker completes and validates one decoded file, collecting every
// problem with the line of its key.
type checker struct {
	file  string
	ix    *index
	kinds []string
	probs Problems
	// local maps each declared zone to whether its kind is "local"; set
	// by complete.
	local map[string]bool
}

// addf records a problem with the key at path.
func (v *checker) addf(path, format string, args ...any) {
	v.probs = append(v.probs, Problem{
		File: v.file, Line: v.ix.line(path), Key: path, Msg: fmt.Sprintf(format, args...),
	})
}

// set reports whether path is written in the file, to tell an explicit
// zero ("failures_to_down = 0", a mistake) from an absent key (a default).
func (v *checker) set(path string) bool { return v.ix.has(path) }

// complete applies what depends on the decoded file: the default zone, the
// checks' defaults, paths relative to the file's folder, secrets read from
// files.
func (v *checker) complete(c *Config) {
	if len(c.Zones) == 0 {
		c.Zones = []Zone{{Name: "local", Kind: "local"}}
	}
	v.local = map[string]bool{}
	for _, z := range c.Zones {
		v.local[z.Name] = z.Kind == "local"
	}
	v.completeStorage(c)
	v.completeCluster(&c.Cluster)
	c.Server.MetricsTokenFile = resolve(c.Dir, c.Server.MetricsTokenFile)
	c.Backup.Dir = resolve(c.Dir, c.Backup.Dir)
	v.metricsToken(&c.Server)
	v.completeSMTP(c)
	v.completeAlerts(c)
	for i := range c.Components {
		comp := &c.Components[i]
		for j := range comp.Checks {
			path := elem(elem("components", i)+".checks", j)
			v.completeCheck(c, path, &comp.Checks[j])
		}
		if comp.AutoIncident != nil {
			v.completeAutoIncident(elem("components", i)+".auto_incident", comp.AutoIncident)
		}
	}
}

// metricsToken reads server.metrics_token_file into server.metrics_token.
func (v *checker) metricsToken(s *Server) {
	if s.MetricsTokenFile == "" {
		return
	}
	if s.MetricsToken != "" {
		v.addf("server.metrics_token_file", "set either metrics_token or metrics_token_file, not both")
		return
	}
	tok, err := ReadSecretFile(s.MetricsTokenFile)
	if err != nil {
		v.addf("server.metrics_token_file", "%v", err)
		return
	}
	s.MetricsToken = tok
}

// validate checks everything complete left in c.
func (v *checker) validate(c *Config) {
	v.site(c)
	v.server(&c.Server)
	v.storage(&c.Storage)
	v.backup(&c.Backup, c.Storage.Driver)
	v.cluster(&c.Cluster, c.Storage.Driver)
	v.console(&c.Console)
	v.mail(c)
	v.subscriptions(&c.Subscriptions)
	if c.Scheduler.MaxConcurrent < 0 {
		v.addf("scheduler.max_concurrent", "must be at least 1, or 0 to size it from the checks")
	}
	zones := v.zones(c.Zones)
	v.components(c.Components, zones)
	v.availability(c)
	v.alerts(c)
}

func (v *checker) site(c *Config) {
	s := &c.Site
	if strings.TrimSpace(s.Title) == "" {
		v.addf("site.title", "must not be empty")
	}
	if s.PublicURL != "" && !isWebURL(s.PublicURL) {
		v.addf("site.public_url", "must be an absolute http:// or https:// URL")
	}
	for i, h := range s.Hosts {
		if !ValidHost(h) {
			v.addf(elem("site.hosts", i), `must be a host name or host:port such as "status.example.com", got %q`, h)
		}
		s.Hosts[i] = strings.ToLower(h)
	}
	if s.LogoURL != "" && !isWebURL(s.LogoURL) && !strings.HasPrefix(s.LogoURL, "/") {
		v.addf("site.logo_url", "must be an absolute http:// or https:// URL or a path starting with /")
	}
	if !(s.SLO > 0 && s.SLO < 100) {
		v.addf("site.slo", "must be a percentage above 0 and below 100, got %v", s.SLO)
	}
	for i, l := range s.FooterLinks {
		path := elem("site.footer_links", i)
		if strings.TrimSpace(l.Name) == "" {
			v.addf(path+".name", "must not be empty")
		}
		if !isWebURL(l.URL) && !strings.HasPrefix(l.URL, "/") && !strings.HasPrefix(l.URL, "mailto:") {
			v.addf(path+".url", "must be an absolute http:// or https:// URL, a mailto: address or a path starting with /")
		}
	}
	if !slices.Contains(SiteLanguages, s.Language) {
		v.addf("site.language", "unknown language %q (use one of %s)", s.Language, strings.Join(SiteLanguages, ", "))
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil || s.Timezone == "" {
		v.addf("site.timezone", "unknown time zone %q (use an IANA name such as \"Europe/Berlin\" or \"UTC\")", s.Timezone)
		return
	}
	c.Location = loc
}

func (v *checker) server(s *Server) {
	if !isHostPort(s.Listen, true) {
		v.addf("server.listen", `must be host:port, such as "127.0.0.1:8080" or ":8080"`)
	}
	if v.durationKey("server.shutdown_timeout") && s.ShutdownTimeout < 0 {
		v.addf("server.shutdown_timeout", "must not be negative")
	}
	if s.StreamsPerClient < 1 {
		v.addf("server.streams_per_client", "must be at least 1")
	}
	if s.PprofListen != "" && !loopbackHostPort(s.PprofListen) {
		v.addf("server.pprof_listen", `must be a loopback host:port such as "127.0.0.1:6060": the profiler is not for the public`)
	}
	s.Proxies = nil
	for i, p := range s.TrustedProxies {
		n, err := proxyNet(p)
		if err != nil {
			v.addf(fmt.Sprintf("server.trusted_proxies[%d]", i), `must be an IP address or a CIDR range such as "10.0.0.0/8", got %q`, p)
			continue
		}
		s.Proxies = append(s.Proxies, n)
	}
}

// loopbackHostPort reports whether s is host:port with a loopback IP or
// "localhost" as its host.
func loopbackHostPort(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || port == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostPattern is a host name or an IP literal, with an optional port.
var hostPattern = regexp.MustCompile(`^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// ValidHost reports whether s is a host name or an IP literal, with an
// optional port: what site.hosts lists, and what a request's Host header
// must be for Ampel to name it in a link.
func ValidHost(s string) bool { return hostPattern.MatchString(s) }

// proxyNet parses an address (a range of one) or a CIDR range.
func proxyNet(s string) (*net.IPNet, error) {
	if ip := net.ParseIP(s); ip != nil {
		bits := 8 * len(ip.To16())
		if ip4 := ip.To4(); ip4 != nil {
			ip, bits = ip4, 32
		}
		return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
	}
	_, n, err := net.ParseCIDR(s)
	return n, err
}

// zones validates the zones and returns the set of their names.
func (v *checker) zones(zs []Zone) map[string]bool {
	names := make(map[string]bool, len(zs))
	first := map[string]string{}
	for i, z := range zs {
		path := elem("zones", i)
		if v.slug(path+".name", z.Name) {
			v.unique(first, z.Name, path+".name", "zone")
			names[z.Name] = true
		}
		if z.Kind != "local" && z.Kind != "remote" {
			v.addf(path+".kind", `must be "local" or "remote", got %q`, z.Kind)
		}
	}
	return names
}

func (v *checker) components(cs []Component, zones map[string]bool) {
	slugs := map[string]string{}
	checks := map[string]string{} // names are unique across the file
	for i := range cs {
		comp := &cs[i]
		path := elem("components", i)
		if v.slug(path+".slug", comp.Slug) {
			v.unique(slugs, comp.Slug, path+".slug", "component slug")
		}
		if strings.TrimSpace(comp.Name) == "" {
			v.addf(path+".name", "required")
		}
		for j := range comp.Checks {
			v.check(elem(path+".checks", j), &comp.Checks[j], zones, checks)
		}
		if comp.AutoIncident != nil {
			v.autoIncident(path+".auto_incident", comp.Name, comp.AutoIncident)
		}
	}
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// slug checks a required name that appears in URLs, metrics and the
// database: lowercase letters, digits and dashes.
func (v *checker) slug(path, s string) bool {
	switch {
	case s == "":
		v.addf(path, "required")
	case len(s) > 63:
		v.addf(path, "must be at most 63 characters long")
	case !slugPattern.MatchString(s):
		v.addf(path, "%q must be lowercase letters, digits and dashes, starting with a letter or digit", s)
	default:
		return true
	}
	return false
}

// unique reports a name seen before; first maps each name to the path
// that first used it.
func (v *checker) unique(first map[string]string, name, path, what string) {
	if prev, ok := first[name]; ok {
		where := prev
		if line := v.ix.line(prev); line > 0 {
			where = fmt.Sprintf("%s, line %d", prev, line)
		}
		v.addf(path, "duplicate %s %q (first used at %s)", what, name, where)
		return
	}
	first[name] = path
}

// durationKey reports whether the duration at path, if written, is a
// string: go-toml would silently read "interval = 30" as 30 nanoseconds.
func (v *checker) durationKey(path string) bool {
	k := v.ix.kind(path)
	if k == unstable.Invalid || k == unstable.String {
		return true
	}
	v.addf(path, "%s", notDuration(k))
	return false
}

func kindWord(k unstable.Kind) string {
	switch k {
	case unstable.Integer:
		return "an integer"
	case unstable.Float:
		return "a number"
	case unstable.Bool:
		return "a boolean"
	case unstable.Array:
		return "an array"
	case unstable.InlineTable, unstable.Table:
		return "a table"
	default:
		return "a date or time"
	}
}

// isWebURL reports whether s is an absolute http or https URL with a host.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != ""
}

// isHostPort reports whether s is host:port with a numeric port; listen
// addresses may leave the host out and use port 0, targets may not.
func isHostPort(s string, listen bool) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || port[0] == '+' {
		return false
	}
	if listen {
		return host == "" || net.ParseIP(host) != nil || isDNSName(host)
	}
	return n > 0 && (net.ParseIP(host) != nil || isDNSName(host))
}

// isDNSName reports whether s is a syntactically valid DNS name. Underscores
// are allowed for names such as _dmarc.example.com.
func isDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// validKinds lists the kinds for messages.
func validKinds(kinds []string) string {
	k := slices.Sorted(slices.Values(kinds))
	if len(k) == 0 {
		return "none"
	}
	return strings.Join(k, ", ")
}
