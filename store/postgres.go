package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgresOptions tune a store on PostgreSQL. Zero values take the
// defaults.
type PostgresOptions struct {
	// MaxReadConns bounds the pool of connections for queries; default 10.
	// Writes take one more connection of their own: as on SQLite, they
	// run one at a time, in order.
	MaxReadConns int
	// IdleInTransaction, when set, has the server end a write session
	// that sits this long inside a transaction: a leader cut off from
	// the database mid-transaction holds the lease row's lock (see
	// checkFence) until then, delaying the next leader's takeover.
	IdleInTransaction time.Duration
}

// CheckPostgresDSN checks the shape of a libpq URL or key/value DSN
// without connecting, for check-config. The error never repeats the DSN,
// which may hold a password.
func CheckPostgresDSN(dsn string) error {
	_, err := parsePostgresDSN(dsn)
	return err
}

func parsePostgresDSN(dsn string) (*pgx.ConnConfig, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("empty PostgreSQL DSN")
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote the DSN with the password redacted
		// as best it can: give the cause only.
		msg := err.Error()
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			msg = msg[i+3:]
		}
		return nil, fmt.Errorf("invalid PostgreSQL DSN: %s", msg)
	}
	return cfg, nil
}

// OpenPostgres opens the history in the PostgreSQL database at dsn and
// brings its schema up to date. It refuses a database whose schema is
// newer than this binary's.
//
// It goes through pgx's database/sql adapter rather than its native pool:
// one code path serves both databases (the same *sql.Tx in every query
// function), and the per-row overhead the adapter adds is measured in
// docs/performance.md.
func OpenPostgres(ctx context.Context, dsn string, opts PostgresOptions) (*Store, error) {
	cfg, err := parsePostgresDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if opts.MaxReadConns <= 0 {
		opts.MaxReadConns = 10
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	// Every instant is a BIGINT of Unix ms; UTC here only keeps any
	// timestamp a person reads in the server's logs unambiguous.
	cfg.RuntimeParams["timezone"] = "UTC"
	s := &Store{d: postgresDialect, pgcfg: cfg.Copy()}
	// The lease has a connection of its own (opened on first use), so a
	// renewal never queues behind a long write.
	s.ldb = sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg.Copy())})
	s.ldb.SetMaxOpenConns(1)
	if opts.IdleInTransaction > 0 {
		cfg.RuntimeParams["idle_in_transaction_session_timeout"] = strconv.FormatInt(opts.IdleInTransaction.Milliseconds(), 10)
	}
	s.wdb = sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	if err := s.wdb.PingContext(ctx); err != nil {
		s.wdb.Close()
		s.ldb.Close()
		return nil, fmt.Errorf("store: open: connect to PostgreSQL: %w", err)
	}
	if err := migrate(ctx, s.wdb, postgresDialect); err != nil {
		s.wdb.Close()
		s.ldb.Close()
		return nil, err
	}
	rcfg := cfg.Copy()
	// The readers cannot write, as SQLite's mode=ro readers.
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	s.rdb = sql.OpenDB(pgConnector{stdlib.GetConnector(*rcfg)})
	s.rdb.SetMaxOpenConns(opts.MaxReadConns)
	s.rdb.SetMaxIdleConns(opts.MaxReadConns)
	s.rdb.SetConnMaxIdleTime(5 * time.Minute)
	if err := s.rdb.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	return s, nil
}

// pgConnector hands out connections that take the store's ?N parameters.
type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return pgConn{conn.(*stdlib.Conn)}, nil
}

// pgConn is pgx's connection with every query rewritten from ?N to $N;
// the rest (transactions, pings, session resets) is pgx's own.
type pgConn struct{ *stdlib.Conn }

func (c pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(dollarParams(query))
}

func (c pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, dollarParams(query))
}

func (c pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, dollarParams(query), args)
}

func (c pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, dollarParams(query), args)
}

// CheckNamedValue stores a Go bool as 1 or 0, as SQLite's driver does:
// flags are 0/1 integers on both databases, so the same SQL compares them.
func (c pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
	}
	return nil
}

// pgUnique reports whether err is PostgreSQL's unique violation.
func pgUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
