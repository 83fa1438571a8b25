-- The daily rollups summed by calendar month (of the same time zone), so
-- a year-long report reads twelve rows per subject instead of 365. It is a
-- cache of rollups_daily kept exact by BuildRollups, which adds and
-- subtracts every daily row it writes or replaces; filled here from the
-- daily rows already built.

CREATE TABLE rollups_monthly (
	kind TEXT NOT NULL CHECK (kind IN ('check_zone', 'check', 'component')),
	subject TEXT NOT NULL,
	zone TEXT NOT NULL DEFAULT '',
	-- 'YYYY-MM': the first seven characters of rollups_daily.day.
	month TEXT NOT NULL,
	-- How many daily rows the sums cover; a row at 0 is deleted.
	days BIGINT NOT NULL,
	up_ms BIGINT NOT NULL,
	degraded_ms BIGINT NOT NULL,
	partial_ms BIGINT NOT NULL,
	down_ms BIGINT NOT NULL,
	maintenance_ms BIGINT NOT NULL,
	nodata_ms BIGINT NOT NULL,
	PRIMARY KEY (kind, month, subject, zone)
);

INSERT INTO rollups_monthly (kind, subject, zone, month, days, up_ms, degraded_ms, partial_ms, down_ms, maintenance_ms, nodata_ms)
SELECT kind, subject, zone, substr(day, 1, 7), count(*), sum(up_ms), sum(degraded_ms), sum(partial_ms),
	sum(down_ms), sum(maintenance_ms), sum(nodata_ms)
FROM rollups_daily
GROUP BY kind, subject, zone, substr(day, 1, 7);
