package config

import (
	"strings"
	"time"
)

// Storage drivers: the embedded SQLite file (the default), or a
// PostgreSQL server named by a DSN file.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Storage is where history lives.
type Storage struct {
	// Driver is "sqlite" (default) or "postgres".
	Driver string `toml:"driver"`
	// Path of the SQLite database, relative to the config file's folder.
	// With driver "postgres" its folder still holds the .eml mail folder
	// when there is no [smtp].
	Path string `toml:"path"`
	// Retention of raw results; state changes and rollups are kept.
	Retention Duration `toml:"retention"`

	// DSNFile (driver "postgres") holds a libpq connection URL or key/value
	// DSN, password included; it is read at start into DSN, so that the
	// password is never written in the config itself.
	DSNFile string `toml:"dsn_file"`
	DSN     Secret `toml:"-"`
	// MaxOpenConns caps the connections one ampel serve opens to
	// PostgreSQL (default 10): one for writes, the others for queries.
	MaxOpenConns int `toml:"max_open_conns"`
}

// Postgres reports whether the history lives on a PostgreSQL server.
func (s Storage) Postgres() bool { return s.Driver == DriverPostgres }

func defaultStorage() Storage {
	return Storage{
		Driver: DriverSQLite, Path: "data/ampel.db", Retention: Duration(30 * day),
		MaxOpenConns: 10,
	}
}

// postgresOnly are the [storage] keys that only driver "postgres" reads.
var postgresOnly = []string{"dsn_file", "max_open_conns"}

// completeStorage resolves the database path and, for PostgreSQL, reads
// the DSN file.
func (v *checker) completeStorage(c *Config) {
	s := &c.Storage
	if p := s.Path; p != ":memory:" && !strings.HasPrefix(p, "file:") {
		s.Path = resolve(c.Dir, p)
	}
	s.DSNFile = resolve(c.Dir, s.DSNFile)
	if !s.Postgres() || s.DSNFile == "" {
		return
	}
	dsn, err := ReadSecretFile(s.DSNFile)
	if err != nil {
		v.addf("storage.dsn_file", "%v", err)
		return
	}
	s.DSN = dsn
}

func (v *checker) storage(s *Storage) {
	if v.durationKey("storage.retention") && s.Retention.D() < time.Hour {
		v.addf("storage.retention", "must be at least 1h, got %s", s.Retention)
	}
	switch s.Driver {
	case DriverSQLite:
		if s.Path == "" {
			v.addf("storage.path", "must not be empty")
		}
		for _, k := range postgresOnly {
			if v.set("storage." + k) {
				v.addf("storage."+k, `only for driver = "postgres"`)
			}
		}
	case DriverPostgres:
		if v.set("storage.path") {
			v.addf("storage.path", `only for driver = "sqlite" (with "postgres", dsn_file names the database)`)
		}
		if s.DSNFile == "" {
			v.addf("storage.dsn_file", `required with driver = "postgres": a file holding the connection string, such as "postgres://ampel:PASSWORD@db.example.com:5432/ampel" (the password never goes in the config)`)
		}
		if s.MaxOpenConns < 2 || s.MaxOpenConns > 1000 {
			v.addf("storage.max_open_conns", "must be between 2 and 1000 (one connection writes, the others read), got %d", s.MaxOpenConns)
		}
	default:
		v.addf("storage.driver", `must be "sqlite" or "postgres", got %q`, s.Driver)
	}
}
