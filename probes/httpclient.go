package probes

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"

	promconfig "github.com/prometheus/common/config"

	"github.com/ampelstatus/ampel/pkg/config"
)

// maxRedirects is how many redirects a probe follows before it calls the
// target down, as browsers and net/http do.
const maxRedirects = 10

// errTooManyRedirects ends a redirect chain longer than maxRedirects.
var errTooManyRedirects = errors.New("too many redirects")

// newHTTPClient builds the one client a check uses for all its runs. Keep-
// alives are off so every run opens its own TCP (and TLS) connection: a
// probe that reused a warm connection would miss a listener that stopped
// accepting, and would not see the certificate the server presents now.
// prometheus/common's HTTPClientConfig validates the settings and builds
// the TLS configuration and the authentication layers; the connection
// itself is a oneShot, or net/http's Transport when a proxy is set.
func newHTTPClient(s *config.HTTP, follow bool) (*http.Client, error) {
	if plainClient(s) {
		// Nearly every check of a large fleet: one client for all of
		// them (it holds no state between runs) instead of a client and a
		// TLS configuration each, about 1 KB a check.
		c := sharedClients()
		if follow {
			return c.follow, c.err
		}
		return c.stay, c.err
	}
	return buildHTTPClient(s, follow)
}

// plainClient reports whether s leaves every client setting (TLS,
// authentication, proxy) at its default.
func plainClient(s *config.HTTP) bool {
	return s.TLSClient == nil && s.BasicAuth == nil && s.BearerToken == "" && s.BearerTokenFile == "" && s.ProxyURL == ""
}

// sharedClients are the clients of the checks with default client
// settings, following redirects or not, built on first use. They are
// immutable and keep nothing between runs (each run dials afresh), so
// sharing them shares no state between checks.
var sharedClients = sync.OnceValue(func() (c struct {
	follow, stay *http.Client
	err          error
}) {
	if c.follow, c.err = buildHTTPClient(&config.HTTP{}, true); c.err == nil {
		c.stay, c.err = buildHTTPClient(&config.HTTP{}, false)
	}
	return c
})

// buildHTTPClient builds a client for s.
func buildHTTPClient(s *config.HTTP, follow bool) (*http.Client, error) {
	cfg, err := promHTTPConfig(s)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	tlsCfg, err := promconfig.NewTLSConfig(&cfg.TLSConfig)
	if err != nil {
		return nil, fmt.Errorf("http.tls: %w", err)
	}
	var rt http.RoundTripper = &oneShot{tls: tlsCfg}
	if cfg.ProxyURL.URL != nil {
		rt = &http.Transport{
			Proxy:             http.ProxyURL(cfg.ProxyURL.URL),
			DialContext:       dialer.DialContext,
			TLSClientConfig:   tlsCfg,
			DisableKeepAlives: true,
		}
	}
	if b := cfg.BasicAuth; b != nil {
		rt = promconfig.NewBasicAuthRoundTripper(promconfig.NewInlineSecret(b.Username), promconfig.NewInlineSecret(string(b.Password)), rt)
	}
	// Validate moves bearer_token into Authorization.
	if a := cfg.Authorization; a != nil && a.Credentials != "" {
		rt = promconfig.NewAuthorizationCredentialsRoundTripper(a.Type, promconfig.NewInlineSecret(string(a.Credentials)), rt)
	}
	client := &http.Client{Transport: rt, CheckRedirect: checkRedirect}
	if !follow {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return client, nil
}

// dialer opens the probes' connections. TCP keep-alive probes are off: a
// connection lives for one run, and setting them up costs three system
// calls per connection.
var dialer = net.Dialer{KeepAlive: -1}

// checkRedirect ends a redirect loop with an error the probe reports as
// "too many redirects", where net/http's own would read as a generic failure.
func checkRedirect(_ *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errTooManyRedirects
	}
	return nil
}

// promHTTPConfig maps the check's client settings onto prometheus/common's
// HTTPClientConfig (it has only yaml/json tags, so TOML cannot decode into
// it directly). Secrets in files are read now; see promTLS for why.
func promHTTPConfig(s *config.HTTP) (promconfig.HTTPClientConfig, error) {
	// Redirects are decided by our CheckRedirect; HTTP/2 stays off as every
	// run opens a fresh connection, where HTTP/2 only adds setup cost.
	cfg := promconfig.HTTPClientConfig{FollowRedirects: true}
	tlsCfg, err := promTLS("http.tls", s.TLSClient)
	if err != nil {
		return cfg, err
	}
	cfg.TLSConfig = tlsCfg
	if cfg.BasicAuth, err = promBasicAuth(s.BasicAuth); err != nil {
		return cfg, err
	}
	if s.BearerToken != "" && s.BearerTokenFile != "" {
		return cfg, errors.New("http: at most one of bearer_token and bearer_token_file")
	}
	cfg.BearerToken = promconfig.Secret(s.BearerToken)
	token, err := readSecretFile("http.bearer_token_file", s.BearerTokenFile)
	if err != nil {
		return cfg, err
	}
	if token != "" {
		cfg.BearerToken = promconfig.Secret(token)
	}
	if s.ProxyURL != "" {
		u, err := parseProxyURL(s.ProxyURL)
		if err != nil {
			return cfg, err
		}
		cfg.ProxyURL = promconfig.URL{URL: u}
	}
	return cfg, nil
}

// promBasicAuth maps basic auth, reading the password file now.
func promBasicAuth(b *config.BasicAuth) (*promconfig.BasicAuth, error) {
	if b == nil {
		return nil, nil
	}
	if b.Password != "" && b.PasswordFile != "" {
		return nil, errors.New("http.basic_auth: at most one of password and password_file")
	}
	pw := string(b.Password)
	if b.PasswordFile != "" {
		var err error
		if pw, err = readSecretFile("http.basic_auth.password_file", b.PasswordFile); err != nil {
			return nil, err
		}
	}
	return &promconfig.BasicAuth{Username: b.Username, Password: promconfig.Secret(pw)}, nil
}

// parseProxyURL accepts the proxies net/http can use.
func parseProxyURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the URL, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("http.proxy_url: %w", err)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, fmt.Errorf("http.proxy_url: scheme must be http, https or socks5, not %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("http.proxy_url: no host")
	}
	return u, nil
}
