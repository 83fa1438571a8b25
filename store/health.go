package store

import (
	"context"
	"database/sql"
	"time"
)

// metaWriteProbe is the meta key ProbeWrite writes.
const metaWriteProbe = "write_probe_ms"

// ProbeWrite commits the smallest write there is (the time, in one meta
// row): it fails while the store cannot take writes, PostgreSQL down or
// SQLite's disk failing, whatever the reads still manage. It is never
// fenced: any node may ask.
func (s *Store) ProbeWrite(ctx context.Context, now time.Time) error {
	return s.writeTx(ctx, "probe a write", func(tx *sql.Tx) error {
		return s.d.setMeta(ctx, tx, metaWriteProbe, ms(now))
	})
}
