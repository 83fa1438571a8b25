package probes

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

// podTargets are HTTP servers on 127.0.0.1, .2, ... all on one port, as
// the pods behind one service are; each can be broken on its own.
type podTargets struct {
	port   int
	broken []*atomic.Bool
}

func startPods(t *testing.T, n int) *podTargets {
	t.Helper()
	for attempt := 0; attempt < 5; attempt++ {
		if p, ok := tryStartPods(t, n); ok {
			return p
		}
	}
	t.Fatal("no port free on every loopback address")
	return nil
}

func tryStartPods(t *testing.T, n int) (*podTargets, bool) {
	first, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &podTargets{port: first.Addr().(*net.TCPAddr).Port}
	lns := []net.Listener{first}
	for i := 2; i <= n; i++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:%d", i, p.port))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, false
		}
		lns = append(lns, ln)
	}
	for _, ln := range lns {
		broken := &atomic.Bool{}
		p.broken = append(p.broken, broken)
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if broken.Load() {
				http.Error(w, "crashed", http.StatusBadGateway)
				return
			}
			w.Write([]byte("ok"))
		}))
		srv.Listener = ln
		srv.Start()
		t.Cleanup(srv.Close)
	}
	return p, true
}

// startMutableDNS is startDNS whose zone can change between queries.
func startMutableDNS(t *testing.T, zone func() dnsZone) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := zone().answer(buf[:n]); resp != nil {
				_, _ = pc.WriteTo(resp, addr)
			}
		}
	})
	t.Cleanup(func() { pc.Close(); wg.Wait() })
	return pc.LocalAddr().String()
}

// recorder collects the per-pod results of one run.
type recorder struct {
	mu      sync.Mutex
	results []status.Result
}

func (r *recorder) record(res status.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, res)
}

func (r *recorder) take() map[string]status.Level {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]status.Level{}
	for _, res := range r.results {
		out[res.Instance] = res.Outcome
	}
	r.results = nil
	return out
}

func podsCheck(t *testing.T, target string, pods *config.Pods) Prober {
	t.Helper()
	chk := &config.Check{Name: "api-pods", Kind: "http", Target: target, Timeout: config.Duration(2 * time.Second), HTTP: &config.HTTP{}, Pods: pods}
	p, err := Prepare(chk)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPodsFromDNS(t *testing.T) {
	pods := startPods(t, 4)
	var mu sync.Mutex
	answers := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}
	dns := startMutableDNS(t, func() dnsZone {
		mu.Lock()
		defer mu.Unlock()
		return dnsZone{a: map[string][]string{"api-headless.prod.svc.cluster.local.": slices.Clone(answers)}}
	})
	p := podsCheck(t, "http://api.prod.svc/healthz", &config.Pods{DNS: "api-headless.prod.svc.cluster.local", Resolver: dns, Port: pods.port})
	rec := &recorder{}
	run := func() Observation {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return p(ctx, Env{Zone: "eu", Record: rec.record})
	}
	addr := func(i int) string { return fmt.Sprintf("127.0.0.%d:%d", i, pods.port) }

	if o := run(); o.Outcome != status.Up {
		t.Fatalf("all healthy: %+v", o)
	}
	if got := rec.take(); len(got) != 4 || got[addr(3)] != status.Up {
		t.Fatalf("per-pod results: %v", got)
	}
	steps := []struct {
		breakPod int
		outcome  status.Level
		reason   string
	}{
		{1, status.Degraded, "3/4 pods healthy"},
		{2, status.Degraded, "2/4 pods healthy"}, // the default minimum is 50 %
		{3, status.Down, "1/4 pods healthy"},
	}
	for _, s := range steps {
		pods.broken[s.breakPod-1].Store(true)
		o := run()
		if o.Outcome != s.outcome || o.Reason != s.reason {
			t.Fatalf("pod %d broken: %s %q, want %s %q", s.breakPod, o.Outcome, o.Reason, s.outcome, s.reason)
		}
		if got := rec.take(); got[addr(s.breakPod)] != status.Down || got[addr(4)] != status.Up {
			t.Fatalf("per-pod results with pod %d broken: %v", s.breakPod, got)
		}
	}
	// Pods 1-3 leave the service (scaled down, rescheduled): retired, not
	// failed; the one left is healthy.
	mu.Lock()
	answers = []string{"127.0.0.4"}
	mu.Unlock()
	if o := run(); o.Outcome != status.Up {
		t.Fatalf("after the broken pods left discovery: %+v", o)
	}
	if got := rec.take(); len(got) != 1 {
		t.Fatalf("retired pods still probed: %v", got)
	}
	// Nothing left at all is down.
	mu.Lock()
	answers = nil
	mu.Unlock()
	if o := run(); o.Outcome != status.Down {
		t.Fatalf("no pods: %+v", o)
	}
}

