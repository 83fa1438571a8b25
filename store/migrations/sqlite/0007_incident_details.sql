-- What the console needs beyond the first incident schema: the estimated
-- time of resolution shown to customers, the postmortem, drafts (an
-- automatic incident an operator has still to publish: not shown to the
-- public and overriding nothing), the component an automatic incident was
-- opened for (one open automatic incident per component), and for
-- maintenance its description, whether the clock moves it, the time zone
-- it was scheduled in (for display) and a revision counter (iCalendar's
-- SEQUENCE, raised on every change).

ALTER TABLE incidents ADD COLUMN eta_ms INTEGER;
ALTER TABLE incidents ADD COLUMN postmortem TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN postmortem_at_ms INTEGER;
ALTER TABLE incidents ADD COLUMN draft INTEGER NOT NULL DEFAULT 0 CHECK (draft IN (0, 1));
ALTER TABLE incidents ADD COLUMN auto_component TEXT NOT NULL DEFAULT '';

CREATE INDEX incidents_auto_open ON incidents (auto_component)
WHERE resolved_at_ms IS NULL AND auto_component <> '';

CREATE INDEX incidents_started ON incidents (started_at_ms);

ALTER TABLE maintenances ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE maintenances ADD COLUMN auto_start INTEGER NOT NULL DEFAULT 1 CHECK (auto_start IN (0, 1));
ALTER TABLE maintenances ADD COLUMN auto_complete INTEGER NOT NULL DEFAULT 1 CHECK (auto_complete IN (0, 1));
ALTER TABLE maintenances ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE maintenances ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
