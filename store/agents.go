package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Agent is what the server knows of one remote agent.
type Agent struct {
	ID, Zone string
	// AckedSeq is the highest sequence number the server committed with
	// every earlier one.
	AckedSeq int64
	// Results counts results accepted; Resent those received again after
	// they were committed (ignored); Gap sequence numbers that never
	// arrived; Rejected results refused (unknown check, time in the
	// future).
	Results, Resent, Gap, Rejected int64
	// SpoolDropped and SpoolDepth are what the agent last reported: results
	// its spool dropped at its bound, and results waiting in it.
	SpoolDropped, SpoolDepth int64
	Version                  string
	// Received is the server's time of the last push, AgentSentAt the
	// agent's clock when it sent it; ClockOffset is the difference.
	Received, AgentSentAt time.Time
	ClockOffset           time.Duration
}

// AgentPush is what one committed push adds to an agent's row.
type AgentPush struct {
	AckedSeq                       int64
	Results, Resent, Gap, Rejected int64
	SpoolDropped, SpoolDepth       int64
	Version                        string
	Received, AgentSentAt          time.Time
}

// Agent returns one agent's row; ok is false when it never pushed.
func (s *Store) Agent(ctx context.Context, id string) (a Agent, ok bool, err error) {
	const q = `
SELECT id, zone, acked_seq, results, resent, gap, rejected, spool_dropped, spool_depth,
	version, received_at_ms, agent_sent_at_ms, clock_offset_ms
FROM agents WHERE id = ?1`
	a, err = scanAgent(s.rdb.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, false, nil
	}
	if err != nil {
		return Agent{}, false, fmt.Errorf("store: read agent %q: %w", id, err)
	}
	return a, true, nil
}

// Agents returns every agent, by zone and id.
func (s *Store) Agents(ctx context.Context) ([]Agent, error) {
	const q = `
SELECT id, zone, acked_seq, results, resent, gap, rejected, spool_dropped, spool_depth,
	version, received_at_ms, agent_sent_at_ms, clock_offset_ms
FROM agents ORDER BY zone, id`
	rows, err := s.rdb.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: read agents: %w", err)
	}
	defer rows.Close()
	var out []Agent
	for rows.Next() {
		a, err := scanAgent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read agents: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read agents: %w", err)
	}
	return out, nil
}

func scanAgent(row interface{ Scan(...any) error }) (Agent, error) {
	var a Agent
	var recv, sent, off int64
	err := row.Scan(&a.ID, &a.Zone, &a.AckedSeq, &a.Results, &a.Resent, &a.Gap, &a.Rejected,
		&a.SpoolDropped, &a.SpoolDepth, &a.Version, &recv, &sent, &off)
	a.Received, a.AgentSentAt, a.ClockOffset = fromMS(recv), fromMS(sent), time.Duration(off)*time.Millisecond
	return a, err
}

// RecordAgentPush adds a committed push to the agent's row, creating it on
// the first push. The gap counter saturates at the largest integer rather
// than overflow (SQLite would turn the sum into a REAL the STRICT table
// refuses, failing every later push). Call it only after the push's results have committed, so
// an acknowledged sequence is never ahead of the history.
func (s *Store) RecordAgentPush(ctx context.Context, id, zone string, p AgentPush) error {
	const q = `
INSERT INTO agents (id, zone, acked_seq, results, resent, gap, rejected, spool_dropped, spool_depth,
	version, received_at_ms, agent_sent_at_ms, clock_offset_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, CAST(?12 AS BIGINT) - CAST(?11 AS BIGINT))
ON CONFLICT (id) DO UPDATE SET
	zone = excluded.zone,
	acked_seq = CASE WHEN agents.acked_seq > excluded.acked_seq THEN agents.acked_seq ELSE excluded.acked_seq END,
	results = agents.results + excluded.results,
	resent = agents.resent + excluded.resent,
	gap = CASE WHEN excluded.gap > 9223372036854775807 - agents.gap THEN 9223372036854775807 ELSE agents.gap + excluded.gap END,
	rejected = agents.rejected + excluded.rejected,
	spool_dropped = excluded.spool_dropped,
	spool_depth = excluded.spool_depth,
	version = excluded.version,
	received_at_ms = excluded.received_at_ms,
	agent_sent_at_ms = excluded.agent_sent_at_ms,
	clock_offset_ms = excluded.clock_offset_ms`
	_, err := s.wdb.ExecContext(ctx, q, id, zone, p.AckedSeq, p.Results, p.Resent, p.Gap, p.Rejected,
		p.SpoolDropped, p.SpoolDepth, p.Version, ms(p.Received), ms(p.AgentSentAt))
	if err != nil {
		return fmt.Errorf("store: record push of agent %q: %w", id, err)
	}
	return nil
}
