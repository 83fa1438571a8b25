package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestClusterDefaults: without [cluster] a node runs alone; with it on
// PostgreSQL the node is named after the host and the lease is 10s.
func TestClusterDefaults(t *testing.T) {
	if c := parse(t, "").Cluster; c.Enabled || c.Lease.D() != 10*time.Second {
		t.Errorf("default cluster %+v, want off with a 10s lease", c)
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "pg.dsn"), "host=db user=ampel dbname=ampel\n")
	src := "[storage]\ndriver = \"postgres\"\ndsn_file = \"pg.dsn\"\n\n[backup]\nenabled = false\n\n[cluster]\nenabled = true\n"
	cfg, err := Parse(filepath.Join(dir, "c.toml"), []byte(src), kinds)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if c := cfg.Cluster; !c.Enabled || c.Node != host || c.Lease.D() != 10*time.Second {
		t.Errorf("cluster %+v, want enabled, node %q, lease 10s", c, host)
	}
	cfg, err = Parse(filepath.Join(dir, "c.toml"), []byte(src+"node = \"b\"\nlease = \"30s\"\n"), kinds)
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Cluster; c.Node != "b" || c.Lease.D() != 30*time.Second {
		t.Errorf("cluster %+v, want node b, lease 30s", c)
	}
}
