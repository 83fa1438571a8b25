-- Aggregates that reports read instead of the raw history: the exact time
-- each subject spent in each level per day of the site's time zone (kept
-- forever), and per check and zone the latency of each completed UTC hour.

CREATE TABLE rollups_daily (
	kind TEXT NOT NULL CHECK (kind IN ('check_zone', 'check', 'component')),
	subject TEXT NOT NULL,
	zone TEXT NOT NULL DEFAULT '',
	-- 'YYYY-MM-DD' in the time zone BuildRollups was given.
	day TEXT NOT NULL,
	up_ms INTEGER NOT NULL,
	degraded_ms INTEGER NOT NULL,
	partial_ms INTEGER NOT NULL,
	down_ms INTEGER NOT NULL,
	maintenance_ms INTEGER NOT NULL,
	nodata_ms INTEGER NOT NULL,
	PRIMARY KEY (kind, subject, zone, day)
) STRICT, WITHOUT ROWID;

-- Reports read one kind over a range of days for all subjects.
CREATE INDEX rollups_daily_kind_day ON rollups_daily (kind, day);

-- Only results with outcome up or degraded count; p50 and p95 are exact
-- (nearest rank) over the hour's durations.
CREATE TABLE latency_hourly (
	check_id INTEGER NOT NULL REFERENCES checks (id),
	zone_id INTEGER NOT NULL REFERENCES zones (id),
	-- Start of the UTC hour.
	hour_ms INTEGER NOT NULL,
	count INTEGER NOT NULL,
	sum_us INTEGER NOT NULL,
	min_us INTEGER NOT NULL,
	max_us INTEGER NOT NULL,
	p50_us INTEGER NOT NULL,
	p95_us INTEGER NOT NULL,
	PRIMARY KEY (check_id, zone_id, hour_ms)
) STRICT, WITHOUT ROWID;
