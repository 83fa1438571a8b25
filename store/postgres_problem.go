package store

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgresTarget names the server and database a DSN points at, for logs
// and messages: "db.example.com:5432/ampel (user ampel)". It never holds
// the password; a DSN that does not parse gives "PostgreSQL".
func PostgresTarget(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "PostgreSQL"
	}
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))) + "/" + cfg.Database + " (user " + cfg.User + ")"
}

// PostgresProblem says in words why PostgreSQL could not be used, from
// the error OpenPostgres returned: the server unreachable, the role or
// its password refused, the database missing, the server full. It is ""
// when err is none of these.
func PostgresProblem(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "28P01", "28000":
			return "the server refused the role or its password: check user and password in the DSN file, and the server's pg_hba.conf"
		case "3D000":
			return "the database does not exist: create it (docs/operations.md, PostgreSQL)"
		case "42501":
			return "the role lacks a privilege Ampel needs: make it the owner of the database"
		case "53300":
			return "the server has no connection left: lower storage.max_open_conns or raise the server's max_connections"
		case "57P01", "57P02", "57P03":
			return "the server is starting up or shutting down"
		}
		return ""
	}
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		return "the server's host name does not resolve"
	case errors.As(err, &op):
		return "the server cannot be reached: is it running, are host and port right, does a firewall block the port?"
	case errors.Is(err, context.DeadlineExceeded):
		return "the server did not answer in time"
	}
	return ""
}
