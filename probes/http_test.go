package probes

import (
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

func httpCheck(target string, s *config.HTTP) *config.Check {
	return &config.Check{Name: "web", Kind: "http", Target: target, HTTP: s}
}

func ptr[T any](v T) *T { return &v }

// reply answers with a status, headers and a body.
func reply(code int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func TestHTTPConditions(t *testing.T) {
	const doc = `{"status":"ok","version":42,"live":true,"data":{"items":[{"state":"up"},{"state":"down"}]},"n":1.50}`
	mux := http.NewServeMux()
	mux.Handle("/ok", reply(200, "all systems go"))
	mux.Handle("/fail", reply(503, "overloaded"))
	mux.Handle("/teapot", reply(418, ""))
	mux.Handle("/json", reply(200, doc, "Content-Type", "application/json; charset=utf-8"))
	mux.Handle("/notjson", reply(200, "<html>oops</html>"))
	mux.Handle("/slow", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(120 * time.Millisecond) // the latency under test
	}))
	mux.Handle("/moved", http.RedirectHandler("/ok", http.StatusFound))
	mux.Handle("/loop", http.RedirectHandler("/loop", http.StatusFound))
	mux.Handle("/echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || string(b) != `{"ping":1}` || r.Header.Get("X-Api-Key") != "k1" || r.Host != "api.internal" {
			w.WriteHeader(400)
			return
		}
		io.WriteString(w, "pong")
	}))
	srv := startHTTP(t, mux)

	tests := []struct {
		name    string
		path    string
		s       *config.HTTP
		outcome status.Level
		reason  string
	}{
		{"any 2xx by default", "/ok", nil, status.Up, ""},
		{"5xx is down", "/fail", nil, status.Down, "HTTP 503"},
		{"expect_status accepts a listed code", "/teapot", &config.HTTP{ExpectStatus: []int{418}}, status.Up, ""},
		{"expect_status rejects an unlisted 200", "/ok", &config.HTTP{ExpectStatus: []int{204}}, status.Down, "HTTP 200"},
		{"body contains", "/ok", &config.HTTP{BodyContains: "systems go"}, status.Up, ""},
		{"body does not contain", "/ok", &config.HTTP{BodyContains: "maintenance"}, status.Down, "body did not match"},
		{"body regex", "/ok", &config.HTTP{BodyRegex: `^all \w+ go$`}, status.Up, ""},
		{"body regex fails", "/ok", &config.HTTP{BodyRegex: `^\d+$`}, status.Down, "body did not match"},
		{"json key", "/json", &config.HTTP{JSONPath: "status", JSONValue: "ok"}, status.Up, ""},
		{"json nested index", "/json", &config.HTTP{JSONPath: "$.data.items[1].state", JSONValue: "down"}, status.Up, ""},
		{"json number as text", "/json", &config.HTTP{JSONPath: "$.version", JSONValue: "42"}, status.Up, ""},
		{"json number keeps its spelling", "/json", &config.HTTP{JSONPath: "n", JSONValue: "1.50"}, status.Up, ""},
		{"json bool as text", "/json", &config.HTTP{JSONPath: "live", JSONValue: "true"}, status.Up, ""},
		{"json path exists", "/json", &config.HTTP{JSONPath: "data.items"}, status.Up, ""},
		{"json wrong value", "/json", &config.HTTP{JSONPath: "status", JSONValue: "degraded"}, status.Down, "unexpected JSON value"},
		{"json missing key", "/json", &config.HTTP{JSONPath: "$.data.missing", JSONValue: "x"}, status.Down, "unexpected JSON value"},
		{"json index out of range", "/json", &config.HTTP{JSONPath: "$.data.items[5].state", JSONValue: "up"}, status.Down, "unexpected JSON value"},
		{"json on html", "/notjson", &config.HTTP{JSONPath: "status", JSONValue: "ok"}, status.Down, "body is not JSON"},
		{"expect header", "/json", &config.HTTP{ExpectHeaders: map[string]string{"content-type": "application/JSON"}}, status.Up, ""},
		{"expect header wrong", "/json", &config.HTTP{ExpectHeaders: map[string]string{"Content-Type": "text/html"}}, status.Down, "header Content-Type did not match"},
		{"expect header missing", "/ok", &config.HTTP{ExpectHeaders: map[string]string{"X-Served-By": ""}}, status.Down, "header X-Served-By did not match"},
		{"slow response degrades", "/slow", &config.HTTP{DegradedAfter: config.Duration(50 * time.Millisecond)}, status.Degraded, "slow response "},
		{"fast enough", "/ok", &config.HTTP{DegradedAfter: config.Duration(time.Second)}, status.Up, ""},
		{"redirect followed", "/moved", &config.HTTP{BodyContains: "systems go"}, status.Up, ""},
		{"redirect not followed", "/moved", &config.HTTP{FollowRedirects: ptr(false)}, status.Down, "HTTP 302"},
		{"redirect expected", "/moved", &config.HTTP{FollowRedirects: ptr(false), ExpectStatus: []int{302}}, status.Up, ""},
		{"redirect loop", "/loop", nil, status.Down, "too many redirects"},
		{"method, headers and body sent", "/echo", &config.HTTP{
			Method: "post", Body: `{"ping":1}`, BodyContains: "pong",
			Headers: map[string]string{"x-api-key": "k1", "Host": "api.internal"},
		}, status.Up, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := srv.URL + tc.path
			p := newProbe(t, HTTP, httpCheck(target, tc.s))
			obs := probe(t, p, 2*time.Second, Env{Zone: "eu"}, target)
			want(t, obs, tc.outcome, tc.reason)
			if obs.Duration <= 0 {
				t.Errorf("duration %s", obs.Duration)
			}
		})
	}
}

