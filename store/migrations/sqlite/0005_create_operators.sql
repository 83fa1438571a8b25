-- Operator accounts for the console. Email is unique whatever its case;
-- the password is an argon2id hash in its encoded form (parameters and
-- salt included). A disabled account keeps its row for the audit log.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL COLLATE NOCASE UNIQUE,
	password_hash TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin', 'operator')),
	created_at_ms INTEGER NOT NULL,
	password_changed_at_ms INTEGER NOT NULL,
	disabled_at_ms INTEGER
) STRICT;

-- Console sessions, kept server-side. The cookie holds a random secret;
-- only its SHA-256 is stored. A session ends at its absolute expiry, when
-- revoked (logout, password change, account disabled), or when idle (the
-- caller compares last_seen_at_ms with its idle timeout).
CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	hash BLOB NOT NULL UNIQUE,
	user_id INTEGER NOT NULL REFERENCES users (id),
	created_at_ms INTEGER NOT NULL,
	last_seen_at_ms INTEGER NOT NULL,
	expires_at_ms INTEGER NOT NULL,
	revoked_at_ms INTEGER
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at_ms IS NULL;
