-- Email subscribers and the outbox that delivers their notifications.
--
-- A subscriber is pending until confirmed (double opt-in); a pending row
-- past expires_at_ms is dead and may be deleted. Unsubscribing keeps the
-- row (unsubscribed_at_ms) so a later subscribe starts a fresh opt-in; a
-- permanent SMTP failure marks it bounced and nothing more is sent.
CREATE TABLE subscribers (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL COLLATE NOCASE UNIQUE,
	-- lang is the catalogue language of the page they subscribed on.
	lang TEXT NOT NULL DEFAULT 'en',
	-- all_components: 1 for every component (the default), 0 for those
	-- in subscriber_components only.
	all_components INTEGER NOT NULL DEFAULT 1 CHECK (all_components IN (0, 1)),
	created_at_ms INTEGER NOT NULL,
	expires_at_ms INTEGER,
	confirmed_at_ms INTEGER,
	unsubscribed_at_ms INTEGER,
	bounced_at_ms INTEGER,
	bounce_reason TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE subscriber_components (
	subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	component TEXT NOT NULL,
	PRIMARY KEY (subscriber_id, component)
) STRICT, WITHOUT ROWID;

CREATE INDEX subscriber_components_component ON subscriber_components (component);

-- Confirmation and manage/unsubscribe tokens: only their SHA-256 is kept.
CREATE TABLE subscriber_tokens (
	hash BLOB PRIMARY KEY,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL CHECK (purpose IN ('confirm', 'manage')),
	created_at_ms INTEGER NOT NULL,
	expires_at_ms INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX subscriber_tokens_subscriber ON subscriber_tokens (subscriber_id);

-- One row per (event, subscriber), written in the same transaction as the
-- event (an incident update, a maintenance change, a confirmation
-- request). event_key names the event ("incident:12:update:34",
-- "maintenance:3:reminder", "confirm:55:1"); the unique key makes a
-- repeated enqueue a no-op. The dispatcher sends rows whose
-- next_attempt_at_ms has come, and marks each sent or failed.
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	event_key TEXT NOT NULL,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id INTEGER NOT NULL DEFAULT 0,
	update_id INTEGER NOT NULL DEFAULT 0,
	created_at_ms INTEGER NOT NULL,
	next_attempt_at_ms INTEGER NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	sent_at_ms INTEGER,
	failed_at_ms INTEGER,
	UNIQUE (event_key, subscriber_id)
) STRICT;

CREATE INDEX outbox_due ON outbox (next_attempt_at_ms) WHERE sent_at_ms IS NULL AND failed_at_ms IS NULL;
CREATE INDEX outbox_subscriber ON outbox (subscriber_id, created_at_ms);
