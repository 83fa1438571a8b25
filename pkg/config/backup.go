package config

import (
	"strings"
	"time"
)

// Backup is the scheduled snapshots ampel serve takes of its database.
type Backup struct {
	// Enabled turns scheduled snapshots on (default true).
	Enabled bool `toml:"enabled"`
	// Dir is the folder snapshots go into, relative to the config file's
	// folder (default "data/backups").
	Dir string `toml:"dir"`
	// Interval between snapshots (default 20m, at least 1s).
	Interval Duration `toml:"interval"`
	// KeepAll keeps every snapshot younger than this (default 24h);
	// KeepDaily the newest of each of that many last days (default 14);
	// KeepWeekly the newest of each of that many last weeks (default 8).
	KeepAll    Duration `toml:"keep_all"`
	KeepDaily  int      `toml:"keep_daily"`
	KeepWeekly int      `toml:"keep_weekly"`
	// Command runs after each verified snapshot, with the snapshot's path
	// appended as its last argument; no shell (default: none).
	Command []string `toml:"command"`
	// CommandTimeout bounds one run of Command (default 10m).
	CommandTimeout Duration `toml:"command_timeout"`
}

func defaultBackup() Backup {
	return Backup{
		Enabled: true, Dir: "data/backups", Interval: Duration(20 * time.Minute),
		KeepAll: Duration(24 * time.Hour), KeepDaily: 14, KeepWeekly: 8,
		CommandTimeout: Duration(10 * time.Minute),
	}
}

// PostgresBackups is what Ampel says where its own snapshots would be
// taken of a PostgreSQL history: it leaves them to PostgreSQL's tools.
const PostgresBackups = `with driver = "postgres", back up with PostgreSQL's own tools (pg_dump for snapshots, WAL archiving with pgBackRest or wal-g for point-in-time recovery): see docs/operations.md`

func (v *checker) backup(b *Backup, driver string) {
	if driver == DriverPostgres {
		// The defaults stay as they are (enabled): serve does not take
		// snapshots of PostgreSQL, and says so. A [backup] the operator
		// wrote would silently do nothing, so it is a mistake.
		if v.set("backup") && b.Enabled {
			v.addf("backup", "Ampel's snapshots are for SQLite; %s (or set enabled = false)", PostgresBackups)
		}
		return
	}
	if b.Dir == "" {
		v.addf("backup.dir", "must not be empty (set enabled = false to turn snapshots off)")
	}
	if v.durationKey("backup.interval") && b.Interval.D() < time.Second {
		v.addf("backup.interval", "must be at least 1s, got %s", b.Interval)
	}
	if v.durationKey("backup.keep_all") && b.KeepAll < 0 {
		v.addf("backup.keep_all", "must not be negative")
	}
	if b.KeepDaily < 0 {
		v.addf("backup.keep_daily", "must not be negative")
	}
	if b.KeepWeekly < 0 {
		v.addf("backup.keep_weekly", "must not be negative")
	}
	if v.set("backup.command") && (len(b.Command) == 0 || strings.TrimSpace(b.Command[0]) == "") {
		v.addf("backup.command", `must name a program first, such as ["rclone", "copy", "--no-traverse"] (the snapshot path is appended)`)
	}
	if v.durationKey("backup.command_timeout") && b.CommandTimeout.D() <= 0 {
		v.addf("backup.command_timeout", "must be positive")
	}
}
