-- Operator alerts: the outbox the alert dispatcher sends, filled in the
-- transaction that records the state change, and the record of every
-- delivery attempt the console lists per channel.
CREATE TABLE alert_outbox (
	id INTEGER PRIMARY KEY,
	-- event_id is stable for one change (or one test), the same on every
	-- attempt; seq numbers its repeats (0 for the first alert).
	event_id TEXT NOT NULL,
	seq INTEGER NOT NULL DEFAULT 0,
	channel TEXT NOT NULL,
	-- subject is "component:api", "check:api-health" or
	-- "check_zone:api-health@eu-central".
	subject TEXT NOT NULL,
	-- kind is 'trigger', 'resolve' or 'test'.
	kind TEXT NOT NULL,
	from_level TEXT NOT NULL,
	to_level TEXT NOT NULL,
	cause TEXT NOT NULL DEFAULT '',
	at_ms INTEGER NOT NULL,
	created_at_ms INTEGER NOT NULL,
	due_at_ms INTEGER NOT NULL,
	repeat_ms INTEGER NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0,
	-- first_try_at_ms starts the time retry_for bounds.
	first_try_at_ms INTEGER,
	last_error TEXT NOT NULL DEFAULT '',
	sent_at_ms INTEGER,
	failed_at_ms INTEGER,
	cancelled_at_ms INTEGER,
	UNIQUE (event_id, channel, seq)
) STRICT;

CREATE INDEX alert_outbox_due ON alert_outbox (due_at_ms)
	WHERE sent_at_ms IS NULL AND failed_at_ms IS NULL AND cancelled_at_ms IS NULL;
CREATE INDEX alert_outbox_subject ON alert_outbox (channel, subject, id);

CREATE TABLE alert_attempts (
	id INTEGER PRIMARY KEY,
	channel TEXT NOT NULL,
	at_ms INTEGER NOT NULL,
	-- alerts is how many outbox rows the request carried (a group).
	alerts INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	status_code INTEGER NOT NULL,
	latency_us INTEGER NOT NULL,
	error TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX alert_attempts_channel ON alert_attempts (channel, at_ms);

-- Components an operator silenced until a time: their alerts are dropped
-- unsent meanwhile.
CREATE TABLE alert_silences (
	component TEXT PRIMARY KEY,
	until_ms INTEGER NOT NULL,
	created_by TEXT NOT NULL,
	created_at_ms INTEGER NOT NULL
) STRICT;
