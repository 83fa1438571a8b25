package config

import "time"

// Console is the operator console at /admin.
type Console struct {
	// SessionIdle ends a session unused this long (default 30m).
	SessionIdle Duration `toml:"session_idle"`
	// SessionMax ends a session this long after login, however busy
	// (default 12h).
	SessionMax Duration `toml:"session_max"`
}

func defaultConsole() Console {
	return Console{SessionIdle: Duration(30 * time.Minute), SessionMax: Duration(12 * time.Hour)}
}

func (v *checker) console(c *Console) {
	// A session's last use is recorded at most once a minute.
	if v.durationKey("console.session_idle") && c.SessionIdle.D() < time.Minute {
		v.addf("console.session_idle", "must be at least 1m, got %s", c.SessionIdle)
	}
	if v.durationKey("console.session_max") && c.SessionMax.D() < time.Minute {
		v.addf("console.session_max", "must be at least 1m, got %s", c.SessionMax)
	}
	if c.SessionMax.D() >= time.Minute && c.SessionIdle > c.SessionMax {
		v.addf("console.session_idle", "must not be longer than console.session_max (%s), got %s", c.SessionMax, c.SessionIdle)
	}
}
