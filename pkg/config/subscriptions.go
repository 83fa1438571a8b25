package config

import "time"

// Subscriptions configures subscriptions: the public form, its double
// opt-in and the limits that keep strangers from using it to flood
// someone's inbox or endpoint, and the delivery to subscribers' webhooks
// and chat channels.
type Subscriptions struct {
	// Enabled serves /subscribe and its links (default true).
	Enabled bool `toml:"enabled"`
	// ConfirmWithin is how long a confirmation link (or a webhook's
	// verification) stays valid; an opt-in not confirmed by then is
	// deleted (default 48h).
	ConfirmWithin Duration `toml:"confirm_within"`
	// PerIPPerMinute and PerIPPerDay cap subscribe requests from one
	// client address (default 5 and 20); more get 429.
	PerIPPerMinute int `toml:"per_ip_per_minute"`
	PerIPPerDay    int `toml:"per_ip_per_day"`

	// Webhooks offers webhook, Slack, Teams and Discord subscriptions on
	// /subscribe (default true). Their URLs are reached only at public
	// addresses, unless alerts.allow_networks opens a range.
	Webhooks bool `toml:"webhooks"`
	// PerHostPerDay caps the verification requests sent to one URL host
	// in 24 hours (default 10): sign-ups beyond it are refused.
	PerHostPerDay int `toml:"webhook_per_host_per_day"`
	// QuarantineAfter failed deliveries within QuarantineWindow pause a
	// subscription until an operator lifts it (default 10 within 1h).
	QuarantineAfter  int      `toml:"quarantine_after"`
	QuarantineWindow Duration `toml:"quarantine_window"`
	// WebhookRetryFor is how long a delivery is retried from its first
	// attempt (default 24h); WebhookTimeout bounds one attempt (default
	// 10s).
	WebhookRetryFor Duration `toml:"webhook_retry_for"`
	WebhookTimeout  Duration `toml:"webhook_timeout"`
	// WebhookWorkers is how many deliveries are in flight at once
	// (default 4); a crash repeats at most that many.
	WebhookWorkers int `toml:"webhook_workers"`
}

func defaultSubscriptions() Subscriptions {
	return Subscriptions{Enabled: true, ConfirmWithin: Duration(48 * time.Hour), PerIPPerMinute: 5, PerIPPerDay: 20,
		Webhooks: true, PerHostPerDay: 10, QuarantineAfter: 10, QuarantineWindow: Duration(time.Hour),
		WebhookRetryFor: Duration(24 * time.Hour), WebhookTimeout: Duration(10 * time.Second), WebhookWorkers: 4}
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
	if s.PerHostPerDay < 1 {
		v.addf("subscriptions.webhook_per_host_per_day", "must be at least 1, got %d", s.PerHostPerDay)
	}
	if s.QuarantineAfter < 1 || s.QuarantineAfter > 1000 {
		v.addf("subscriptions.quarantine_after", "must be from 1 to 1000 failed deliveries, got %d", s.QuarantineAfter)
	}
	const window = "subscriptions.quarantine_window"
	if v.durationKey(window) && (s.QuarantineWindow.D() < time.Minute || s.QuarantineWindow.D() > 7*24*time.Hour) {
		v.addf(window, "must be from 1m to 7d, got %s", s.QuarantineWindow)
	}
	const retry = "subscriptions.webhook_retry_for"
	if v.durationKey(retry) && (s.WebhookRetryFor.D() < time.Minute || s.WebhookRetryFor.D() > 7*24*time.Hour) {
		v.addf(retry, "must be from 1m to 7d, got %s", s.WebhookRetryFor)
	}
	const timeout = "subscriptions.webhook_timeout"
	if v.durationKey(timeout) && (s.WebhookTimeout.D() < time.Second || s.WebhookTimeout.D() > time.Minute) {
		v.addf(timeout, "must be from 1s to 1m, got %s", s.WebhookTimeout)
	}
	if s.WebhookWorkers < 1 || s.WebhookWorkers > 256 {
		v.addf("subscriptions.webhook_workers", "must be from 1 to 256, got %d", s.WebhookWorkers)
	}
}
