-- Incidents, scheduled maintenance and the audit log. Component ids are the
-- component slugs of the config (the ids of /api/v2/components.json);
-- statuses are Statuspage's names, checked by the application.

CREATE TABLE incidents (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
	-- impact is what is shown: impact_override when set, else computed
	-- from the components' statuses when the incident last changed.
	impact TEXT NOT NULL CHECK (impact IN ('none', 'minor', 'major', 'critical')),
	impact_override TEXT NOT NULL DEFAULT '' CHECK (impact_override IN ('', 'none', 'minor', 'major', 'critical')),
	-- started_at_ms may lie in the past for a back-filled incident.
	started_at_ms INTEGER NOT NULL,
	created_at_ms INTEGER NOT NULL,
	updated_at_ms INTEGER NOT NULL,
	resolved_at_ms INTEGER,
	CHECK ((status = 'resolved') = (resolved_at_ms IS NOT NULL))
) STRICT;

CREATE INDEX incidents_open ON incidents (id) WHERE resolved_at_ms IS NULL;

-- The status each affected component has while the incident is open.
CREATE TABLE incident_components (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	component TEXT NOT NULL,
	status TEXT NOT NULL,
	PRIMARY KEY (incident_id, component)
) STRICT, WITHOUT ROWID;

-- The timeline. at_ms is the time shown (back-dating allowed);
-- components_json the component statuses this update set ({} for none).
CREATE TABLE incident_updates (
	id INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	status TEXT NOT NULL,
	body TEXT NOT NULL,
	components_json TEXT NOT NULL DEFAULT '{}',
	deliver_notifications INTEGER NOT NULL CHECK (deliver_notifications IN (0, 1)),
	author TEXT NOT NULL,
	at_ms INTEGER NOT NULL,
	created_at_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX incident_updates_incident ON incident_updates (incident_id, at_ms);

CREATE TABLE maintenances (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('scheduled', 'in_progress', 'verifying', 'completed', 'cancelled')),
	scheduled_for_ms INTEGER NOT NULL,
	scheduled_until_ms INTEGER NOT NULL,
	created_at_ms INTEGER NOT NULL,
	updated_at_ms INTEGER NOT NULL,
	CHECK (scheduled_until_ms > scheduled_for_ms)
) STRICT;

CREATE INDEX maintenances_window ON maintenances (scheduled_for_ms);

CREATE TABLE maintenance_components (
	maintenance_id INTEGER NOT NULL REFERENCES maintenances (id),
	component TEXT NOT NULL,
	PRIMARY KEY (maintenance_id, component)
) STRICT, WITHOUT ROWID;

CREATE TABLE maintenance_updates (
	id INTEGER PRIMARY KEY,
	maintenance_id INTEGER NOT NULL REFERENCES maintenances (id),
	status TEXT NOT NULL,
	body TEXT NOT NULL,
	deliver_notifications INTEGER NOT NULL CHECK (deliver_notifications IN (0, 1)),
	author TEXT NOT NULL,
	at_ms INTEGER NOT NULL,
	created_at_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX maintenance_updates_maintenance ON maintenance_updates (maintenance_id, at_ms);

-- Who changed what, when: written in the same transaction as the change.
-- actor_id is a users or tokens id by actor_kind; actor_name is kept as it
-- was so the log stays readable after renames.
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY,
	at_ms INTEGER NOT NULL,
	actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'token', 'cli')),
	actor_id INTEGER NOT NULL,
	actor_name TEXT NOT NULL,
	action TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id INTEGER NOT NULL,
	before_json TEXT,
	after_json TEXT
) STRICT;

CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

-- Append-only: nothing may change or remove an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