func TestHTTPDetailNamesTarget(t *testing.T) {
	srv := startHTTP(t, reply(503, ""))
	target := srv.URL + "/health"
	obs := probe(t, newProbe(t, HTTP, httpCheck(target, nil)), 2*time.Second, Env{}, target)
	if !strings.Contains(obs.Detail, target) {
		t.Errorf("detail %q does not name %s", obs.Detail, target)
	}
}

func TestHTTPUserAgent(t *testing.T) {
	got := make(chan string, 1)
	srv := startHTTP(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got <- r.UserAgent()
	}))
	tests := []struct {
		name    string
		headers map[string]string
		want    string
	}{
		{"names the zone", nil, "Ampel/0.1 (+zone=eu-central)"},
		{"user's own kept", map[string]string{"user-agent": "curl/8"}, "curl/8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProbe(t, HTTP, httpCheck(srv.URL, &config.HTTP{Headers: tc.headers}))
			want(t, probe(t, p, 2*time.Second, Env{Zone: "eu-central"}, srv.URL), status.Up, "")
			if ua := await(t, got); ua != tc.want {
				t.Errorf("User-Agent %q, want %q", ua, tc.want)
			}
		})
	}
}

func TestHTTPEnvTargetReplacesTarget(t *testing.T) {
	srv := startHTTP(t, reply(200, "pod"))
	p := newProbe(t, HTTP, httpCheck("http://"+closedPort(t)+"/", &config.HTTP{BodyContains: "pod"}))
	want(t, probe(t, p, 2*time.Second, Env{Target: srv.URL}, srv.URL), status.Up, "")
}

// Every run must open its own connection: a reused one would hide a
// listener that no longer accepts.
func TestHTTPNoConnectionReuse(t *testing.T) {
	var conns atomic.Int32
	srv := startHTTP(t, reply(200, "ok"), func(s *http.Server) {
		s.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
	})
	p := newProbe(t, HTTP, httpCheck(srv.URL, nil))
	for range 3 {
		want(t, probe(t, p, 2*time.Second, Env{}, srv.URL), status.Up, "")
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections for 3 runs, want 3", n)
	}
}

