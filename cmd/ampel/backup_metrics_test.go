package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/backup"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/store"
)

// TestBackupMetricsNotOKBeforeFirstSnapshot: a server that has no
// snapshot yet must not look backed up (both "ok" gauges were 1 from the
// start); once a verified snapshot exists they are 1.
func TestBackupMetricsNotOKBeforeFirstSnapshot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "ampel.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	snapshots := filepath.Join(dir, "backups")
	gauges := func() (lastOK, commandOK float64) {
		t.Helper()
		b, err := backup.New(backup.Options{DB: db, Dir: snapshots, Interval: time.Hour, Command: []string{"true"}})
		if err != nil {
			t.Fatal(err)
		}
		m := metrics.New()
		backupMetrics(m, b, time.Now())
		families, err := m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			switch f.GetName() {
			case "ampel_backup_last_ok":
				lastOK = f.GetMetric()[0].GetGauge().GetValue()
			case "ampel_backup_command_ok":
				commandOK = f.GetMetric()[0].GetGauge().GetValue()
			}
		}
		return lastOK, commandOK
	}
	if last, cmd := gauges(); last != 0 || cmd != 0 {
		t.Errorf("before any snapshot: last_ok %v, command_ok %v; want 0 and 0", last, cmd)
	}
	if _, err := store.Snapshot(ctx, db, filepath.Join(snapshots, backup.Name(time.Now()))); err != nil {
		t.Fatal(err)
	}
	if last, cmd := gauges(); last != 1 || cmd != 1 {
		t.Errorf("with a verified snapshot: last_ok %v, command_ok %v; want 1 and 1", last, cmd)
	}
}
