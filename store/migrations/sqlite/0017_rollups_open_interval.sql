-- Daily rollups are built incrementally: a build rewrites only the rows
-- of the subjects that changed since the last one. Every other subject's
-- row of today stays as written, its sums ending at open_ms, and readers
-- add the time from open_ms to the last build's now (meta
-- rollup_built_ms) to last_level's sum. A completed day's rows are closed
-- (open_ms NULL); last_level is the level at a row's end, from which the
-- next day's row starts.
ALTER TABLE rollups_daily ADD COLUMN last_level TEXT NOT NULL DEFAULT 'no_data'
	CHECK (last_level IN ('no_data', 'up', 'degraded', 'partial', 'down', 'maintenance'));
ALTER TABLE rollups_daily ADD COLUMN open_ms INTEGER;

-- Today's rows: those a day's end closes, and those readers extend.
CREATE INDEX rollups_daily_open ON rollups_daily (kind, day) WHERE open_ms IS NOT NULL;

-- The rows built so far lack last_level: the next build starts over from
-- the oldest change.
DELETE FROM rollups_daily;
DELETE FROM rollups_monthly;
DELETE FROM meta WHERE key = 'rollup_from_ms';
