-- Aggregates that reports read instead of the raw history: the exact time
-- each subject spent in each level per day of the site's time zone (kept
-- forever), and per check and zone the latency of each completed UTC hour.

CREATE TABLE rollups_daily (
	kind TEXT NOT NULL CHECK (kind IN ('check_zone', 'check', 'component')),
	subject TEXT NOT NULL,
	zone TEXT NOT NULL DEFAULT '',
	-- 'YYYY-MM-DD' in the time zone BuildRollups was given.
	day TEXT NOT NULL,
	up_ms BIGINT NOT NULL,
	degraded_ms BIGINT NOT NULL,
	partial_ms BIGINT NOT NULL,
	down_ms BIGINT NOT NULL,
	maintenance_ms BIGINT NOT NULL,
	nodata_ms BIGINT NOT NULL,
	PRIMARY KEY (kind, subject, zone, day)
);

-- Reports read one kind over a range of days for all subjects.
CREATE INDEX rollups_daily_kind_day ON rollups_daily (kind, day);

-- Only results with outcome up or degraded count; p50 and p95 are exact
-- (nearest rank) over the hour's durations.
CREATE TABLE latency_hourly (
	check_id BIGINT NOT NULL REFERENCES checks (id),
	zone_id BIGINT NOT NULL REFERENCES zones (id),
	-- Start of the UTC hour.
	hour_ms BIGINT NOT NULL,
	count BIGINT NOT NULL,
	sum_us BIGINT NOT NULL,
	min_us BIGINT NOT NULL,
	max_us BIGINT NOT NULL,
	p50_us BIGINT NOT NULL,
	p95_us BIGINT NOT NULL,
	PRIMARY KEY (check_id, zone_id, hour_ms)
);
