package demo

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// Targets serves the simulated fleet on loopback: one HTTP listener with a
// path per check (/api-health, /workers-3, ...), one TCP listener for the
// mail relay and a gRPC health service. Each answer comes from the
// Scenario for the probing zone, read from the User-Agent Ampel's probes
// send.
type Targets struct {
	scenario *Scenario
	srv      *http.Server
	httpLn   net.Listener
	tcpLn    net.Listener
	grpc     *grpc.Server
	grpcLn   net.Listener
	wg       sync.WaitGroup
}

// StartTargets listens on three loopback ports and serves s until Close.
func StartTargets(s *Scenario) (*Targets, error) {
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	tcpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		httpLn.Close()
		return nil, err
	}
	gs, grpcLn, err := startGRPC(s)
	if err != nil {
		httpLn.Close()
		tcpLn.Close()
		return nil, err
	}
	t := &Targets{scenario: s, httpLn: httpLn, tcpLn: tcpLn, grpc: gs, grpcLn: grpcLn}
	t.srv = &http.Server{Handler: http.HandlerFunc(t.serveHTTP), ReadHeaderTimeout: 5 * time.Second}
	t.wg.Add(3)
	go func() { defer t.wg.Done(); t.srv.Serve(httpLn) }()
	go func() { defer t.wg.Done(); t.serveTCP() }()
	go func() { defer t.wg.Done(); gs.Serve(grpcLn) }()
	return t, nil
}

// GRPCAddr is the host:port of the gRPC health service.
func (t *Targets) GRPCAddr() string { return t.grpcLn.Addr().String() }

// HTTPURL is the URL an http check of the fleet probes.
func (t *Targets) HTTPURL(check string) string {
	return "http://" + t.httpLn.Addr().String() + "/" + check
}

// TCPAddr is the host:port the tcp check connects to.
func (t *Targets) TCPAddr() string { return t.tcpLn.Addr().String() }

// Close stops both listeners and waits for their loops to end.
func (t *Targets) Close() error {
	err := errors.Join(t.srv.Close(), t.tcpLn.Close())
	t.grpc.Stop()
	t.wg.Wait()
	return err
}

// serveHTTP answers as the scenario says: after its latency, 200 or 503.
func (t *Targets) serveHTTP(w http.ResponseWriter, r *http.Request) {
	check := strings.TrimPrefix(r.URL.Path, "/")
	if _, ok := checkByName(check); !ok {
		http.NotFound(w, r)
		return
	}
	a := t.scenario.Answer(check, ZoneOf(r.UserAgent()), time.Now())
	timer := time.NewTimer(a.Latency)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if a.Fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "unavailable\n")
		return
	}
	io.WriteString(w, "ok\n")
}

// serveTCP greets and hangs up, as a mail relay's banner check sees it.
func (t *Targets) serveTCP() {
	for {
		c, err := t.tcpLn.Accept()
		if err != nil {
			return
		}
		c.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(c, "220 mail.demo.invalid ESMTP\r\n")
		c.Close()
	}
}

// ZoneOf reads the zone from the User-Agent of Ampel's http probe,
// "Ampel/0.1 (+zone=eu-central)"; it is "" for any other client.
func ZoneOf(userAgent string) string {
	_, rest, ok := strings.Cut(userAgent, "(+zone=")
	if !ok {
		return ""
	}
	zone, _, ok := strings.Cut(rest, ")")
	if !ok {
		return ""
	}
	return zone
}
