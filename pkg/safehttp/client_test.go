package safehttp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is a loopback HTTP server that counts the requests it got.
type receiver struct {
	*httptest.Server
	hits atomic.Int64
}

func startReceiver(t *testing.T, addr string, h http.HandlerFunc) *receiver {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		if h != nil {
			h(w, req)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	r.Listener.Close()
	r.Listener = l
	r.Start()
	t.Cleanup(r.Close)
	return r
}

func port(t *testing.T, r *receiver) string {
	t.Helper()
	u, err := url.Parse(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func get(t *testing.T, c *Client, u string) (*Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u, strings.NewReader(`{"x":1}`))
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

func wantBlocked(t *testing.T, err error, reason string) {
	t.Helper()
	var b *BlockedError
	if !errors.As(err, &b) {
		t.Fatalf("error %v, want a *BlockedError", err)
	}
	if b.Reason != reason {
		t.Errorf("refused as %q, want %q", b.Reason, reason)
	}
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// TestRefusesEveryAttempt sends the SSRF attempts of issue 14 through a
// client with no allow-list: each is refused before a connection is made,
// so the loopback receiver standing behind the loopback ones gets nothing.
func TestRefusesEveryAttempt(t *testing.T) {
	recv := startReceiver(t, "127.0.0.1:0", nil)
	p := port(t, recv)
	dns := startDNS(t, map[string]netip.Addr{
		"evil.example.":     netip.MustParseAddr("127.0.0.1"),
		"metadata.example.": netip.MustParseAddr("169.254.169.254"),
	})
	c := New(Options{Resolver: dns, Timeout: 5 * time.Second})
	// Loopback first: if the check were broken, the loop stops there,
	// before anything could leave this machine.
	cases := []struct{ url, reason string }{
		{"http://127.0.0.1:" + p + "/hook", "loopback"},
		{"http://evil.example:" + p + "/hook", "loopback"},
		{"http://localhost:" + p + "/hook", "loopback"},
		{"http://[::ffff:127.0.0.1]:" + p + "/hook", "loopback"},
		{"http://10.0.0.1:" + p + "/hook", "private"},
		{"http://10.255.1.2/hook", "private"},
		{"http://169.254.169.254/latest/meta-data/", "cloud metadata"},
		{"http://metadata.example/latest/meta-data/", "cloud metadata"},
	}
	for _, tc := range cases {
		resp, err := get(t, c, tc.url)
		if err == nil {
			t.Fatalf("%s: delivered (%d), want refused", tc.url, resp.Status)
		}
		var b *BlockedError
		if !errors.As(err, &b) {
			t.Fatalf("%s: error %v, want a *BlockedError", tc.url, err)
		}
		if b.Reason != tc.reason {
			t.Errorf("%s: refused as %q, want %q", tc.url, b.Reason, tc.reason)
		}
	}
	if n := recv.hits.Load(); n != 0 {
		t.Errorf("the loopback receiver got %d requests, want 0", n)
	}
}

// TestAllowListDelivers shows the same names and addresses work once the
// operator allows them: the refusals above were the policy, not a broken
// resolver or server.
func TestAllowListDelivers(t *testing.T) {
	recv := startReceiver(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("accepted"))
	})
	p := port(t, recv)
	dns := startDNS(t, map[string]netip.Addr{"hooks.internal.": netip.MustParseAddr("127.0.0.1")})
	c := New(Options{Policy: Policy{Allow: loopback}, Resolver: dns})
	for _, u := range []string{"http://127.0.0.1:" + p + "/a", "http://hooks.internal:" + p + "/b"} {
		resp, err := get(t, c, u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if resp.Status != http.StatusAccepted || string(resp.Body) != "accepted" {
			t.Errorf("%s: answer %d %q", u, resp.Status, resp.Body)
		}
	}
	if n := recv.hits.Load(); n != 2 {
		t.Errorf("receiver got %d requests, want 2", n)
	}
}

// TestRedirectToLoopbackRefused: a receiver the allow-list opens
// (127.0.0.1) redirects to another loopback address (127.0.0.2) and to a
// name that resolves to it; the redirect's connection is checked like the
// first and refused, and the target never hears of it.
func TestRedirectToLoopbackRefused(t *testing.T) {
	target := startReceiver(t, "127.0.0.2:0", nil)
	dns := startDNS(t, map[string]netip.Addr{"inner.example.": netip.MustParseAddr("127.0.0.2")})
	targets := map[string]string{
		"/by-address": "http://127.0.0.2:" + port(t, target) + "/internal",
		"/by-name":    "http://inner.example:" + port(t, target) + "/internal",
	}
	front := startReceiver(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, targets[r.URL.Path], http.StatusTemporaryRedirect)
	})
	c := New(Options{Policy: Policy{Allow: loopback}, Resolver: dns})
	for path := range targets {
		_, err := get(t, c, front.URL+path)
		wantBlocked(t, err, "loopback")
	}
	if n := front.hits.Load(); n != 2 {
		t.Errorf("front got %d requests, want 2", n)
	}
	if n := target.hits.Load(); n != 0 {
		t.Errorf("redirect target got %d requests, want 0", n)
	}
}

func TestRedirectsBounded(t *testing.T) {
	var loop *receiver
	loop = startReceiver(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+"/again", http.StatusTemporaryRedirect)
	})
	c := New(Options{Policy: Policy{Allow: loopback}, MaxRedirects: 2})
	_, err := get(t, c, loop.URL)
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("error %v, want ErrTooManyRedirects", err)
	}
	if n := loop.hits.Load(); n != 3 {
		t.Errorf("followed to %d requests, want 3 (the first and 2 redirects)", n)
	}
	// A redirect to another scheme is refused as well.
	file := startReceiver(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	if _, err := get(t, c, file.URL); !errors.Is(err, ErrScheme) {
		t.Errorf("redirect to file: gave %v, want ErrScheme", err)
	}
}

