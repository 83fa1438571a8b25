package config

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestBackupDefaults(t *testing.T) {
	cfg := parse(t, "")
	b := cfg.Backup
	if !b.Enabled || b.Dir != filepath.Join(cfg.Dir, "data", "backups") || b.Interval.D() != 20*time.Minute ||
		b.KeepAll.D() != 24*time.Hour || b.KeepDaily != 14 || b.KeepWeekly != 8 || b.Command != nil ||
		b.CommandTimeout.D() != 10*time.Minute {
		t.Errorf("defaults: %+v", b)
	}
}

func TestBackupSettings(t *testing.T) {
	cfg := parse(t, `
[backup]
enabled = false
dir = "/srv/snapshots"
interval = "1s"
keep_all = "0s"
keep_daily = 0
command = ["sh", "-c", "cp \"$0\" /mnt/offsite/"]
`)
	b := cfg.Backup
	if b.Enabled || b.Dir != "/srv/snapshots" || b.Interval.D() != time.Second || b.KeepAll != 0 || b.KeepDaily != 0 ||
		!slices.Equal(b.Command, []string{"sh", "-c", `cp "$0" /mnt/offsite/`}) {
		t.Errorf("settings: %+v", b)
	}
}
