-- The number a probe measured, for the checks that measure one (kind
-- "metrics": the value of the metric its condition judged, in the metric's
-- own unit). NULL for every other result, which takes no bytes on disk;
-- charts read it per hour straight from the raw results.
ALTER TABLE results ADD COLUMN value DOUBLE PRECISION;
