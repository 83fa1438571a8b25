package config

// GRPC settings for kind "grpc". Target is host:port of a server that
// implements the standard health service (grpc.health.v1.Health).
type GRPC struct {
	// Service is the name whose health is asked; empty asks about the
	// server as a whole.
	Service string `toml:"service" json:"service,omitempty"`
	// TLS connects with TLS (verifying the certificate unless
	// tls_config.insecure_skip_verify); plain HTTP/2 (h2c) otherwise.
	TLS       bool       `toml:"tls" json:"tls,omitempty"`
	TLSClient *TLSClient `toml:"tls_config" json:"tls_config,omitempty"`
	// DegradedAfter: a SERVING answer slower than this is degraded.
	DegradedAfter Duration `toml:"degraded_after" json:"degraded_after,omitempty"`
}

func (v *checker) grpc(path string, chk *Check) {
	g := chk.GRPC
	if g.TLSClient != nil && !g.TLS {
		v.addf(path+".tls_config", "is only used with tls = true")
	}
	v.tlsClient(path+".tls_config", g.TLSClient)
	v.degradedAfter(path+".degraded_after", g.DegradedAfter, chk.Timeout)
}

// degradedAfter checks a latency above which a good result is degraded:
// zero is off, and it must be shorter than the timeout to ever apply.
func (v *checker) degradedAfter(path string, d, timeout Duration) {
	if !v.durationKey(path) || d == 0 {
		return
	}
	switch {
	case d < 0:
		v.addf(path, "must not be negative")
	case d >= timeout && timeout > 0:
		v.addf(path, "degraded_after %s is not shorter than timeout %s", d, timeout)
	}
}
