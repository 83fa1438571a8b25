package config

import (
	"os"
	"strings"
	"time"
)

// Cluster runs several ampel serve nodes on one PostgreSQL database: one
// leads (probes, writes results, sends mail), every one serves. See
// docs/cluster.md.
type Cluster struct {
	// Enabled turns cluster mode on; it requires storage.driver
	// "postgres".
	Enabled bool `toml:"enabled"`
	// Node names this node among the others (default: the host name).
	// Two live nodes must not share a name.
	Node string `toml:"node"`
	// Lease is how long a leader's term lasts without a renewal, judged
	// by the database's clock (default 10s); the leader renews every
	// third of it and steps down before it can expire. It bounds how long
	// a dead leader's duties stay undone.
	Lease Duration `toml:"lease"`
	// Drain is how long a stopping node answers /readyz with 503 while
	// still serving, before it stops: the load balancer's health checks
	// must notice within it (default 5s).
	Drain Duration `toml:"drain"`
}

func defaultCluster() Cluster {
	return Cluster{Lease: Duration(10 * time.Second), Drain: Duration(5 * time.Second)}
}

// completeCluster names the node after the host when the file does not.
func (v *checker) completeCluster(c *Cluster) {
	if c.Node == "" {
		if host, err := os.Hostname(); err == nil {
			c.Node = host
		}
	}
}

func (v *checker) cluster(c *Cluster, driver string) {
	if !v.set("cluster") {
		return
	}
	if c.Enabled && driver != DriverPostgres {
		v.addf("cluster.enabled", `cluster mode needs storage.driver = "postgres" (the nodes share one PostgreSQL database), got %q`, driver)
	}
	if c.Enabled && c.Node == "" {
		v.addf("cluster.node", "must name this node (the host name could not be read)")
	}
	if len(c.Node) > 100 || strings.ContainsFunc(c.Node, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		v.addf("cluster.node", "must be at most 100 printable characters")
	}
	if v.durationKey("cluster.lease") && (c.Lease.D() < 3*time.Second || c.Lease.D() > 5*time.Minute) {
		v.addf("cluster.lease", "must be between 3s and 5m, got %s", c.Lease)
	}
	if v.durationKey("cluster.drain") && (c.Drain.D() < 0 || c.Drain.D() > time.Minute) {
		v.addf("cluster.drain", "must be between 0s and 1m, got %s", c.Drain)
	}
}
