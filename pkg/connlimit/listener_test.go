package connlimit

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestKey(t *testing.T) {
	cases := map[string]string{
		"192.0.2.7":          "192.0.2.7",
		"2001:db8:1:2:3::4":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ff::9": "2001:db8:1:2::/64",
		"::ffff:192.0.2.7":   "192.0.2.7",
		"not an address":     "not an address",
	}
	for in, want := range cases {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlan(t *testing.T) {
	cases := []struct {
		name                 string
		files, probes, per   int
		reserve, conns, strm int
		starved              bool
	}{
		{"a server's limit", 1 << 20, 256, 32, 640, 1<<20 - 640, (1<<20 - 640) * 7 / 8, false},
		{"a small limit", 1024, 256, 32, 640, 384, 336, false},
		{"a limit below the reserve halves", 256, 256, 32, 128, 128, 112, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := Plan(c.files, c.probes, c.per)
			if b.Reserve != c.reserve || b.Connections != c.conns || b.Streams != c.strm {
				t.Fatalf("%+v, want reserve %d, connections %d, streams %d", b, c.reserve, c.conns, c.strm)
			}
			if b.Reserve+b.Connections > c.files || b.Streams >= b.Connections || b.PerClient >= b.Connections {
				t.Fatalf("%+v does not add up", b)
			}
			if b.Starved(c.probes) != c.starved {
				t.Fatalf("starved %v, want %v", b.Starved(c.probes), c.starved)
			}
		})
	}
}

// serveLimited serves ln's connections with a handler that answers
// "ok", holding each connection until the client closes it.
func serveLimited(t *testing.T, max, perClient int, trusted []*net.IPNet) (*Listener, string) {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := NewListener(tcp, max, perClient, trusted)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln, tcp.Addr().String()
}

// ask sends one request from local address from on a new connection,
// and returns the status and the connection, left open.
func ask(t *testing.T, addr, from string) (int, string, net.Conn) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer from %s: %v", from, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 100))
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
		t.Fatalf("refused without Retry-After: %v", resp.Header)
	}
	return resp.StatusCode, strings.TrimSpace(string(body)), c
}

// TestListenerCaps: a client past its share and anyone past the total
// get 503 with Retry-After at once; a trusted proxy has no share of its
// own; a closed connection frees its place.
func TestListenerCaps(t *testing.T) {
	proxy := &net.IPNet{IP: net.IPv4(127, 0, 0, 9), Mask: net.CIDRMask(32, 32)}
	ln, addr := serveLimited(t, 4, 1, []*net.IPNet{proxy})
	code, _, first := ask(t, addr, "127.0.0.1")
	if code != http.StatusOK {
		t.Fatalf("first connection: %d", code)
	}
	if code, body, _ := ask(t, addr, "127.0.0.1"); code != http.StatusServiceUnavailable || !strings.Contains(body, "too many connections") {
		t.Fatalf("second connection of one client: %d %q, want 503", code, body)
	}
	for range 2 { // a proxy carries many clients
		if code, _, _ := ask(t, addr, "127.0.0.9"); code != http.StatusOK {
			t.Fatalf("proxy's connection: %d", code)
		}
	}
	if code, _, _ := ask(t, addr, "127.0.0.2"); code != http.StatusOK {
		t.Fatalf("another client: %d", code)
	}
	if code, _, _ := ask(t, addr, "127.0.0.3"); code != http.StatusServiceUnavailable {
		t.Fatalf("past the total: %d, want 503", code)
	}
	if ln.Open() != 4 || ln.Refused() != 2 {
		t.Fatalf("open %d, refused %d", ln.Open(), ln.Refused())
	}
	first.Close()
	deadline := time.Now().Add(5 * time.Second)
	for ln.Open() != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("closing did not free a place: open %d", ln.Open())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, _, _ := ask(t, addr, "127.0.0.1"); code != http.StatusOK {
		t.Fatalf("after closing: %d", code)
	}
}