func TestPodsStaticWithMinimumCount(t *testing.T) {
	pods := startPods(t, 3)
	var list []string
	for i := 1; i <= 3; i++ {
		list = append(list, fmt.Sprintf("127.0.0.%d", i))
	}
	p := podsCheck(t, fmt.Sprintf("http://api.internal:%d/", pods.port), &config.Pods{Static: list, MinHealthy: "3"})
	pods.broken[0].Store(true)
	o := p(context.Background(), Env{Zone: "eu"})
	if o.Outcome != status.Down || o.Reason != "2/3 pods healthy" || !strings.Contains(o.Detail, "HTTP 502") {
		t.Fatalf("below a minimum count of 3: %+v", o)
	}
}

// fakeKubeAPI serves the recorded EndpointSlice list, its port 8080
// rewritten to the test pods' port, to requests with the right token.
func fakeKubeAPI(t *testing.T, port int, token string) *httptest.Server {
	t.Helper()
	body, err := os.ReadFile("testdata/endpointslices.json")
	if err != nil {
		t.Fatal(err)
	}
	body = []byte(strings.ReplaceAll(string(body), `"port": 8080`, fmt.Sprintf(`"port": %d`, port)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != "Bearer "+token:
			http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}`, http.StatusUnauthorized)
		case r.URL.Path != "/apis/discovery.k8s.io/v1/namespaces/prod/endpointslices" ||
			r.URL.Query().Get("labelSelector") != "kubernetes.io/service-name=api":
			http.Error(w, `{"kind":"Status","status":"Failure","reason":"NotFound","code":404}`, http.StatusNotFound)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPodsFromKubernetes(t *testing.T) {
	pods := startPods(t, 3)
	api := fakeKubeAPI(t, pods.port, "sa-token")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("sa-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// 127.0.0.3 is the pod that is not ready (crashed): a member that
	// fails. The terminating pod is retired and not probed.
	pods.broken[2].Store(true)
	k := &config.Kubernetes{Namespace: "prod", Service: "api", APIServer: api.URL, TokenFile: tokenFile}
	p := podsCheck(t, "http://api.prod.svc/healthz", &config.Pods{Kubernetes: k})
	rec := &recorder{}
	o := p(context.Background(), Env{Zone: "eu", Record: rec.record})
	if o.Outcome != status.Degraded || o.Reason != "2/3 pods healthy" {
		t.Fatalf("one crashed pod of three: %+v", o)
	}
	got := rec.take()
	want := map[string]status.Level{"api-6d5f8c9b7-4xq2m": status.Up, "api-6d5f8c9b7-9lmzt": status.Up, "api-6d5f8c9b7-crash": status.Down}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("per-pod results %v, want %v", got, want)
	}
	// A token the API server refuses is a discovery failure, said so.
	os.WriteFile(tokenFile, []byte("expired"), 0o600)
	o = p(context.Background(), Env{Zone: "eu"})
	if o.Outcome != status.Down || o.Reason != "pod discovery failed" || !strings.Contains(o.Detail, "HTTP 401") {
		t.Fatalf("refused token: %+v", o)
	}
}
