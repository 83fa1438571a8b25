package store

import (
	"strings"
	"sync"
)

// dialect is the SQL a store speaks. Queries are written once, in
// SQLite's syntax with numbered parameters (?1, ?2...); where PostgreSQL
// needs other SQL, the two versions are a pair right above their call,
// chosen with pick.
type dialect uint8

const (
	sqliteDialect dialect = iota
	postgresDialect
)

// pick returns the query for d.
func (d dialect) pick(sqlite, postgres string) string {
	if d == postgresDialect {
		return postgres
	}
	return sqlite
}

// String names the database: "sqlite" or "postgres".
func (d dialect) String() string { return d.pick("sqlite", "postgres") }

// Driver names the store's database: "sqlite" or "postgres".
func (s *Store) Driver() string { return s.d.String() }

// dollarQueries caches numberedToDollar: the store runs a few hundred
// distinct query strings, each many times.
var dollarQueries sync.Map // string -> string

// dollarParams rewrites SQLite's ?N parameters to PostgreSQL's $N, once per
// query string. A ? inside a string literal, quoted name or comment stays.
func dollarParams(q string) string {
	if v, ok := dollarQueries.Load(q); ok {
		return v.(string)
	}
	out := numberedToDollar(q)
	dollarQueries.Store(q, out)
	return out
}

func numberedToDollar(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q))
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '?' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			b.WriteByte('$')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
