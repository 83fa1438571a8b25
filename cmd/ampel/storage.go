package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/store"
)

// checkStorage judges what only the store can: the shape of a PostgreSQL
// DSN, without connecting. Its mistake is a config problem at
// storage.dsn_file's line, and never quotes the DSN.
func checkStorage(cfg *config.Config) error {
	if !cfg.Storage.Postgres() {
		return nil
	}
	if err := store.CheckPostgresDSN(string(cfg.Storage.DSN)); err != nil {
		return config.Problems{cfg.Problem("storage.dsn_file", err.Error())}
	}
	return nil
}

// postgresOptions sizes the PostgreSQL pool: storage.max_open_conns is
// every connection of the process, the writer's included.
// In a cluster, a write session stuck in a transaction (a leader cut off
// mid-write) is ended after half the lease, releasing the lease row's
// lock the next leader's takeover waits for.
func postgresOptions(cfg *config.Config) store.PostgresOptions {
	o := store.PostgresOptions{MaxReadConns: cfg.Storage.MaxOpenConns - 1}
	if cfg.Cluster.Enabled {
		o.IdleInTransaction = cfg.Cluster.Lease.D() / 2
	}
	return o
}

// openHistory opens the configured history for a command other than
// serve (token, user): the SQLite file, or the PostgreSQL database.
func openHistory(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	if cfg.Storage.Postgres() {
		return openPostgres(ctx, cfg)
	}
	return store.Open(ctx, cfg.Storage.Path)
}

// openPostgres connects to the configured PostgreSQL database; its error
// names the DSN file (never its content) and why the server could not be
// used.
func openPostgres(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	dsn := string(cfg.Storage.DSN)
	st, err := store.OpenPostgres(ctx, dsn, postgresOptions(cfg))
	if err != nil {
		where := fmt.Sprintf("cannot use the PostgreSQL database %s (storage.dsn_file %s)", store.PostgresTarget(dsn), cfg.Storage.DSNFile)
		if why := store.PostgresProblem(err); why != "" {
			return nil, fmt.Errorf("%s: %s: %w", where, why, err)
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return st, nil
}

// servePostgres opens the history of ampel serve on PostgreSQL. There is
// no lock file and no file check: the server guards its own data, and no
// file of Ampel's is written besides the .eml mail folder.
func servePostgres(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*store.Store, func() error, error) {
	logger.Info("connecting to postgresql", "db", store.PostgresTarget(string(cfg.Storage.DSN)))
	st, err := openPostgres(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return st, st.Close, nil
}

// historyName is where the history lives, for logs: the SQLite file, or
// the PostgreSQL server and database without the password.
func historyName(cfg *config.Config) string {
	if cfg.Storage.Postgres() {
		return store.PostgresTarget(string(cfg.Storage.DSN))
	}
	return cfg.Storage.Path
}

// refusePostgresBackup reports, for ampel backup and restore, that a
// PostgreSQL history is not theirs to copy. ok is false when it did.
func refusePostgresBackup(cmd string, cfg *config.Config, stderr io.Writer) (ok bool) {
	if !cfg.Storage.Postgres() {
		return true
	}
	fmt.Fprintf(stderr, "ampel %s: the history is on PostgreSQL (storage.driver = \"postgres\" in %s); Ampel's snapshots are for SQLite: %s\n",
		cmd, cfg.Path, config.PostgresBackups)
	return false
}
