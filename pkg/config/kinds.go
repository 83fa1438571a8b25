package config

import (
	"regexp"
	"slices"
	"strings"
)

// kindTables checks that only the table named after the kind is set, then
// that table's settings.
func (v *checker) kindTables(path string, chk *Check) {
	for _, t := range tablesOf(chk) {
		if t.set && t.name != chk.Kind {
			v.addf(path+"."+t.name, "not allowed for kind %q", chk.Kind)
		}
	}
	switch chk.Kind {
	case "http":
		v.http(path+".http", chk)
	case "tcp":
		v.tcp(path+".tcp", chk.TCP)
	case "dns":
		v.dns(path+".dns", chk.DNS)
	case "metrics":
		if strings.TrimSpace(chk.Metrics.Condition) == "" {
			v.addf(path+".metrics.condition", "required, such as \"up == 1\" or \"http_requests_errors_ratio < 0.05\"")
		}
	case "grpc":
		v.grpc(path+".grpc", chk)
	case "icmp":
		v.icmp(path+".icmp", chk)
	case "heartbeat":
		v.heartbeat(path+".heartbeat", chk)
	case "tls":
		if chk.TLS.ExpiryDays < 0 {
			v.addf(path+".tls.expiry_days", "must not be negative")
		}
		v.tlsClient(path+".tls.tls_config", chk.TLS.TLSClient)
	}
}

// kindTable is one kind-specific table of a check and whether it is set.
type kindTable struct {
	name string
	set  bool
}

// tablesOf lists the kind-specific tables, in the order problems with
// them are reported.
func tablesOf(chk *Check) []kindTable {
	return []kindTable{
		{"http", chk.HTTP != nil}, {"tcp", chk.TCP != nil}, {"dns", chk.DNS != nil},
		{"tls", chk.TLS != nil}, {"metrics", chk.Metrics != nil}, {"grpc", chk.GRPC != nil},
		{"icmp", chk.ICMP != nil}, {"heartbeat", chk.Heartbeat != nil},
	}
}

func (v *checker) http(path string, chk *Check) {
	h := chk.HTTP
	if h.Method != "" && !isToken(h.Method) {
		v.addf(path+".method", "must be an HTTP method such as GET or POST")
	}
	v.headers(path+".headers", h.Headers)
	v.headers(path+".expect_headers", h.ExpectHeaders)
	for i, code := range h.ExpectStatus {
		if code < 100 || code > 599 {
			v.addf(elem(path+".expect_status", i), "must be an HTTP status between 100 and 599, got %d", code)
		}
	}
	if h.BodyRegex != "" {
		if _, err := regexp.Compile(h.BodyRegex); err != nil {
			v.addf(path+".body_regex", "does not compile: %v", err)
		}
	}
	if h.JSONValue != "" && h.JSONPath == "" {
		v.addf(path+".json_value", "requires json_path")
	}
	v.degradedAfter(path+".degraded_after", h.DegradedAfter, chk.Timeout)
	if h.CertExpiryDays < -1 {
		v.addf(path+".cert_expiry_days", "must be -1 (off), 0 (the default) or a number of days")
	}
	if h.CertExpiryPublic && h.CertExpiryDays == -1 {
		v.addf(path+".cert_expiry_public", "has no effect with cert_expiry_days = -1 (off)")
	}
	if h.MaxBodyBytes < 0 {
		v.addf(path+".max_body_bytes", "must not be negative")
	}
	if h.ProxyURL != "" && !isProxyURL(h.ProxyURL) {
		v.addf(path+".proxy_url", "must be an http://, https:// or socks5:// URL")
	}
	v.httpAuth(path, h)
	v.tlsClient(path+".tls", h.TLSClient)
}

// headers checks header names; values are not shown, they often hold
// credentials.
func (v *checker) headers(path string, hs map[string]string) {
	for name, value := range hs {
		p := join(path, name)
		if !isToken(name) {
			v.addf(p, "is not a valid header name")
		}
		if strings.ContainsAny(value, "\r\n") {
			v.addf(p, "must not contain a line break")
		}
	}
}

// httpAuth checks that each credential comes from one place only.
func (v *checker) httpAuth(path string, h *HTTP) {
	bearer := h.BearerToken != "" || h.BearerTokenFile != ""
	if h.BearerToken != "" && h.BearerTokenFile != "" {
		v.addf(path+".bearer_token_file", "set either bearer_token or bearer_token_file, not both")
	}
	b := h.BasicAuth
	if b == nil {
		return
	}
	p := path + ".basic_auth"
	if bearer {
		v.addf(p, "set either basic_auth or a bearer token, not both")
	}
	if b.Username == "" {
		v.addf(p+".username", "required")
	}
	if b.Password != "" && b.PasswordFile != "" {
		v.addf(p+".password_file", "set either password or password_file, not both")
	}
}

func (v *checker) tcp(path string, t *TCP) {
	if t.TLSClient != nil && !t.TLS {
		v.addf(path+".tls_config", "is only used with tls = true")
	}
	v.tlsClient(path+".tls_config", t.TLSClient)
}

var dnsRecords = []string{"A", "AAAA", "CNAME", "MX", "TXT", "NS"}

func (v *checker) dns(path string, d *DNS) {
	if d.Record != "" && !slices.Contains(dnsRecords, d.Record) {
		v.addf(path+".record", "must be one of %s", strings.Join(dnsRecords, ", "))
	}
	for i, e := range d.Expect {
		if strings.TrimSpace(e) == "" {
			v.addf(elem(path+".expect", i), "must not be empty")
		}
	}
	if d.Resolver != "" && !isHostPort(d.Resolver, false) {
		v.addf(path+".resolver", `must be host:port, such as "1.1.1.1:53"`)
	}
}

func (v *checker) tlsClient(path string, t *TLSClient) {
	if t == nil {
		return
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		v.addf(path, "cert_file and key_file go together: set both or neither")
	}
}

// isToken reports whether s is an HTTP token (RFC 9110), the syntax of
// methods and header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
