package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestStorageDefaults: a file without [storage] keeps SQLite, and
// driver = "postgres" reads its DSN from the file next to the config,
// with the pool's defaults, and never shows it.
func TestStorageDefaults(t *testing.T) {
	cfg := parse(t, "")
	if s := cfg.Storage; s.Driver != DriverSQLite || s.Postgres() || !filepath.IsAbs(s.Path) || s.DSN != "" {
		t.Errorf("default storage %+v, want sqlite at an absolute path", s)
	}

	dir := t.TempDir()
	write(t, filepath.Join(dir, "pg.dsn"), "host=db user=ampel password=hunter2 dbname=ampel\n")
	cfg, err := Parse(filepath.Join(dir, "c.toml"), []byte("[storage]\ndriver = \"postgres\"\ndsn_file = \"pg.dsn\"\n\n[backup]\nenabled = false\n"), kinds)
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Storage
	if !s.Postgres() || s.DSNFile != filepath.Join(dir, "pg.dsn") || s.MaxOpenConns != 10 {
		t.Errorf("postgres storage %+v", s)
	}
	if string(s.DSN) != "host=db user=ampel password=hunter2 dbname=ampel" {
		t.Errorf("DSN read as %q", string(s.DSN))
	}
	if out := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(out, "hunter2") {
		t.Errorf("the DSN's password prints: %s", out)
	}
}
