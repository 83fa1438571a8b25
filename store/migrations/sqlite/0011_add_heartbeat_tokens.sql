-- Heartbeat tokens: kind 'heartbeat' lets a job report on one heartbeat
-- check, named in check_name. SQLite cannot change a CHECK constraint, so
-- the table is rebuilt (nothing refers to it by foreign key).

CREATE TABLE tokens_new (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('zone', 'operator', 'heartbeat')),
	role TEXT NOT NULL DEFAULT '',
	zone TEXT NOT NULL DEFAULT '',
	check_name TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	hash BLOB NOT NULL UNIQUE,
	created_at_ms INTEGER NOT NULL,
	last_used_at_ms INTEGER,
	revoked_at_ms INTEGER,
	CHECK (kind <> 'zone' OR zone <> ''),
	CHECK (kind <> 'heartbeat' OR check_name <> '')
) STRICT;

INSERT INTO tokens_new (id, kind, role, zone, name, hash, created_at_ms, last_used_at_ms, revoked_at_ms)
SELECT id, kind, role, zone, name, hash, created_at_ms, last_used_at_ms, revoked_at_ms FROM tokens;

DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;

CREATE UNIQUE INDEX tokens_live_name ON tokens (kind, name) WHERE revoked_at_ms IS NULL;
