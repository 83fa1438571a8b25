-- Credentials and remote agents. Tokens are stored only as the SHA-256 of
-- the token: they are 256 random bits, so a fast hash is enough and the
-- database never holds a usable secret.

-- kind 'zone' lets an agent push results for its zone and read the zone's
-- checks; kind 'operator' (role set) is for the operator API. A revoked
-- token keeps its row so the audit of who used what stays readable.
CREATE TABLE tokens (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('zone', 'operator')),
	role TEXT NOT NULL DEFAULT '',
	zone TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	hash BLOB NOT NULL UNIQUE,
	created_at_ms INTEGER NOT NULL,
	last_used_at_ms INTEGER,
	revoked_at_ms INTEGER,
	CHECK (kind <> 'zone' OR zone <> '')
) STRICT;

-- A name identifies one live token of a kind, so it can be revoked by name.
CREATE UNIQUE INDEX tokens_live_name ON tokens (kind, name) WHERE revoked_at_ms IS NULL;

-- One row per agent process identity (an agent keeps its id in its spool):
-- the highest sequence number whose result and every earlier one the
-- server committed, and counts that show gaps and resends. Times are the
-- server's receive time and the agent's clock when it sent, side by side.
CREATE TABLE agents (
	id TEXT PRIMARY KEY,
	zone TEXT NOT NULL,
	acked_seq INTEGER NOT NULL DEFAULT 0,
	results INTEGER NOT NULL DEFAULT 0,
	resent INTEGER NOT NULL DEFAULT 0,
	gap INTEGER NOT NULL DEFAULT 0,
	rejected INTEGER NOT NULL DEFAULT 0,
	spool_dropped INTEGER NOT NULL DEFAULT 0,
	spool_depth INTEGER NOT NULL DEFAULT 0,
	version TEXT NOT NULL DEFAULT '',
	received_at_ms INTEGER NOT NULL,
	agent_sent_at_ms INTEGER NOT NULL,
	clock_offset_ms INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
