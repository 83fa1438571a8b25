package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/clustertest"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

// lease is the shortest a config allows: the tests wait for it.
const lease = 3 * time.Second

// countingTarget answers 200 and counts the probes it answered.
func countingTarget(t *testing.T) (string, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// startCluster starts three nodes and waits until they serve and one
// leads.
func startCluster(t *testing.T, opts clustertest.Options) (*clustertest.Cluster, *store.Store) {
	t.Helper()
	opts.Nodes, opts.Cluster, opts.Lease = 3, true, lease
	opts.Server = `shutdown_timeout = "3s"`
	c := clustertest.New(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenPostgres(ctx, c.DSN, store.PostgresOptions{MaxReadConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	waitLeader(t, c, st, 0)
	return c, st
}

// waitLeader waits until a node other than the one holding term after
// leads a newer term, by the lease row and by that node's own metrics,
// and returns it with its term.
func waitLeader(t *testing.T, c *clustertest.Cluster, st *store.Store, after int64) (*clustertest.Node, store.Lease) {
	t.Helper()
	deadline := time.Now().Add(4 * lease)
	for time.Now().Before(deadline) {
		l, err := st.ReadLease(context.Background())
		if err == nil && l.Epoch > after && l.Expires.After(l.Now) {
			if n := c.Node(l.Holder); n != nil && n.Running() && role(n) == 1 {
				return n, l
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no node leads a term after %d within %s", after, 4*lease)
	return nil, store.Lease{}
}

var roleLine = regexp.MustCompile(`(?m)^ampel_cluster_role\{node="[^"]*"\} (\d+)`)

// role is the node's ampel_cluster_role, -1 when it does not answer.
func role(n *clustertest.Node) int {
	v := metric(n, roleLine)
	if v < 0 {
		return -1
	}
	return int(v)
}

// metric reads one value from the node's /metrics; -1 when it cannot.
func metric(n *clustertest.Node, re *regexp.Regexp) float64 {
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(n.URL() + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := re.FindSubmatch(b)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		return -1
	}
	return v
}

// componentStatus is the status components.json on n gives api; "" when
// it does not answer.
func componentStatus(n *clustertest.Node) string {
	client := http.Client{Timeout: time.Second}
	resp, err := client.Get(n.URL() + "/api/v2/components.json")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var body struct {
		Components []struct{ ID, Status string } `json:"components"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Components) == 0 {
		return ""
	}
	return body.Components[0].Status
}

// watchNodes reads, every 50 ms until stop, components.json on every
// node that answers /readyz (a load balancer would send it requests),
// leader or follower, and collects what is not operational.
func watchNodes(c *clustertest.Cluster) (stop func() []string) {
	var mu sync.Mutex
	var bad []string
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			for _, n := range c.Nodes {
				if !n.Running() || !ready(n) {
					continue
				}
				if s := componentStatus(n); s != "operational" && s != "" {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("%s (role %d): %s at %s %s", n.Name, role(n), s, time.Now().Format("15:04:05.000"), debugBody(n)))
					mu.Unlock()
				}
			}
		}
	}()
	return func() []string {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return bad
	}
}

// ready reports whether n answers /readyz with 200.
func ready(n *clustertest.Node) bool {
	client := http.Client{Timeout: time.Second}
	resp, err := client.Get(n.URL() + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestFailoverAfterSIGKILL kills the leader without warning, three times:
// another node leads within the lease, the component shows operational
// on every ready node, leader or follower, throughout, its history has no other level than up and
// the gap's no data, and no committed result is lost.
func TestFailoverAfterSIGKILL(t *testing.T) {
	target, answered := countingTarget(t)
	c, st := startCluster(t, clustertest.Options{Config: clustertest.OneCheckConfig("Failover", target)})
	ctx := context.Background()
	leader, l := waitLeader(t, c, st, 0)
	waitUp(t, leader)
	stopWatch := watchNodes(c)

	var took []time.Duration
	for range 3 {
		if err := leader.Kill(); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		next, nl := waitLeader(t, c, st, l.Epoch)
		took = append(took, time.Since(killed))
		if next == leader {
			t.Fatalf("the killed node %s leads", next.Name)
		}
		if err := leader.Start(); err != nil { // back as a follower
			t.Fatal(err)
		}
		waitUp(t, next)
		leader, l = next, nl
	}
	if bad := stopWatch(); len(bad) > 0 {
		t.Errorf("a ready node's components.json left operational:\n%s", strings.Join(bad, "\n"))
	}
	slices.Sort(took)
	t.Logf("failover after SIGKILL (lease %s): median %s, max %s, all %v", lease, took[len(took)/2].Round(time.Millisecond),
		took[len(took)-1].Round(time.Millisecond), took)
	for _, d := range took {
		// The term runs out at most a lease after the kill; a node tries
		// just after it expires; a second for a loaded machine.
		if d > lease+time.Second {
			t.Errorf("failover took %s, want within the lease (%s)", d, lease)
		}
	}

	changes, err := st.Changes(ctx, status.Component, "api", time.Time{}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		if ch.To != status.Up && ch.To != status.NoData {
			t.Errorf("api went %s at %s (%s): the failovers changed its state", ch.To, ch.At, ch.Cause)
		}
	}
	stored, err := st.CountResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A killed leader loses what it had not committed (at most its last
	// ~100 ms batch and the probes in flight): each kill may lose one.
	if lost := answered.Load() - stored; lost > 3 {
		t.Errorf("%d probes answered, %d results stored: %d lost to 3 kills", answered.Load(), stored, lost)
	}
}

// waitUp waits until n's components.json shows api operational from a
// probe of its own (the metrics say up only after one).
func waitUp(t *testing.T, n *clustertest.Node) {
	t.Helper()
	up := regexp.MustCompile(`(?m)^ampel_component_status\{component="api",status="up"\} (\d+)`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if metric(n, up) == 1 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never observed api up", n.Name)
}

var fencedLine = regexp.MustCompile(`(?m)^ampel_cluster_fenced_results_total (\d+)`)

// TestPartitionedLeaderStepsDown cuts the leader off PostgreSQL (its
// proxy holds every byte, as a silent network does): it stops leading
// before its lease can expire, another node leads the next term, and
// once the link is back the deposed leader's queued writes are refused,
// not stored beside the new leader's. One node leads afterwards.
func TestPartitionedLeaderStepsDown(t *testing.T) {
	target, _ := countingTarget(t)
	c, st := startCluster(t, clustertest.Options{Config: clustertest.OneCheckConfig("Failover", target), PGProxy: true})
	ctx := context.Background()
	old, l := waitLeader(t, c, st, 0)
	waitUp(t, old)

	old.PGProxy.Pause()
	paused := time.Now()
	// The old leader renews no more: its term ends when its last
	// renewal says, by the database's clock (this machine's).
	cut, err := st.ReadLease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cut.Holder != old.Name || cut.Epoch != l.Epoch {
		t.Fatalf("lease %+v right after the cut, want %s's term %d", cut, old.Name, l.Epoch)
	}
	var steppedDown time.Time
	for deadline := time.Now().Add(2 * lease); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if role(old) == 0 {
			steppedDown = loggedAt(t, old.Log(), "cluster: stepping down")
			break
		}
	}
	if steppedDown.IsZero() {
		t.Fatalf("%s still leads %s after its link to the database was cut", old.Name, 2*lease)
	}
	if !steppedDown.Before(cut.Expires) {
		t.Errorf("%s stepped down at %s, after its term expired at %s", old.Name,
			steppedDown.Format("15:04:05.000"), cut.Expires.Format("15:04:05.000"))
	}
	next, nl := waitLeader(t, c, st, l.Epoch)
	t.Logf("cut at %s; %s stepped down after %s (its term ran %s more); %s leads term %d after %s",
		paused.Format("15:04:05.000"), old.Name, steppedDown.Sub(paused).Round(time.Millisecond),
		cut.Expires.Sub(steppedDown).Round(time.Millisecond), next.Name, nl.Epoch, time.Since(paused).Round(time.Millisecond))

	old.PGProxy.Resume()
	// The results the old leader probed after the cut were for its ended
	// term: refused when its writer gets through.
	var fenced float64
	for deadline := time.Now().Add(4 * lease); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if fenced = metric(old, fencedLine); fenced > 0 {
			break
		}
	}
	if fenced <= 0 {
		t.Errorf("%s refused no result of its ended term (fenced %v)", old.Name, fenced)
	}
	// One probe a second from one leader: two leaders writing would
	// store about two a second over the cut.
	from, to := paused.Add(-time.Second), time.Now()
	rs, err := st.Results(ctx, "api-health", from, to, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if max := int(to.Sub(from)/time.Second) + 2; len(rs) > max {
		t.Errorf("%d results stored over %s around the cut, want at most %d: two leaders wrote", len(rs), to.Sub(from).Round(time.Second), max)
	}
	leaders := 0
	for _, n := range c.Nodes {
		if role(n) == 1 {
			leaders++
		}
	}
	if leaders != 1 || role(next) != 1 {
		t.Errorf("%d nodes lead after the link is back, want only %s", leaders, next.Name)
	}
}

// loggedAt is the time of the node's last log line with msg.
func loggedAt(t *testing.T, log, msg string) time.Time {
	t.Helper()
	re := regexp.MustCompile(`time=(\S+) level=\w+ msg="` + regexp.QuoteMeta(msg) + `"`)
	m := re.FindAllStringSubmatch(log, -1)
	if m == nil {
		t.Fatalf("no %q in the log:\n%s", msg, log)
	}
	at, err := time.Parse(time.RFC3339Nano, m[len(m)-1][1])
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// debugBody is n's whole components.json, for a failure's message.
func debugBody(n *clustertest.Node) string {
	resp, err := http.Get(n.URL() + "/api/v2/components.json")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
