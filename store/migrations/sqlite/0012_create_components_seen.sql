-- When each component first appeared: Statuspage's created_at, which must
-- not move with every restart (see Store.ComponentsSeen).
CREATE TABLE components_seen (
	slug TEXT PRIMARY KEY,
	first_seen_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
