package config

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

const day = 24 * time.Hour

// ParseDuration parses a Go duration ("30s", "1m30s", "1.5h") optionally
// led by a number of days ("30d", "1d12h", "-2d"), since retention and
// report periods are naturally written in days and time.ParseDuration has
// no unit for them.
func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("invalid duration %q (write it like 30s, 1m30s, 2h or 30d)", s)
	rest, neg := strings.CutPrefix(s, "-")
	if !neg {
		rest, _ = strings.CutPrefix(rest, "+")
	}
	if rest == "" || !startsNumber(rest) {
		return 0, bad
	}
	var total time.Duration
	if days, after, ok := strings.Cut(rest, "d"); ok {
		// No Go duration unit contains a "d", so everything before it is
		// the day count.
		h, err := time.ParseDuration(days + "h")
		if err != nil || h > math.MaxInt64/24 {
			return 0, bad
		}
		total, rest = h*24, after
		if rest == "" {
			return sign(total, neg), nil
		}
		if !startsNumber(rest) {
			return 0, bad
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil || d > math.MaxInt64-total {
		return 0, bad
	}
	return sign(total+d, neg), nil
}

func startsNumber(s string) bool {
	return s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '.')
}

func sign(d time.Duration, neg bool) time.Duration {
	if neg {
		return -d
	}
	return d
}

// String formats the duration the way it is written in the config: whole
// days as "d", and without zero minutes or seconds ("30d", "1d12h", "1h",
// "1m30s", "250ms").
func (d Duration) String() string {
	v := time.Duration(d)
	if v == math.MinInt64 {
		return v.String() // cannot be negated
	}
	if v < 0 {
		return "-" + Duration(-v).String()
	}
	var b strings.Builder
	if v >= day {
		fmt.Fprintf(&b, "%dd", v/day)
		v %= day
		if v == 0 {
			return b.String()
		}
	}
	s := v.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	b.WriteString(s)
	return b.String()
}

// UnmarshalText parses a duration as ParseDuration does; go-toml uses it
// for TOML strings.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as String does, so that it reads back.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// MarshalJSON writes the duration as a JSON string ("30s"), the form
// checks take when sent to agents; UnmarshalText reads it back.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}
