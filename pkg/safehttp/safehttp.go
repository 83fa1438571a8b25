// Package safehttp is an HTTP client for URLs that strangers choose
// (subscriber webhooks) and operators paste (alert channels): it refuses
// to connect to loopback, private, link-local, cloud-metadata and other
// non-public addresses unless an allow-list opens them, so that Ampel
// never becomes a proxy into the network it runs in.
//
// The check runs in the dialer's Control hook, on the address the socket
// is about to connect to: after DNS resolution, on every connection
// (each address Happy Eyeballs tries, each redirect), so neither a name
// that resolves to 127.0.0.1 nor a rebinding DNS answer nor a redirect
// slips past it, and a refused address never receives a packet. Requests
// are bounded in time, redirects and the bytes read of an answer, and no
// proxy is taken from the environment (a proxy would make the connection
// instead of us, and the check would judge the proxy's address).
package safehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Defaults of Options.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBody      = 64 << 10
	DefaultMaxRedirects = 3
)

// ErrTooManyRedirects ends a redirect chain longer than MaxRedirects.
var ErrTooManyRedirects = errors.New("too many redirects")

// ErrRedirectDropsBody ends a 301, 302 or 303 answer to a POST: net/http
// would follow it as a GET without the body, and a 2xx to that GET would
// pass for a delivery that never arrived. 307 and 308 keep the method and
// body and are followed.
var ErrRedirectDropsBody = errors.New("redirect would repeat the request as GET without its body")

// ErrScheme refuses a URL (or a redirect) that is not http or https.
var ErrScheme = errors.New("only http and https URLs are allowed")

// Options configure a Client; zero fields take the defaults.
type Options struct {
	// Policy says which addresses may be connected to.
	Policy Policy
	// Timeout bounds a whole request: connecting, redirects, sending and
	// reading the answer.
	Timeout time.Duration
	// MaxBody is how many bytes of an answer are read; the rest is dropped.
	MaxBody int64
	// MaxRedirects is how many redirects are followed; 0 means the
	// default, a negative value follows none (the 3xx answer is returned).
	MaxRedirects int
	// Resolver looks names up; nil is the system's. Tests point it at a
	// DNS server of their own.
	Resolver *net.Resolver
}

// Client sends requests under a Policy. It is safe for concurrent use.
type Client struct {
	http    *http.Client
	maxBody int64
}

// Response is an answer with its body read (at most MaxBody bytes) and
// the connection already released.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Truncated says the answer was longer than MaxBody.
	Truncated bool
}

// New builds a client.
func New(opt Options) *Client {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = DefaultMaxBody
	}
	if opt.MaxRedirects == 0 {
		opt.MaxRedirects = DefaultMaxRedirects
	}
	policy := opt.Policy
	dialer := &net.Dialer{
		Timeout:  opt.Timeout,
		Resolver: opt.Resolver,
		ControlContext: func(_ context.Context, network, address string, _ syscall.RawConn) error {
			return control(policy, network, address)
		},
	}
	tr := &http.Transport{
		Proxy:                  nil, // never HTTP(S)_PROXY: see the package doc
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    opt.Timeout,
		ResponseHeaderTimeout:  opt.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
	}
	max := opt.MaxRedirects
	return &Client{
		maxBody: opt.MaxBody,
		http: &http.Client{
			Transport: tr,
			Timeout:   opt.Timeout,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if max < 0 {
					return http.ErrUseLastResponse
				}
				if len(via) > max {
					return ErrTooManyRedirects
				}
				if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
					return ErrScheme
				}
				if req.Method != via[0].Method {
					return ErrRedirectDropsBody
				}
				return nil
			},
		},
	}
}

// control refuses a connection to an address the policy does not allow.
// It runs after the socket is made and before it connects.
func control(p Policy, network, address string) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("refused to dial %s: only TCP", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused to dial %q: %w", address, err)
	}
	return p.Check(ap.Addr())
}

// Do sends req and reads its answer. A refused address comes back as an
// error that errors.As finds a *BlockedError in.
func (c *Client) Do(req *http.Request) (*Response, error) {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, ErrScheme
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if int64(len(body)) > c.maxBody {
		out.Body, out.Truncated = body[:c.maxBody], true
	}
	if err != nil {
		return out, fmt.Errorf("read answer: %w", err)
	}
	return out, nil
}

// CloseIdleConnections closes the kept-alive connections, for a client
// that is done.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }
