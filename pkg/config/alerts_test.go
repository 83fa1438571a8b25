package config

import (
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestAlertsLoad: every kind of channel with its secrets read from files
// relative to the config, rules with their defaults.
func TestAlertsLoad(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "secrets", "slack"), "https://hooks.slack.com/services/T0/B0/x\n")
	write(t, filepath.Join(dir, "secrets", "whsec"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
	write(t, filepath.Join(dir, "secrets", "pd"), "R0UTINGKEY\n")
	write(t, filepath.Join(dir, "secrets", "ntfy"), "tk_abc\n")
	doc := `
[[components]]
slug = "api"
name = "API"
  [[components.checks]]
  name = "api-health"
  kind = "tcp"
  target = "127.0.0.1:1"

[alerts]
group_window = "0s"
allow_networks = ["10.1.2.3/16"]

[[alerts.channels]]
name = "slack"
kind = "slack"
url_file = "secrets/slack"

[[alerts.channels]]
name = "hook"
kind = "webhook"
url = "https://hooks.example.com/ampel"
secret_file = "secrets/whsec"

[[alerts.channels]]
name = "pd"
kind = "pagerduty"
routing_key_file = "secrets/pd"

[[alerts.channels]]
name = "push"
kind = "ntfy"
url = "https://ntfy.example.com/ops"
token_file = "secrets/ntfy"

[[alerts.channels]]
name = "oncall"
kind = "email"
to = ["a@example.com", "B <b@example.com>"]

[[alerts.rules]]
channels = ["pd"]
checks = ["api-health"]
zones = ["local"]
delay = "2m"
repeat = "1h"
resolved = false

[[alerts.rules]]
components = ["api"]
`
	cfg, err := Parse(filepath.Join(dir, "c.toml"), []byte(doc), kinds)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Alerts
	if a.GroupWindow != 0 || a.RetryFor.D() != time.Hour {
		t.Errorf("group_window %s retry_for %s, want 0s and the default 1h", a.GroupWindow, a.RetryFor)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}; !slices.Equal(a.Allow, want) {
		t.Errorf("allow = %v, want %v", a.Allow, want)
	}
	got := map[string]Secret{}
	for _, ch := range a.Channels {
		got[ch.Name+".url"] = ch.URLValue
		got[ch.Name+".secret"] = ch.Secret
		got[ch.Name+".key"] = ch.RoutingKey
		got[ch.Name+".token"] = ch.Token
	}
	for key, want := range map[string]Secret{
		"slack.url":    "https://hooks.slack.com/services/T0/B0/x",
		"hook.url":     "https://hooks.example.com/ampel",
		"hook.secret":  "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"pd.key":       "R0UTINGKEY",
		"pd.url":       "",
		"push.token":   "tk_abc",
		"oncall.url":   "",
		"slack.secret": "",
	} {
		if got[key] != want {
			t.Errorf("%s = %q, want %q", key, got[key], want)
		}
	}
	rules := a.EffectiveRules()
	if len(rules) != 2 {
		t.Fatalf("%d rules, want the 2 written", len(rules))
	}
	if r := rules[0]; r.SendResolved() || r.Delay.D() != 2*time.Minute || r.Repeat.D() != time.Hour {
		t.Errorf("rule 0 = %+v", r)
	}
	if r := rules[1]; !r.SendResolved() || !slices.Equal(r.Levels, []string{"down", "partial"}) || len(r.Channels) != 0 {
		t.Errorf("rule 1 = %+v, want the defaults (down and partial, every channel, resolved)", r)
	}
}

// TestAlertsDefaultRule: channels and no rule alert every component on
// down and partial; no channel, no rule.
func TestAlertsDefaultRule(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Parse(filepath.Join(dir, "c.toml"), []byte(`[[alerts.channels]]
name = "push"
kind = "ntfy"
url = "https://ntfy.example.com/ops"
`), kinds)
	if err != nil {
		t.Fatal(err)
	}
	rules := cfg.Alerts.EffectiveRules()
	if len(rules) != 1 || !slices.Equal(rules[0].Levels, []string{"down", "partial"}) ||
		len(rules[0].Components)+len(rules[0].Checks)+len(rules[0].Channels) != 0 || !rules[0].SendResolved() {
		t.Errorf("default rules = %+v", rules)
	}
	empty, err := Parse(filepath.Join(dir, "c.toml"), nil, kinds)
	if err != nil {
		t.Fatal(err)
	}
	if r := empty.Alerts.EffectiveRules(); len(r) != 0 {
		t.Errorf("no channels, rules = %+v", r)
	}
}
