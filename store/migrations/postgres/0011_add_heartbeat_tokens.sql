-- Heartbeat tokens: kind 'heartbeat' lets a job report on one heartbeat
-- check, named in check_name. (SQLite rebuilds the table; PostgreSQL
-- changes the constraints in place.)

ALTER TABLE tokens ADD COLUMN check_name TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens DROP CONSTRAINT tokens_kind_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_kind_check CHECK (kind IN ('zone', 'operator', 'heartbeat'));
ALTER TABLE tokens ADD CONSTRAINT tokens_heartbeat_check CHECK (kind <> 'heartbeat' OR check_name <> '');
