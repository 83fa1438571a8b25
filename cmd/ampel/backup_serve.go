package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ampelstatus/ampel/pkg/backup"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/store"
)

// openStore opens the history for ampel serve: it takes the database's
// lock (one server per database; restore waits for it), refuses files a
// crash or an operator left inconsistent and a database quick_check finds
// damaged, each with the snapshot to restore, and marks the database in
// use. closeStore closes it and, when that succeeded, records a clean
// stop.
func openStore(ctx context.Context, cfg *config.Config, logger *slog.Logger) (st *store.Store, closeStore func() error, err error) {
	if cfg.Storage.Postgres() {
		return servePostgres(ctx, cfg, logger)
	}
	db := cfg.Storage.Path
	if err := os.MkdirAll(filepath.Dir(db), 0o750); err != nil {
		return nil, nil, fmt.Errorf("store: create folder: %w", err)
	}
	lock, err := store.AcquireLock(db)
	if errors.Is(err, store.ErrLocked) {
		return nil, nil, fmt.Errorf("another ampel serve is using the database: %w", err)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := lock.CheckFiles(); err != nil {
		lock.Release()
		return nil, nil, fmt.Errorf("refusing to serve: %w; %s; or, to start anyway and accept what is lost, delete %s", err, restoreHint(cfg), store.LockPath(db))
	}
	// quick_check reads the whole file: on a large database this is the
	// longest part of a start (docs/performance.md), so say so.
	logger.Info("checking the database", "db", db, "check", "quick_check")
	began := time.Now()
	st, err = store.Open(ctx, db)
	if err == nil {
		logger.Info("database checked", "took", time.Since(began).Round(time.Millisecond).String())
	}
	if err != nil {
		lock.Release()
		var ce *store.CorruptError
		if errors.As(err, &ce) {
			return nil, nil, fmt.Errorf("refusing to serve damaged history: %w; %s", err, restoreHint(cfg))
		}
		return nil, nil, err
	}
	// Only now is the -wal there whose absence CheckFiles looks for.
	if err := lock.Mark(store.StateRunning, ""); err != nil {
		st.Close()
		lock.Release()
		return nil, nil, err
	}
	// The lock keeps the mark of the last commit, which tells a -wal that
	// was folded in after a crash from a lost one.
	if err := st.TrackCommits(ctx, lock); err != nil {
		st.Close()
		lock.Release()
		return nil, nil, err
	}
	closeStore = func() error {
		err := st.Close()
		if err == nil {
			err = lock.Mark(store.StateStopped, "")
		}
		return errors.Join(err, lock.Release())
	}
	return st, closeStore, nil
}

// startBackups runs scheduled snapshots of db, if enabled and on SQLite,
// with their metrics; status reports them (nil when off); stop ends them,
// waiting for a snapshot in progress to be cancelled.
func startBackups(cfg *config.Config, db string, m *metrics.Metrics, logger *slog.Logger) (status func() backup.Status, stop func(), err error) {
	if cfg.Storage.Postgres() {
		logger.Info("no scheduled snapshots: "+config.PostgresBackups, "driver", config.DriverPostgres)
		return nil, func() {}, nil
	}
	if !cfg.Backup.Enabled {
		logger.Warn("scheduled snapshots are off ([backup] enabled = false)")
		return nil, func() {}, nil
	}
	c := cfg.Backup
	b, err := backup.New(backup.Options{
		DB: db, Dir: c.Dir, Interval: c.Interval.D(),
		Keep:    backup.Retention{All: c.KeepAll.D(), Daily: c.KeepDaily, Weekly: c.KeepWeekly},
		Command: c.Command, CommandTimeout: c.CommandTimeout.D(), Logger: logger,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("backup.dir: %w", err)
	}
	backupMetrics(m, b, time.Now())
	return b.Status, runUntilStopped(context.Background(), b.Run), nil
}

// backupMetrics exports the snapshots' status; started stands in for the
// last snapshot's time until there is one, so the age of a server that
// never managed one grows too.
func backupMetrics(m *metrics.Metrics, b *backup.Backups, started time.Time) {
	last := func() time.Time {
		if at := b.Status().Last.At; !at.IsZero() {
			return at
		}
		return started
	}
	m.Gauge("ampel_backup_age_seconds", "Seconds since the newest verified snapshot (since start while there is none).",
		func() float64 { return time.Since(last()).Seconds() })
	m.Gauge("ampel_backup_last_success_timestamp_seconds", "Unix time of the newest verified snapshot; 0 when there is none.", func() float64 {
		if at := b.Status().Last.At; !at.IsZero() {
			return float64(at.UnixMilli()) / 1000
		}
		return 0
	})
	m.Gauge("ampel_backup_last_size_bytes", "Size of the newest verified snapshot.", func() float64 { return float64(b.Status().Last.Size) })
	m.Gauge("ampel_backup_last_duration_seconds", "Time the last snapshot took, including its verification.", func() float64 { return b.Status().LastTook.Seconds() })
	// Neither "ok" is 1 before there is a snapshot: a server that never
	// managed one must not look backed up.
	m.Gauge("ampel_backup_last_ok", "1 when there is a snapshot and the last attempt succeeded; 0 when it failed or before the first snapshot.", func() float64 {
		st := b.Status()
		return boolFloat(st.LastErr == nil && !st.Last.At.IsZero())
	})
	m.Counter("ampel_backup_failures_total", "Failed snapshot attempts.", func() float64 { return float64(b.Status().Failures) })
	m.Gauge("ampel_backup_snapshots", "Snapshots kept in the backup folder.", func() float64 { return float64(b.Status().Kept) })
	m.Gauge("ampel_backup_command_ok", "1 when the backup command succeeded for the newest snapshot (or none is configured); 0 while it fails or before the first snapshot.", func() float64 {
		st := b.Status()
		return boolFloat(st.CommandOK && !st.Last.At.IsZero())
	})
	m.Counter("ampel_backup_command_failures_total", "Failed runs of the backup command.", func() float64 { return float64(b.Status().CommandFailures) })
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