func TestHTTPAuth(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(pwFile, []byte("s3cret\n"), 0o600)
	os.WriteFile(tokenFile, []byte("tok-from-file\n"), 0o600)
	got := make(chan string, 1)
	srv := startHTTP(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
	}))
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:s3cret"))
	tests := []struct {
		name string
		s    *config.HTTP
		want string
	}{
		{"basic password", &config.HTTP{BasicAuth: &config.BasicAuth{Username: "ops", Password: "s3cret"}}, basic},
		{"basic password_file", &config.HTTP{BasicAuth: &config.BasicAuth{Username: "ops", PasswordFile: pwFile}}, basic},
		{"bearer token", &config.HTTP{BearerToken: "tok"}, "Bearer tok"},
		{"bearer token file", &config.HTTP{BearerTokenFile: tokenFile}, "Bearer tok-from-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProbe(t, HTTP, httpCheck(srv.URL, tc.s))
			want(t, probe(t, p, 2*time.Second, Env{}, srv.URL), status.Up, "")
			if a := await(t, got); a != tc.want {
				t.Errorf("Authorization %q, want %q", a, tc.want)
			}
		})
	}
}

func TestHTTPProxy(t *testing.T) {
	var proxied atomic.Bool
	proxy := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A forward proxy sees the absolute URL of the target.
		proxied.Store(r.URL.Host == "status.test")
		io.WriteString(w, "via proxy")
	}))
	p := newProbe(t, HTTP, httpCheck("http://status.test/health", &config.HTTP{ProxyURL: proxy.URL, BodyContains: "via proxy"}))
	want(t, probe(t, p, 2*time.Second, Env{}, "http://status.test/health"), status.Up, "")
	if !proxied.Load() {
		t.Error("request did not go through the proxy")
	}
}

// A huge body is read up to max_body_bytes and no further.
func TestHTTPHugeBody(t *testing.T) {
	const huge = 50 << 20
	written := make(chan int64, 1)
	srv := startHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		chunk := []byte(strings.Repeat("x", 32<<10))
		var n int64
		for n < huge {
			m, err := w.Write(chunk)
			n += int64(m)
			if err != nil {
				break
			}
		}
		written <- n
	}))
	tests := []struct {
		name string
		s    *config.HTTP
		want string
	}{
		{"body condition reads up to the cap", &config.HTTP{BodyContains: "needle"}, "body did not match"},
		{"no body condition drains a little", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProbe(t, HTTP, httpCheck(srv.URL, tc.s))
			obs := probe(t, p, 5*time.Second, Env{}, srv.URL)
			outcome := status.Up
			if tc.want != "" {
				outcome = status.Down
				if !strings.Contains(obs.Detail, fmt.Sprintf("%d bytes read", defaultMaxBody)) {
					t.Errorf("detail %q: want %d bytes read", obs.Detail, defaultMaxBody)
				}
			}
			want(t, obs, outcome, tc.want)
			// The server wrote until the closed connection stopped it; what
			// it got out is the cap plus the socket buffers, far from all.
			n := await(t, written)
			t.Logf("server wrote %d bytes", n)
			if n >= huge/2 {
				t.Errorf("server wrote %d bytes: the probe read the whole body", n)
			}
		})
	}
}

// A server that sends a byte every 100ms forever, or nothing at all, ends
// as a timeout at the check's timeout.
func TestHTTPTimeouts(t *testing.T) {
	drip := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			w.Write([]byte("."))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	})
	hang := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	tests := []struct {
		name string
		h    http.Handler
		s    *config.HTTP
	}{
		{"slow drip with a body condition", drip, &config.HTTP{BodyContains: "done"}},
		{"slow drip without one", drip, nil},
		{"no response", hang, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startHTTP(t, tc.h)
			chk := httpCheck(srv.URL, tc.s)
			chk.Timeout = config.Duration(500 * time.Millisecond)
			p := newProbe(t, HTTP, chk)
			// The caller allows a little more: the check's timeout must end it.
			want(t, probe(t, p, 600*time.Millisecond, Env{}, srv.URL), status.Down, "timeout after 500ms")
		})
	}
}

