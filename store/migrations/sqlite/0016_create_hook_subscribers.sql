-- Subscribers reached by an HTTP endpoint instead of mail: a webhook
-- (Statuspage's subscriber webhook bodies, signed per Standard Webhooks)
-- or a Slack, Teams or Discord incoming webhook. Like subscribers, a row
-- is pending until its endpoint proves it is listening (the verification
-- request), and a pending row past expires_at_ms is dead. A subscription
-- whose endpoint keeps failing is quarantined: nothing more is sent until
-- an operator lifts it.
CREATE TABLE hook_subscribers (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'teams', 'discord')),
	url TEXT NOT NULL,
	-- host is the URL's host name, which the per-host sign-up limit counts.
	host TEXT NOT NULL COLLATE NOCASE,
	-- secret is the webhook kind's Standard Webhooks key ("whsec_..."),
	-- kept as it is because signing needs it; empty for the chat kinds.
	secret TEXT NOT NULL DEFAULT '',
	lang TEXT NOT NULL DEFAULT 'en',
	all_components INTEGER NOT NULL DEFAULT 1 CHECK (all_components IN (0, 1)),
	created_at_ms INTEGER NOT NULL,
	expires_at_ms INTEGER,
	confirmed_at_ms INTEGER,
	unsubscribed_at_ms INTEGER,
	quarantined_at_ms INTEGER,
	quarantine_reason TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX hook_subscribers_host ON hook_subscribers (host, created_at_ms);

CREATE TABLE hook_subscriber_components (
	hook_id INTEGER NOT NULL REFERENCES hook_subscribers (id) ON DELETE CASCADE,
	component TEXT NOT NULL,
	PRIMARY KEY (hook_id, component)
) STRICT, WITHOUT ROWID;

CREATE INDEX hook_subscriber_components_component ON hook_subscriber_components (component);

-- Confirmation and manage tokens of hook subscribers: only their SHA-256.
CREATE TABLE hook_tokens (
	hash BLOB PRIMARY KEY,
	hook_id INTEGER NOT NULL REFERENCES hook_subscribers (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'manage')),
	created_at_ms INTEGER NOT NULL,
	expires_at_ms INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX hook_tokens_hook ON hook_tokens (hook_id);

-- One row per (event, hook subscriber), written in the transaction that
-- records the event: a component's status change (kind 'component'), an
-- incident change (kind 'incident'), or the verification request of a
-- new subscription (kind 'verify'). The unique key makes a repeated
-- enqueue a no-op.
CREATE TABLE hook_outbox (
	id INTEGER PRIMARY KEY,
	event_key TEXT NOT NULL,
	hook_id INTEGER NOT NULL REFERENCES hook_subscribers (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	-- object_id and update_id name the incident and its update; component
	-- and the statuses name a component's move.
	object_id INTEGER NOT NULL DEFAULT 0,
	update_id INTEGER NOT NULL DEFAULT 0,
	component TEXT NOT NULL DEFAULT '',
	from_status TEXT NOT NULL DEFAULT '',
	to_status TEXT NOT NULL DEFAULT '',
	at_ms INTEGER NOT NULL,
	created_at_ms INTEGER NOT NULL,
	next_attempt_at_ms INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	first_try_at_ms INTEGER,
	last_error TEXT NOT NULL DEFAULT '',
	sent_at_ms INTEGER,
	failed_at_ms INTEGER,
	UNIQUE (event_key, hook_id)
) STRICT;

CREATE INDEX hook_outbox_due ON hook_outbox (next_attempt_at_ms) WHERE sent_at_ms IS NULL AND failed_at_ms IS NULL;
CREATE INDEX hook_outbox_hook ON hook_outbox (hook_id, kind, created_at_ms);

-- Every delivery attempt: the console shows them, and the failures of
-- the last quarantine window decide a quarantine.
CREATE TABLE hook_attempts (
	id INTEGER PRIMARY KEY,
	hook_id INTEGER NOT NULL REFERENCES hook_subscribers (id) ON DELETE CASCADE,
	at_ms INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	status_code INTEGER NOT NULL,
	latency_us INTEGER NOT NULL,
	error TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX hook_attempts_hook ON hook_attempts (hook_id, at_ms);
