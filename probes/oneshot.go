package probes

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
)

// oneShot is an http.RoundTripper that opens a fresh connection for every
// request and does the whole exchange on the caller's goroutine. Probes
// never reuse a connection (each run must measure a real connect), so
// net/http's Transport buys nothing here and costs three goroutines and a
// connection-tracking layer per run, most of a probe's CPU at a thousand
// runs a second. Proxies need the Transport and get it (see newHTTPClient).
type oneShot struct {
	// tls is cloned per connection to set the server name.
	tls *tls.Config
}

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}

// writerPool: Request.Write wraps a bare connection in a new 4 KB
// bufio.Writer; at 1,667 runs a second that was a fifth of all Ampel
// allocated under a read flood, and so of how often the collector ran.
var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4<<10) }}

// writeRequest writes req to conn through a pooled buffer.
func writeRequest(req *http.Request, conn net.Conn) error {
	bw := writerPool.Get().(*bufio.Writer)
	bw.Reset(conn)
	err := req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	writerPool.Put(bw)
	return err
}

// RoundTrip dials, writes the request with "Connection: close" (so the
// server, not the prober, holds the TIME_WAIT), and reads the response
// head. The connection closes with the body, or when the request's
// context ends.
func (o *oneShot) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	conn, err := o.dial(ctx, req)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	fail := func(err error) (*http.Response, error) {
		stop()
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	out := *req
	out.Close = true
	if err := writeRequest(&out, conn); err != nil {
		return fail(err)
	}
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(conn)
	resp, err := readResponse(br, req)
	if err != nil {
		br.Reset(nil)
		readerPool.Put(br)
		return fail(err)
	}
	if tc, ok := conn.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		resp.TLS = &cs
	}
	resp.Body = &oneShotBody{ReadCloser: resp.Body, conn: conn, br: br, stop: stop}
	return resp, nil
}

// readResponse skips informational (1xx) responses, as net/http does.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
}

// dial opens the TCP connection and, for https, completes the handshake.
func (o *oneShot) dial(ctx context.Context, req *http.Request) (net.Conn, error) {
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = "80"
		if req.URL.Scheme == "https" {
			port = "443"
		}
	}
	conn, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil || req.URL.Scheme != "https" {
		return conn, err
	}
	cfg := o.tls.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// oneShotBody closes the connection with the body.
type oneShotBody struct {
	io.ReadCloser
	conn net.Conn
	br   *bufio.Reader
	stop func() bool
	once sync.Once
}

func (b *oneShotBody) Close() error {
	b.once.Do(func() {
		b.stop()
		b.conn.Close()
		b.br.Reset(nil)
		readerPool.Put(b.br)
	})
	return nil
}
