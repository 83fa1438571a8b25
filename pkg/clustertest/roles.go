package clustertest

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Role reads the node's ampel_cluster_role from its /metrics (the harness
// is loopback, which /metrics serves): 1 leads, 0 follows. ok is false
// when the node does not answer or shows no role.
func (n *Node) Role() (role int, ok bool) {
	v, ok := n.Metric("ampel_cluster_role")
	return int(v), ok
}

// Metric reads one sample of the node's /metrics: the first line whose
// name (before any labels) is name. ok is false when there is none.
func (n *Node) Metric(name string) (float64, bool) {
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(n.URL() + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, false
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if !strings.HasPrefix(rest, " ") && !strings.HasPrefix(rest, "{") {
			continue
		}
		fields := strings.Fields(rest[strings.LastIndex(rest, "}")+1:])
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		return v, true
	}
	return 0, false
}

// Leaders returns the running nodes that say they lead.
func (c *Cluster) Leaders() []*Node {
	var leaders []*Node
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		if role, ok := n.Role(); ok && role == 1 {
			leaders = append(leaders, n)
		}
	}
	return leaders
}

// WaitLeader waits until exactly one running node other than the ones in
// not says it leads, and returns it.
func (c *Cluster) WaitLeader(ctx context.Context, not ...*Node) (*Node, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		leaders := c.Leaders()
		if len(leaders) == 1 && !contains(not, leaders[0]) {
			return leaders[0], nil
		}
		select {
		case <-ctx.Done():
			var names []string
			for _, l := range leaders {
				names = append(names, l.Name)
			}
			return nil, fmt.Errorf("clustertest: no single new leader (leading: %v): %w", names, ctx.Err())
		case <-tick.C:
		}
	}
}

func contains(nodes []*Node, n *Node) bool {
	for _, m := range nodes {
		if m == n {
			return true
		}
	}
	return false
}
