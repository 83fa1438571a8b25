package probes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

const (
	// defaultMaxBody caps the body read for conditions (max_body_bytes).
	defaultMaxBody = 1 << 20
	// drainBytes is how much of the body is read when no condition looks at
	// it: enough for a health endpoint to finish, little enough that a huge
	// or endless body costs nothing.
	drainBytes = 4 << 10
	// defaultCertExpiryDays is the default warning window for certificates.
	defaultCertExpiryDays = 14
)

// httpProbe is a prepared http check. It is read-only after HTTP returns,
// so concurrent runs may share it.
type httpProbe struct {
	client  *http.Client
	target  string
	method  string
	body    string
	timeout time.Duration
	maxBody int64
	// header holds the configured request headers under canonical keys;
	// each value slice is clipped, so an append by anyone copies it.
	header http.Header
	// host overrides the Host header when the user set one.
	host string
	// userAgent is set when the user chose their own User-Agent.
	userAgent bool
	expect    httpExpect
}

// HTTP prepares a check of kind "http": Target is the URL, chk.HTTP holds
// the request, the conditions on the response and the client settings.
// Every problem is reported, each prefixed with its key.
func HTTP(chk *config.Check) (Prober, error) {
	s := chk.HTTP
	if s == nil {
		s = &config.HTTP{}
	}
	p := &httpProbe{target: chk.Target, timeout: chk.Timeout.D(), body: s.Body}
	var errs []error
	if err := checkHTTPURL(chk.Target); err != nil {
		errs = append(errs, fmt.Errorf("target: %w", err))
	}
	errs = append(errs, p.prepareRequest(s))
	expect, err := newHTTPExpect(s)
	errs = append(errs, err)
	p.expect = expect
	p.maxBody = s.MaxBodyBytes
	switch {
	case p.maxBody == 0:
		p.maxBody = defaultMaxBody
	case p.maxBody < 0:
		errs = append(errs, errors.New("http.max_body_bytes: must be positive"))
	}
	follow := s.FollowRedirects == nil || *s.FollowRedirects
	p.client, err = newHTTPClient(s, follow)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p.run, nil
}

// checkHTTPURL accepts absolute http and https URLs.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the URL, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("must be an http:// or https:// URL")
	}
	if u.Host == "" {
		return errors.New("URL has no host")
	}
	return nil
}

// prepareRequest validates and stores what every run's request carries.
func (p *httpProbe) prepareRequest(s *config.HTTP) error {
	p.method = strings.ToUpper(s.Method)
	if p.method == "" {
		p.method = http.MethodGet
	}
	var errs []error
	if !httpguts.ValidHeaderFieldName(p.method) { // a method is a token, like a header name
		errs = append(errs, fmt.Errorf("http.method: invalid method %q", s.Method))
	}
	p.header = make(http.Header, len(s.Headers))
	for _, name := range slices.Sorted(maps.Keys(s.Headers)) {
		value := s.Headers[name]
		if !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
			errs = append(errs, fmt.Errorf("http.headers: invalid header %q", name))
			continue
		}
		key := http.CanonicalHeaderKey(name)
		switch key {
		case "Host":
			p.host = value
			continue
		case "User-Agent":
			p.userAgent = true
		}
		p.header[key] = slices.Clip([]string{value})
	}
	return errors.Join(errs...)
}

// run is the Prober: build the request, execute it, evaluate the response.
func (p *httpProbe) run(ctx context.Context, env Env) Observation {
	ctx, cancel, a := begin(ctx, p.timeout)
	defer cancel()
	req, err := p.newRequest(ctx, env)
	if err != nil {
		return Observation{Outcome: status.Down, Reason: "invalid target", Detail: err.Error()}
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return a.fail(ctx, err, "request failed")
	}
	buf, err := p.readBody(resp)
	defer putBuffer(buf)
	took := a.elapsed()
	if err != nil {
		return a.fail(ctx, fmt.Errorf("%s %s: reading body: %w", p.method, resp.Request.URL.Redacted(), err), "body read failed")
	}
	var body []byte
	if buf != nil {
		body = buf.Bytes()
	}
	obs := p.expect.evaluate(resp, body, took)
	if obs.Detail != "" {
		obs.Detail = p.method + " " + resp.Request.URL.Redacted() + ": " + obs.Detail
	}
	obs.Duration = took
	return obs
}

// newRequest builds one run's request. env.Target, when set, replaces the
// check's URL (one instance of a pod set).
func (p *httpProbe) newRequest(ctx context.Context, env Env) (*http.Request, error) {
	target := p.target
	if env.Target != "" {
		target = env.Target
	}
	var body io.Reader
	if p.body != "" {
		body = strings.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, target, body)
	if err != nil {
		return nil, err
	}
	for k, v := range p.header {
		req.Header[k] = v
	}
	if !p.userAgent {
		req.Header["User-Agent"] = []string{userAgent(env.Zone)}
	}
	if p.host != "" {
		req.Host = p.host
	}
	return req, nil
}

// userAgent names Ampel and the zone, so a target's operators can tell
// where a probe came from.
func userAgent(zone string) string {
	if zone == "" {
		return "Ampel/" + Version
	}
	return "Ampel/" + Version + " (+zone=" + zone + ")"
}

// bufPool recycles body buffers: at a thousand probes a second, a fresh
// buffer per run is most of the garbage a probe makes.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads what the conditions need and closes the body. With no
// condition on the body it only drains a little (and returns nil); else it
// reads up to maxBody and no further, however much the server sends.
func (p *httpProbe) readBody(resp *http.Response) (*bytes.Buffer, error) {
	defer resp.Body.Close()
	if !p.expect.needsBody() {
		_, err := io.CopyN(io.Discard, resp.Body, drainBytes)
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return nil, err
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(&io.LimitedReader{R: resp.Body, N: p.maxBody})
	return buf, err
}

// putBuffer returns a buffer to the pool unless it grew past the default
// cap: a check with a huge max_body_bytes should not pin that much memory.
func putBuffer(buf *bytes.Buffer) {
	if buf != nil && buf.Cap() <= 2*defaultMaxBody {
		bufPool.Put(buf)
	}
}