func TestBodyAndTimeBounded(t *testing.T) {
	big := startReceiver(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", 10000)))
	})
	c := New(Options{Policy: Policy{Allow: loopback}, MaxBody: 100})
	resp, err := get(t, c, big.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Body) != 100 || !resp.Truncated {
		t.Errorf("read %d bytes (truncated %v), want 100 and truncated", len(resp.Body), resp.Truncated)
	}

	release := make(chan struct{})
	slow := startReceiver(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		<-release
	})
	// Registered after the server's Close, so it runs before it: Close
	// waits for the handler.
	t.Cleanup(func() { close(release) })
	c = New(Options{Policy: Policy{Allow: loopback}, Timeout: 200 * time.Millisecond})
	_, err = get(t, c, slow.URL)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("error %v, want a timeout", err)
	}
}

func TestNoProxyFromEnvironment(t *testing.T) {
	proxy := startReceiver(t, "127.0.0.1:0", nil)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	recv := startReceiver(t, "127.0.0.1:0", nil)
	c := New(Options{Policy: Policy{Allow: loopback}})
	if _, err := get(t, c, recv.URL); err != nil {
		t.Fatal(err)
	}
	if proxy.hits.Load() != 0 || recv.hits.Load() != 1 {
		t.Errorf("proxy got %d, receiver %d; want 0 and 1", proxy.hits.Load(), recv.hits.Load())
	}
}

func TestOnlyHTTPSchemes(t *testing.T) {
	c := New(Options{})
	req, _ := http.NewRequest(http.MethodGet, "ftp://example.com/", nil)
	if _, err := c.Do(req); !errors.Is(err, ErrScheme) {
		t.Errorf("ftp: %v, want ErrScheme", err)
	}
}

// TestRedirectKeepsBodyOrStops: 307 and 308 repeat the POST with its body
// and are followed; 301, 302 and 303 would turn it into a GET without
// the body, so the client stops instead of reporting that GET's answer.
func TestRedirectKeepsBodyOrStops(t *testing.T) {
	var (
		mu     sync.Mutex
		bodies []string
	)
	target := startReceiver(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Method+" "+string(b))
		mu.Unlock()
	})
	front := startReceiver(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		http.Redirect(w, r, target.URL+"/moved", code)
	})
	c := New(Options{Policy: Policy{Allow: loopback}})
	for _, code := range []int{307, 308} {
		if resp, err := get(t, c, front.URL+"/"+strconv.Itoa(code)); err != nil || resp.Status != 200 {
			t.Errorf("%d: %v", code, err)
		}
	}
	for _, code := range []int{301, 302, 303} {
		if _, err := get(t, c, front.URL+"/"+strconv.Itoa(code)); !errors.Is(err, ErrRedirectDropsBody) {
			t.Errorf("%d: error %v, want ErrRedirectDropsBody", code, err)
		}
	}
	target.Close() // waits for its handlers: bodies is complete
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 || bodies[0] != `POST {"x":1}` || bodies[1] != `POST {"x":1}` {
		t.Errorf("target got %q, want the POST with its body twice", bodies)
	}
}
