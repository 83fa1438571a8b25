package config

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Pods makes a check probe every instance of a set instead of its one
// target. Exactly one of DNS, Static and Kubernetes is set.
type Pods struct {
	// DNS names a headless service: every A and AAAA record is an instance.
	DNS string `toml:"dns" json:"dns,omitempty"`
	// Resolver is host:port of the DNS server for DNS (default: the
	// system's).
	Resolver string `toml:"resolver" json:"resolver,omitempty"`
	// Static lists instances as "host:port" or "host".
	Static []string `toml:"static" json:"static,omitempty"`
	// Kubernetes reads the instances from the EndpointSlice API.
	Kubernetes *Kubernetes `toml:"kubernetes" json:"kubernetes,omitempty"`
	// Port of every instance without one (default: the target's port).
	Port int `toml:"port" json:"port,omitempty"`
	// MinHealthy is the least healthy share ("50%", the default) or count
	// ("2") for the set to be degraded rather than down.
	MinHealthy string `toml:"min_healthy" json:"min_healthy,omitempty"`
}

// Kubernetes locates a Service's endpoints. The defaults are those of a
// pod's service account, for an Ampel (or agent) running in the cluster.
type Kubernetes struct {
	Namespace string `toml:"namespace" json:"namespace"`
	Service   string `toml:"service" json:"service"`
	// Port of the endpoints to probe (default: the first port listed).
	Port int `toml:"port" json:"port,omitempty"`
	// APIServer is the API server's URL (default
	// https://kubernetes.default.svc).
	APIServer string `toml:"api_server" json:"api_server,omitempty"`
	// TokenFile and CAFile default to the service account's.
	TokenFile string `toml:"token_file" json:"token_file,omitempty"`
	CAFile    string `toml:"ca_file" json:"ca_file,omitempty"`
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// pods validates a check's pods table.
func (v *checker) pods(path string, chk *Check) {
	p := chk.Pods
	if p == nil {
		return
	}
	path += ".pods"
	switch chk.Kind {
	case "http", "tcp", "tls", "metrics", "grpc":
	default:
		v.addf(path, "not supported for kind %q (http, tcp, tls, metrics and grpc checks can target pods)", chk.Kind)
		return
	}
	n := 0
	for _, set := range []bool{p.DNS != "", len(p.Static) > 0, p.Kubernetes != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.addf(path, "set exactly one of dns, static and kubernetes")
	}
	if p.DNS != "" && !isDNSName(p.DNS) {
		v.addf(path+".dns", "must be a DNS name, such as \"api-headless.prod.svc.cluster.local\"")
	}
	if p.Resolver != "" && !isHostPort(p.Resolver, false) {
		v.addf(path+".resolver", "must be host:port, such as \"10.96.0.10:53\"")
	}
	for i, s := range p.Static {
		if _, _, err := net.SplitHostPort(s); err != nil && !isDNSName(s) && net.ParseIP(s) == nil {
			v.addf(elem(path+".static", i), "must be host:port or host")
		}
	}
	if p.Port < 0 || p.Port > 65535 {
		v.addf(path+".port", "must be a port number, 1 to 65535")
	}
	if p.MinHealthy != "" {
		if _, _, ok := ParseMinHealthy(p.MinHealthy); !ok {
			v.addf(path+".min_healthy", "must be a percentage such as \"50%%\" or a count such as \"2\", got %q", p.MinHealthy)
		}
	}
	if k := p.Kubernetes; k != nil {
		if !dnsLabel.MatchString(k.Namespace) {
			v.addf(path+".kubernetes.namespace", "required: a namespace name (a lowercase DNS label such as \"prod\")")
		}
		if !dnsLabel.MatchString(k.Service) {
			v.addf(path+".kubernetes.service", "required: a service name (a lowercase DNS label such as \"api\")")
		}
		if k.Port < 0 || k.Port > 65535 {
			v.addf(path+".kubernetes.port", "must be a port number, 1 to 65535")
		}
		if u, err := url.Parse(k.APIServer); k.APIServer != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
			v.addf(path+".kubernetes.api_server", "must be an https:// URL")
		}
	}
}

// ParseMinHealthy reads "50%" (percent true) or "2".
func ParseMinHealthy(s string) (n int, percent bool, ok bool) {
	s = strings.TrimSpace(s)
	if num, isPct := strings.CutSuffix(s, "%"); isPct {
		n, err := strconv.Atoi(strings.TrimSpace(num))
		return n, true, err == nil && n >= 1 && n <= 100
	}
	n, err := strconv.Atoi(s)
	return n, false, err == nil && n >= 1
}

// resolvePods makes the Kubernetes file paths absolute.
func resolvePods(dir string, p *Pods) {
	if p != nil && p.Kubernetes != nil {
		p.Kubernetes.TokenFile = resolve(dir, p.Kubernetes.TokenFile)
		p.Kubernetes.CAFile = resolve(dir, p.Kubernetes.CAFile)
	}
}
