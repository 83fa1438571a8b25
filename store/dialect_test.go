package store

import "testing"

func TestDollarParams(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE a = ?1 AND b > ?12`, `SELECT a FROM t WHERE a = $1 AND b > $12`},
		{`SELECT '?1', "x?2", ?3`, `SELECT '?1', "x?2", $3`},
		{"SELECT ?1 -- why ?2\n, ?2", "SELECT $1 -- why ?2\n, $2"},
		{`SELECT 'it''s ?1', ?1`, `SELECT 'it''s ?1', $1`},
		{`SELECT '?1`, `SELECT '?1`},
	} {
		if got := dollarParams(tc.in); got != tc.want {
			t.Errorf("dollarParams(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := dollarParams(tc.in); got != tc.want {
			t.Errorf("cached dollarParams(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
