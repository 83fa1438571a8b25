package cluster_test

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/clustertest"
)

// TestSIGTERMDrainsReadyFirst stops a node with SIGTERM: it answers
// /readyz with 503 at once, so a load balancer takes it out, while it
// still serves pages through [cluster] drain (5 s by default); then it
// exits cleanly.
func TestSIGTERMDrainsReadyFirst(t *testing.T) {
	target, _ := countingTarget(t)
	c, st := startCluster(t, clustertest.Options{Config: clustertest.OneCheckConfig("Failover", target)})
	leader, _ := waitLeader(t, c, st, 0)
	var n *clustertest.Node
	for _, x := range c.Nodes {
		if x != leader {
			n = x
		}
	}
	if !ready(n) {
		t.Fatalf("%s not ready before the stop", n.Name)
	}
	if err := n.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	for deadline := stopped.Add(2 * time.Second); ready(n); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s still ready 2 s after SIGTERM", n.Name)
		}
	}
	unready := time.Since(stopped)
	// Draining, it still serves: requests the balancer sent before it
	// noticed are answered.
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(n.URL() + "/api/v2/components.json")
	if err != nil {
		t.Fatalf("components.json while draining: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("components.json while draining: %d", resp.StatusCode)
	}
	select {
	case <-n.Exited():
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not exit after SIGTERM", n.Name)
	}
	if took := time.Since(stopped); took < 5*time.Second {
		t.Errorf("%s exited %s after SIGTERM, before its 5 s drain", n.Name, took.Round(time.Millisecond))
	}
	t.Logf("/readyz 503 after %s; exited after %s", unready.Round(time.Millisecond), time.Since(stopped).Round(time.Millisecond))
}