func TestHTTPConnectionRefused(t *testing.T) {
	target := "http://" + closedPort(t) + "/"
	obs := probe(t, newProbe(t, HTTP, httpCheck(target, nil)), 2*time.Second, Env{}, target)
	want(t, obs, status.Down, "connection refused")
}

func TestHTTPCertificates(t *testing.T) {
	ca := newTestCA(t)
	ok := reply(200, "ok")
	trusted := &config.TLSClient{CAFile: ca.file}
	tests := []struct {
		name    string
		leaf    leafOpts
		s       *config.HTTP
		outcome status.Level
		reason  string
		// notice is what the operators' notice starts with ("" for none).
		notice string
	}{
		{"trusted", leafOpts{}, &config.HTTP{TLSClient: trusted}, status.Up, "", ""},
		{"expiring soon: operators only", leafOpts{notAfter: inDays(3)}, &config.HTTP{TLSClient: trusted}, status.Up, "", "certificate expires in 3 days: certificate "},
		{"expiring soon, public", leafOpts{notAfter: inDays(3)}, &config.HTTP{TLSClient: trusted, CertExpiryPublic: true}, status.Degraded, "certificate expires in 3 days", ""},
		{"expiry warning window", leafOpts{notAfter: inDays(20)}, &config.HTTP{TLSClient: trusted, CertExpiryDays: 30}, status.Up, "", "certificate expires in 20 days"},
		{"expiry warning window, public", leafOpts{notAfter: inDays(20)}, &config.HTTP{TLSClient: trusted, CertExpiryDays: 30, CertExpiryPublic: true}, status.Degraded, "certificate expires in 20 days", ""},
		{"expiry warning disabled", leafOpts{notAfter: inDays(3)}, &config.HTTP{TLSClient: trusted, CertExpiryDays: -1}, status.Up, "", ""},
		{"untrusted", leafOpts{selfSigned: true}, nil, status.Down, "certificate not trusted", ""},
		{"expired", leafOpts{notAfter: inDays(-2)}, &config.HTTP{TLSClient: trusted}, status.Down, "certificate expired", ""},
		{"expired without verification", leafOpts{notAfter: inDays(-2)}, &config.HTTP{TLSClient: &config.TLSClient{InsecureSkipVerify: true}}, status.Degraded, "certificate expired", ""},
		{"wrong name", leafOpts{names: []string{"other.test"}}, &config.HTTP{TLSClient: trusted}, status.Down, "certificate name mismatch", ""},
		{"server_name", leafOpts{names: []string{"api.test"}}, &config.HTTP{TLSClient: &config.TLSClient{CAFile: ca.file, ServerName: "api.test"}}, status.Up, "", ""},
		{"insecure_skip_verify", leafOpts{selfSigned: true}, &config.HTTP{TLSClient: &config.TLSClient{InsecureSkipVerify: true}}, status.Up, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startTLSHTTP(t, ca.issue(t, tc.leaf), ok)
			p := newProbe(t, HTTP, httpCheck(srv.URL, tc.s))
			obs := probe(t, p, 2*time.Second, Env{}, srv.URL)
			want(t, obs, tc.outcome, tc.reason)
			wantNotice(t, obs, tc.notice)
		})
	}
}

// wantNotice checks the operator notice of obs: none when prefix is
// empty, else one starting with prefix.
func wantNotice(t *testing.T, obs Observation, prefix string) {
	t.Helper()
	if prefix == "" && obs.Notice != "" || !strings.HasPrefix(obs.Notice, prefix) {
		t.Errorf("notice %q, want one starting with %q", obs.Notice, prefix)
	}
}

func TestHTTPConstructorErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name   string
		target string
		s      *config.HTTP
		key    string
	}{
		{"bad regex", "", &config.HTTP{BodyRegex: "(unclosed"}, "http.body_regex"},
		{"bad json path", "", &config.HTTP{JSONPath: "$.a[x]"}, "http.json_path"},
		{"json value without path", "", &config.HTTP{JSONValue: "ok"}, "http.json_value"},
		{"bad status", "", &config.HTTP{ExpectStatus: []int{2000}}, "http.expect_status"},
		{"bad proxy", "", &config.HTTP{ProxyURL: "ftp://proxy:21"}, "http.proxy_url"},
		{"unparsable proxy", "", &config.HTTP{ProxyURL: "http://a b:c"}, "http.proxy_url"},
		{"bad method", "", &config.HTTP{Method: "GET /"}, "http.method"},
		{"bad header", "", &config.HTTP{Headers: map[string]string{"Bad Name": "x"}}, "http.headers"},
		{"negative body cap", "", &config.HTTP{MaxBodyBytes: -1}, "http.max_body_bytes"},
		{"missing password file", "", &config.HTTP{BasicAuth: &config.BasicAuth{Username: "u", PasswordFile: missing}}, "http.basic_auth.password_file"},
		{"password twice", "", &config.HTTP{BasicAuth: &config.BasicAuth{Username: "u", Password: "p", PasswordFile: missing}}, "http.basic_auth"},
		{"token twice", "", &config.HTTP{BearerToken: "t", BearerTokenFile: missing}, "http"},
		{"basic and bearer", "", &config.HTTP{BearerToken: "t", BasicAuth: &config.BasicAuth{Username: "u"}}, "http"},
		{"missing ca file", "", &config.HTTP{TLSClient: &config.TLSClient{CAFile: missing}}, "http.tls.ca_file"},
		{"cert without key", "", &config.HTTP{TLSClient: &config.TLSClient{CertFile: missing}}, "http.tls.cert_file"},
		{"not a URL", "api.example.com/health", nil, "target"},
		{"no host", "http:///health", nil, "target"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := tc.target
			if target == "" {
				target = "http://127.0.0.1/"
			}
			_, err := HTTP(httpCheck(target, tc.s))
			wantErr(t, err, tc.key)
		})
	}
	t.Run("secrets stay out of errors", func(t *testing.T) {
		_, err := HTTP(httpCheck("http://127.0.0.1/", &config.HTTP{ProxyURL: "http://user:hunter2@a b"}))
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("all problems at once", func(t *testing.T) {
		_, err := HTTP(httpCheck("nope", &config.HTTP{BodyRegex: "(", MaxBodyBytes: -1}))
		for _, key := range []string{"target", "http.body_regex", "http.max_body_bytes"} {
			wantErr(t, err, key)
		}
	})
}

func TestHTTPNoSettings(t *testing.T) {
	srv := startHTTP(t, reply(204, ""))
	chk := httpCheck(srv.URL, nil)
	p, err := HTTP(chk) // no timeout, no http table: the ctx governs
	if err != nil {
		t.Fatal(err)
	}
	want(t, probe(t, p, 2*time.Second, Env{}, srv.URL), status.Up, "")
}

func BenchmarkHTTPProbe(b *testing.B) {
	srv := startHTTP(b, reply(200, `{"status":"ok"}`))
	chk := httpCheck(srv.URL, &config.HTTP{ExpectStatus: []int{200}})
	chk.Timeout = config.Duration(5 * time.Second)
	p, err := HTTP(chk)
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	env := Env{Zone: "bench"}
	b.ReportAllocs()
	for b.Loop() {
		if obs := p(ctx, env); obs.Outcome != status.Up {
			b.Fatalf("%s %s", obs.Reason, obs.Detail)
		}
	}
}
