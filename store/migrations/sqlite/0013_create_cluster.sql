-- Cluster mode (docs/cluster.md). cluster_lease has at most one row, id 1:
-- the leader's name, its term's epoch (bumped by every takeover, never
-- reused) and when the term ends by the database's clock, in Unix ms.
-- cluster_nodes lists the nodes that said they were alive, for the
-- console and metrics. Both exist on SQLite too (the schemas match) but
-- only a PostgreSQL history is shared by nodes.
CREATE TABLE cluster_lease (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	holder TEXT NOT NULL,
	epoch INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL
) STRICT;
CREATE TABLE cluster_nodes (
	node TEXT PRIMARY KEY,
	role TEXT NOT NULL,
	version TEXT NOT NULL,
	addr TEXT NOT NULL,
	epoch INTEGER NOT NULL,
	seen_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
