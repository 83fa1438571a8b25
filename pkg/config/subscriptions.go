package config

import "time"

// Subscriptions configures email subscriptions: the public form, its
// double opt-in and the limits that keep strangers from using it to
// flood someone's inbox.
type Subscriptions struct {
	// Enabled serves /subscribe and its links (default true).
	Enabled bool `toml:"enabled"`
	// ConfirmWithin is how long a confirmation link stays valid; an
	// opt-in not confirmed by then is deleted (default 48h).
	ConfirmWithin Duration `toml:"confirm_within"`
	// PerIPPerMinute and PerIPPerDay cap subscribe requests from one
	// client address (default 5 and 20); more get 429.
	PerIPPerMinute int `toml:"per_ip_per_minute"`
	PerIPPerDay    int `toml:"per_ip_per_day"`
}

func defaultSubscriptions() Subscriptions {
	return Subscriptions{Enabled: true, ConfirmWithin: Duration(48 * time.Hour), PerIPPerMinute: 5, PerIPPerDay: 20}
}

// subscriptions validates [subscriptions].
func (v *checker) subscriptions(s *Subscriptions) {
	const within = "subscriptions.confirm_within"
	if v.durationKey(within) && (s.ConfirmWithin.D() < 10*time.Minute || s.ConfirmWithin.D() > 30*24*time.Hour) {
		v.addf(within, "must be from 10m to 30d (mail can take minutes to arrive), got %s", s.ConfirmWithin)
	}
	if s.PerIPPerMinute < 1 {
		v.addf("subscriptions.per_ip_per_minute", "must be at least 1, got %d", s.PerIPPerMinute)
	}
	if s.PerIPPerDay < s.PerIPPerMinute {
		v.addf("subscriptions.per_ip_per_day", "must be at least per_ip_per_minute (%d), got %d", s.PerIPPerMinute, s.PerIPPerDay)
	}
}
