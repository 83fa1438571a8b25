-- The feeds read the latest updates across all incidents and windows.
-- Without these, each feed build sorted every update ever written.
CREATE INDEX incident_updates_at ON incident_updates (at_ms);
CREATE INDEX maintenance_updates_at ON maintenance_updates (at_ms);
