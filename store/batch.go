package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// nameIDs caches the ids of check and zone names. It belongs to the writer
// goroutine. Ids learnt inside a transaction are staged and kept only once
// it commits: a rolled-back insert leaves no row to point at.
type nameIDs struct {
	checks, zones             map[string]int64
	stagedChecks, stagedZones map[string]int64
}

func newNameIDs() *nameIDs {
	return &nameIDs{
		checks: map[string]int64{}, zones: map[string]int64{},
		stagedChecks: map[string]int64{}, stagedZones: map[string]int64{},
	}
}

// committed keeps the staged ids; rolledBack forgets them.
func (n *nameIDs) committed() {
	for k, v := range n.stagedChecks {
		n.checks[k] = v
	}
	for k, v := range n.stagedZones {
		n.zones[k] = v
	}
	n.rolledBack()
}

func (n *nameIDs) rolledBack() {
	clear(n.stagedChecks)
	clear(n.stagedZones)
}

func (n *nameIDs) checkID(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	return n.lookup(ctx, tx, n.checks, n.stagedChecks, "checks", name)
}

func (n *nameIDs) zoneID(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	return n.lookup(ctx, tx, n.zones, n.stagedZones, "zones", name)
}

// lookup returns the id of name in table (checks or zones), inserting it
// on first sight.
func (n *nameIDs) lookup(ctx context.Context, tx *sql.Tx, cache, staged map[string]int64, table, name string) (int64, error) {
	if id, ok := cache[name]; ok {
		return id, nil
	}
	if id, ok := staged[name]; ok {
		return id, nil
	}
	// table is one of two constants, never input.
	selectID := `SELECT id FROM ` + table + ` WHERE name = ?1`
	var id int64
	err := tx.QueryRowContext(ctx, selectID, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		insertName := `INSERT INTO ` + table + ` (name) VALUES (?1) RETURNING id`
		err = tx.QueryRowContext(ctx, insertName, name).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("id of %s %q: %w", table, name, err)
	}
	staged[name] = id
	return id, nil
}

// writeBatch commits the items in one transaction: their results and
// changes, the alerts route makes of the changes (when set), and the
// watermarks lowered for what arrived late.
func (s *Store) writeBatch(ctx context.Context, ids *nameIDs, items []*item, route AlertRouter) (err error) {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("store: write batch: begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
			ids.rolledBack()
		}
	}()

	// The driver runs each statement with a cancellable context on a
	// goroutine of its own; the rows go without one and ctx is checked
	// between statements instead.
	ins := resultInserter{tx: tx, ids: ids, cancel: ctx, d: s.d}
	ctx = context.WithoutCancel(ctx)
	var changes []status.Change
	for _, it := range items {
		for i := range it.results {
			if err := ins.add(ctx, &it.results[i]); err != nil {
				return fmt.Errorf("store: write batch: %w", err)
			}
		}
		changes = append(changes, it.changes...)
	}

	if err := ins.flush(ctx); err != nil {
		return fmt.Errorf("store: write batch: %w", err)
	}
	if ins.n > 0 {
		// A result older than the latency watermark re-opens its hour.
		if err := s.d.lowerMeta(ctx, tx, metaLatencyFrom, floorHour(ins.earliest)); err != nil {
			return fmt.Errorf("store: write batch: %w", err)
		}
	}
	if len(changes) > 0 {
		earliest, err := insertChanges(ctx, s.d, tx, changes)
		if err != nil {
			return fmt.Errorf("store: write batch: %w", err)
		}
		// A change older than the rollup watermark re-opens its day.
		if err := s.d.lowerMeta(ctx, tx, metaRollupFrom, earliest); err != nil {
			return fmt.Errorf("store: write batch: %w", err)
		}
	}
	if err := s.recordStops(ctx, tx, items); err != nil {
		return fmt.Errorf("store: write batch: %w", err)
	}
	alerted := false
	if route != nil && len(changes) > 0 {
		if alerted, err = enqueueAlerts(ctx, tx, route, changes, time.Now()); err != nil {
			return fmt.Errorf("store: write batch: %w", err)
		}
	}
	hooked := false
	if len(changes) > 0 {
		if hooked, err = enqueueHookChanges(ctx, s.d, tx, changes, time.Now()); err != nil {
			return fmt.Errorf("store: write batch: %w", err)
		}
	}
	// Followers read what this batch stored once it commits.
	if err := s.notify(ctx, tx, ChannelState); err != nil {
		return fmt.Errorf("store: write batch: %w", err)
	}
	mark, err := s.bumpCommitMark(ctx, tx)
	if err != nil {
		return fmt.Errorf("store: write batch: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: write batch: commit: %w", err)
	}
	ids.committed()
	s.noteCommit(mark)
	if alerted {
		s.alerts.poke()
	}
	if hooked {
		s.hooks.poke()
	}
	return nil
}

