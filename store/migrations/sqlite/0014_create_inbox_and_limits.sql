-- Cluster mode (issue 13). A state change is stored once: a batch whose
-- commit was lost with the connection is written again, and its changes
-- must not count twice (rows a past retry doubled are folded first).
DELETE FROM state_changes WHERE id NOT IN (
	SELECT min(id) FROM state_changes GROUP BY kind, subject, zone, at_ms, from_level, to_level
);
CREATE UNIQUE INDEX state_changes_once ON state_changes (kind, subject, zone, at_ms, from_level, to_level);

-- What any node received for the leader to apply: an agent's results
-- (source is the agent, seq its sequence number: a resend is stored
-- once) and heartbeat calls (source "heartbeat:" and the check, no seq).
-- result is the result as JSON; applied_at_ms is set once the leader has
-- handed it to ingest.
CREATE TABLE inbox (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	seq INTEGER,
	result TEXT NOT NULL,
	received_at_ms INTEGER NOT NULL,
	applied_at_ms INTEGER,
	UNIQUE (source, seq)
) STRICT;
CREATE INDEX inbox_pending ON inbox (id) WHERE applied_at_ms IS NULL;

-- Rate limits every node counts in: hits of one key (a limit and a
-- client) in the fixed window starting at window_ms.
CREATE TABLE rate_hits (
	key TEXT NOT NULL,
	window_ms INTEGER NOT NULL,
	hits INTEGER NOT NULL,
	PRIMARY KEY (key, window_ms)
) STRICT;
