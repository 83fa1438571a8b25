-- History: raw probe results (pruned after the retention) and every state
-- change of every subject (kept forever). Instants are Unix milliseconds UTC,
-- durations microseconds; the unit is in each column's name.

-- Dictionaries: results store small integer ids instead of repeating names.
CREATE TABLE checks (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE zones (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
) STRICT;

-- One row per probe run, clustered by check and time: a check's recent
-- results are one range of the table, and retention deletes a range per
-- check, so no further index is needed (indexes took over half the bytes
-- of a result). outcome: 0 no_data, 1 up, 2 degraded, 3 partial, 4 down,
-- 5 maintenance (see outcomeCode); 0 and 1 take no bytes on disk. The key
-- makes a result sent twice (an agent's retry) count once.
CREATE TABLE results (
	check_id INTEGER NOT NULL REFERENCES checks (id),
	started_at_ms INTEGER NOT NULL,
	zone_id INTEGER NOT NULL REFERENCES zones (id),
	instance TEXT NOT NULL DEFAULT '',
	duration_us INTEGER NOT NULL,
	outcome INTEGER NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (check_id, started_at_ms, zone_id, instance)
) STRICT, WITHOUT ROWID;

-- Every change of level of a check in a zone (zone set), a check across
-- zones or a component (zone ''). Levels are stored by name.
CREATE TABLE state_changes (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('check_zone', 'check', 'component')),
	subject TEXT NOT NULL,
	zone TEXT NOT NULL DEFAULT '',
	at_ms INTEGER NOT NULL,
	from_level TEXT NOT NULL CHECK (from_level IN ('no_data', 'up', 'degraded', 'partial', 'down', 'maintenance')),
	to_level TEXT NOT NULL CHECK (to_level IN ('no_data', 'up', 'degraded', 'partial', 'down', 'maintenance')),
	cause TEXT NOT NULL DEFAULT ''
) STRICT;

-- A subject's timeline, and its last change before an instant.
CREATE INDEX state_changes_subject_at ON state_changes (kind, subject, zone, at_ms);
-- Rollups read the changes since their watermark.
CREATE INDEX state_changes_at ON state_changes (at_ms);

-- Watermarks and other small facts the store keeps about itself.
CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value ANY NOT NULL
) STRICT, WITHOUT ROWID;
