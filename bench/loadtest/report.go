package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"
)

// floorReport is the bare client's steady state.
type floorReport struct {
	cpu  float64
	runs int64
	all  floorStats
	rss  int64
	load [2]string // load average at the start and the end
}

func (f *floorReport) perK() float64 { return f.cpu / (float64(f.runs) / 1000) }

type report struct {
	floor          *floorReport
	ranChecks      int
	firstRunLatest time.Duration
	late           int // checks whose first run came later than one interval
	steadyResults  int64
	totalResults   int64
	minRuns        int64
	cpu            float64
	rss            int64
	metrics        scraped
	// startLag is the lag histogram when the steady state began.
	startLag    lagStats
	dbBytes     int64
	resultBytes int64 // the results table alone
	rollupBytes int64 // rollups_daily alone, and its rows
	rollupRows  int64
	load        [3]string     // load average at the start, the end of the steady state and the stop
	startup     time.Duration // from exec to the "serving" line
	exitErr     string        // how ampel failed to stop cleanly, if it did
	stop        time.Duration // from SIGTERM to exit
	closed      int64         // subjects the stop closed (changes caused "Ampel stopped")
}

func analyse(db *sql.DB, rep *report, start, t1, t2 time.Time, o options) error {
	ctx := context.Background()
	// The stop's closes, as pkg/state.CauseStopped names them.
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM state_changes WHERE cause = 'Ampel stopped'`).Scan(&rep.closed); err != nil {
		return fmt.Errorf("closes: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT check_id, MIN(started_at_ms), COUNT(*) FROM results GROUP BY check_id`)
	if err != nil {
		return fmt.Errorf("first runs: %w", err)
	}
	defer rows.Close()
	rep.minRuns = math.MaxInt64
	for rows.Next() {
		var id, first, n int64
		if err := rows.Scan(&id, &first, &n); err != nil {
			return err
		}
		rep.ranChecks++
		rep.totalResults += n
		rep.minRuns = min(rep.minRuns, n)
		d := time.UnixMilli(first).Sub(start)
		rep.firstRunLatest = max(rep.firstRunLatest, d)
		if d > o.interval {
			rep.late++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM results WHERE started_at_ms >= ? AND started_at_ms < ?`,
		t1.UnixMilli(), t2.UnixMilli()).Scan(&rep.steadyResults)
	if err != nil {
		return fmt.Errorf("steady results: %w", err)
	}
	return nil
}

// tableBytes is the size a table takes on its own, and its rows: a copy
// of the database (VACUUM INTO) with every other table dropped and
// vacuumed.
func tableBytes(db *sql.DB, dir, table string) (size, rows int64, err error) {
	ctx := context.Background()
	cp := filepath.Join(dir, table+"-only.db")
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, cp); err != nil {
		return 0, 0, fmt.Errorf("copy database: %w", err)
	}
	defer os.Remove(cp)
	c, err := sql.Open("sqlite3", "file:"+cp)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	list, err := c.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> ? AND name NOT LIKE 'sqlite_%'`, table)
	if err != nil {
		return 0, 0, err
	}
	var others []string
	for list.Next() {
		var n string
		if err := list.Scan(&n); err != nil {
			return 0, 0, err
		}
		others = append(others, n)
	}
	list.Close()
	for _, t := range others {
		if _, err := c.ExecContext(ctx, `DROP TABLE "`+t+`"`); err != nil {
			return 0, 0, fmt.Errorf("drop %s: %w", t, err)
		}
	}
	if _, err := c.ExecContext(ctx, `VACUUM`); err != nil {
		return 0, 0, err
	}
	if err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+table+`"`).Scan(&rows); err != nil {
		return 0, 0, err
	}
	info, err := os.Stat(cp)
	if err != nil {
		return 0, 0, err
	}
	return info.Size(), rows, nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

func (r *report) print(w io.Writer, o options) {
	perK := r.cpu / (float64(r.steadyResults) / 1000)
	m := r.metrics
	fmt.Fprintf(w, "checks configured:            %d every %v, %v (metrics.per_check %q)\n", o.checks, o.interval, o.duration, o.perCheck)
	fmt.Fprintf(w, "start-up:                     %.1fs from exec to serving (the scheduler starts just before)\n", r.startup.Seconds())
	fmt.Fprintf(w, "checks that ran:              %d (latest first run %.1fs after start; %d later than one interval)\n",
		r.ranChecks, r.firstRunLatest.Seconds(), r.late)
	fmt.Fprintf(w, "results stored:               %d (fewest runs of one check: %d)\n", r.totalResults, r.minRuns)
	fmt.Fprintf(w, "scheduler lag:                %s; %.0f skipped\n", m.lag.line(), m.skipped)
	fmt.Fprintf(w, "  first 1.5 intervals:        %s\n", r.startLag.line())
	fmt.Fprintf(w, "  steady state after them:    %s\n", m.lag.since(r.startLag).line())
	fmt.Fprintf(w, "CPU (steady state):           %.1fs for %d checks = %.3f CPU-s per 1,000 checks (load %s -> %s)\n",
		r.cpu, r.steadyResults, perK, r.load[0], r.load[1])
	if f := r.floor; f != nil {
		fmt.Fprintf(w, "floor CPU (bare client):      %.1fs for %d checks = %.3f CPU-s per 1,000 checks (load %s -> %s; %d failed, %.3f%% dispatched within 100ms, max lag %d ms)\n",
			f.cpu, f.runs, f.perK(), f.load[0], f.load[1], f.all.Failures, 100*float64(f.all.Under100ms)/float64(max(f.all.Lagged, 1)), f.all.MaxLagMs)
		fmt.Fprintf(w, "CPU against the floor:        %.2fx\n", perK/f.perK())
		fmt.Fprintf(w, "floor peak RSS:               %.1f MiB\n", float64(f.rss)/(1<<20))
	}
	fmt.Fprintf(w, "peak RSS:                     %.1f MiB = %.1f KB per check\n", float64(r.rss)/(1<<20), float64(r.rss)/1000/float64(o.checks))
	fmt.Fprintf(w, "live heap after GC:           %.1f MiB = %.1f KB per check\n", m.heapAlloc/(1<<20), m.heapAlloc/1000/float64(o.checks))
	fmt.Fprintf(w, "/metrics:                     %d series, %.1f MiB\n", m.series, float64(m.bytes)/(1<<20))
	fmt.Fprintf(w, "database on disk:             %.1f MiB with WAL, state changes and rollups = %.0f bytes per stored result\n",
		float64(r.dbBytes)/(1<<20), float64(r.dbBytes)/float64(max(r.totalResults, 1)))
	fmt.Fprintf(w, "results table alone:          %.1f MiB = %.1f bytes per stored result (VACUUM INTO a copy, other tables dropped)\n",
		float64(r.resultBytes)/(1<<20), float64(r.resultBytes)/float64(max(r.totalResults, 1)))
	fmt.Fprintf(w, "clean stop:                   %.1fs from SIGTERM to exit, %d subjects closed (load %s)\n", r.stop.Seconds(), r.closed, r.load[2])
	if r.exitErr != "" {
		fmt.Fprintf(w, "ampel did not stop cleanly:   %s\n", r.exitErr)
	}
	fmt.Fprintf(w, "rollups_daily alone:          %.1f MiB for %d rows = %.1f bytes per row\n",
		float64(r.rollupBytes)/(1<<20), r.rollupRows, float64(r.rollupBytes)/float64(max(r.rollupRows, 1)))
}