// resultInserter inserts results. On SQLite, with one statement prepared
// once per transaction (the transaction closes it), one row per statement:
// with a real table behind it, multi-row INSERTs measured no faster. On
// PostgreSQL, where each statement is a round trip to the server, the
// rows are gathered into arrays and inserted by one statement at flush.
type resultInserter struct {
	tx     *sql.Tx
	ids    *nameIDs
	cancel context.Context // checked before each statement
	d      dialect
	stmt   *sql.Stmt
	rows   resultColumns // PostgreSQL's rows until flush
	// n counts the results added; earliest is their earliest start (ms).
	n        int
	earliest int64
}

func (r *resultInserter) add(ctx context.Context, res *status.Result) error {
	if err := r.cancel.Err(); err != nil {
		return err
	}
	checkID, err := r.ids.checkID(ctx, r.tx, res.Check)
	if err != nil {
		return err
	}
	zoneID, err := r.ids.zoneID(ctx, r.tx, res.Zone)
	if err != nil {
		return err
	}
	start := ms(res.Start)
	if r.n == 0 || start < r.earliest {
		r.earliest = start
	}
	r.n++
	if r.d == postgresDialect {
		r.rows.add(checkID, zoneID, start, res)
		return nil
	}
	if r.stmt == nil {
		// A result already stored (same check, start, zone and instance)
		// is a resend: keep the first.
		const q = `
INSERT INTO results (check_id, zone_id, instance, started_at_ms, duration_us, outcome, reason, detail, value)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT DO NOTHING`
		if r.stmt, err = r.tx.PrepareContext(ctx, q); err != nil {
			return fmt.Errorf("insert results: %w", err)
		}
	}
	if _, err := r.stmt.ExecContext(ctx, checkID, zoneID, res.Instance, start,
		res.Duration.Microseconds(), outcomeCode(res.Outcome), res.Reason, res.Detail,
		sql.NullFloat64{Float64: res.Value, Valid: res.HasValue}); err != nil {
		return fmt.Errorf("insert results: %w", err)
	}
	return nil
}

// resultColumns are results column by column, for one INSERT from arrays.
type resultColumns struct {
	checkID, zoneID, start, durationUS, outcome []int64
	instance, reason, detail                    []string
	value                                       []*float64
}

func (c *resultColumns) add(checkID, zoneID, start int64, res *status.Result) {
	c.checkID = append(c.checkID, checkID)
	c.zoneID = append(c.zoneID, zoneID)
	c.instance = append(c.instance, res.Instance)
	c.start = append(c.start, start)
	c.durationUS = append(c.durationUS, res.Duration.Microseconds())
	c.outcome = append(c.outcome, int64(outcomeCode(res.Outcome)))
	c.reason = append(c.reason, res.Reason)
	c.detail = append(c.detail, res.Detail)
	var v *float64
	if res.HasValue {
		v = &res.Value
	}
	c.value = append(c.value, v)
}

// flush inserts PostgreSQL's gathered rows in one statement; a resent
// result is skipped as on SQLite.
func (r *resultInserter) flush(ctx context.Context) error {
	c := &r.rows
	if len(c.checkID) == 0 {
		return nil
	}
	const q = `
INSERT INTO results (check_id, zone_id, instance, started_at_ms, duration_us, outcome, reason, detail, value)
SELECT * FROM unnest(CAST(?1 AS BIGINT[]), CAST(?2 AS BIGINT[]), CAST(?3 AS TEXT[]), CAST(?4 AS BIGINT[]),
	CAST(?5 AS BIGINT[]), CAST(?6 AS BIGINT[]), CAST(?7 AS TEXT[]), CAST(?8 AS TEXT[]), CAST(?9 AS DOUBLE PRECISION[]))
ON CONFLICT DO NOTHING`
	if _, err := r.tx.ExecContext(ctx, q, c.checkID, c.zoneID, c.instance, c.start,
		c.durationUS, c.outcome, c.reason, c.detail, c.value); err != nil {
		return fmt.Errorf("insert results: %w", err)
	}
	*c = resultColumns{}
	return nil
}
