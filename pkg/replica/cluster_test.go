package replica

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
	"sync/atomic"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/clustertest"
	"github.com/ampelstatus/ampel/store"
)

// nodesConfig: one component probed every second from the local zone
// against target, and one fed by agents of the remote zone edge.
func nodesConfig(target string) string {
	return fmt.Sprintf(`
[site]
title = "Cluster"
timezone = "UTC"

[[zones]]
name = "local"
kind = "local"

[[zones]]
name = "edge"
kind = "remote"

[[components]]
slug = "api"
name = "API"

  [[components.checks]]
  name = "api-health"
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
  failures_to_down = 1
  zones = ["local"]

[[components]]
slug = "web"
name = "Web"

  [[components.checks]]
  name = "web-edge"
  kind = "http"
  target = %q
  interval = "1s"
  timeout = "1s"
  zones = ["edge"]
`, target, target)
}

// flipping answers 200, or 503 while failing is set.
func flipping(t *testing.T) (string, *atomic.Bool) {
	var failing atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &failing
}

var roleLine = regexp.MustCompile(`(?m)^ampel_cluster_role\{node="[^"]*"\} (\d+)`)

func leads(n *clustertest.Node) bool {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(n.URL() + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := roleLine.FindSubmatch(b)
	return m != nil && string(m[1]) == "1"
}

// statusOf is what components.json on n says of slug; "" when it does
// not answer.
func statusOf(n *clustertest.Node, slug string) string {
	client := http.Client{Timeout: time.Second}
	resp, err := client.Get(n.URL() + "/api/v2/components.json")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var body struct {
		Components []struct{ ID, Status string } `json:"components"`
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil {
		return ""
	}
	for _, c := range body.Components {
		if c.ID == slug {
			return c.Status
		}
	}
	return ""
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Three ampel serve processes in a cluster on one PostgreSQL. Every
// follower's page shows each change of the leader's, within a second in
// the median (one may take longer on a loaded machine); an
// agent pushing to a follower has its results applied by the leader; a
// stranger's wrong tokens spread over the nodes meet the limit once.
func TestClusterFollowersServeAndAccept(t *testing.T) {
	target, failing := flipping(t)
	c := clustertest.New(t, clustertest.Options{Nodes: 3, Cluster: true, Lease: 3 * time.Second,
		Config: nodesConfig(target), Server: `shutdown_timeout = "3s"`})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	var leader *clustertest.Node
	waitFor(t, 15*time.Second, "a leader", func() bool {
		for _, n := range c.Nodes {
			if leads(n) {
				leader = n
				return true
			}
		}
		return false
	})
	var followers []*clustertest.Node
	for _, n := range c.Nodes {
		if n != leader {
			followers = append(followers, n)
		}
	}
	for _, n := range c.Nodes {
		waitFor(t, 15*time.Second, n.Name+" shows api operational", func() bool { return statusOf(n, "api") == "operational" })
	}

	// The follower lag, as pages show it: from the leader's page showing
	// a change to each follower's.
	var lags []time.Duration
	for i := range 6 {
		failing.Store(i%2 == 0)
		want := "major_outage"
		if i%2 == 1 {
			want = "operational"
		}
		waitFor(t, 10*time.Second, "the leader shows api "+want, func() bool { return statusOf(leader, "api") == want })
		seen := time.Now()
		for _, f := range followers {
			waitFor(t, 10*time.Second, f.Name+" shows api "+want, func() bool { return statusOf(f, "api") == want })
			lags = append(lags, time.Since(seen))
		}
	}
	slices.Sort(lags)
	t.Logf("follower pages show the leader's change after: median %s, max %s (%d observations)", lags[len(lags)/2], lags[len(lags)-1], len(lags))
	if lags[len(lags)/2] > time.Second {
		t.Errorf("followers' pages trail the leader's by %s in the median, want at most 1s", lags[len(lags)/2])
	}

	// An agent of zone edge pushes to a follower only: the leader applies
	// what it stored, and every node shows web.
	out, err := c.Run("", "token", "create", "--config", leader.ConfigPath(), "--zone", "edge", "--name", "edge-agents")
	if err != nil {
		t.Fatalf("token create: %v %s", err, out)
	}
	failing.Store(false)
	if _, err := c.StartAgent("edge", strings.TrimSpace(out), followers[0].URL()); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes {
		waitFor(t, 20*time.Second, n.Name+" shows web operational from the agent's results", func() bool { return statusOf(n, "web") == "operational" })
	}
	st, err := store.OpenPostgres(ctx, c.DSN, store.PostgresOptions{MaxReadConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waitFor(t, 10*time.Second, "the inbox applied", func() bool {
		pending, err := st.PendingInbox(ctx, 10)
		return err == nil && len(pending) == 0
	})

	// Wrong agent tokens from one address, spread over the three nodes:
	// 20 are told 401 in the minute, not 60.
	unauthorized := 0
	began := time.Now().UTC()
	for i := range 45 {
		req, _ := http.NewRequest(http.MethodGet, c.Nodes[i%3].URL()+"/api/v1/agent/checks", nil)
		req.Header.Set("Authorization", "Bearer ampel_zone_wrong"+strconv.Itoa(i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			unauthorized++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("wrong token %d: %d", i, resp.StatusCode)
		}
	}
	// The windows are whole minutes: a run across the turn of one may
	// count in two.
	want := 20
	if !began.Truncate(time.Minute).Equal(time.Now().UTC().Truncate(time.Minute)) {
		want = 40
	}
	if unauthorized < 20 || unauthorized > want {
		t.Errorf("%d wrong tokens told 401 over three nodes, want the limit, 20 (a minute's), not 20 per node", unauthorized)
	}
}
