package config

import (
	"net/mail"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Alerts is who hears first when something breaks: the operators'
// channels and the rules that route changes to them.
type Alerts struct {
	// GroupWindow is the shortest time between two alerts to one channel:
	// changes that come within it after an alert are held and go out
	// together when it ends (default 10s; "0s" sends each at once).
	GroupWindow Duration `toml:"group_window"`
	// RetryFor is how long an alert is retried after 5xx answers,
	// timeouts and unreachable receivers before it is given up (default
	// 1h, at least 1m).
	RetryFor Duration `toml:"retry_for"`
	// StoreUnhealthyAfter is how long the store may refuse writes (the
	// database down, a disk error) before the operators are alerted,
	// directly since the outbox is in the store (default 1m, 5s to 1h).
	StoreUnhealthyAfter Duration `toml:"store_unhealthy_after"`
	// AllowNetworks are address ranges (CIDR) that channel URLs may reach
	// although they are not public, such as an internal receiver's
	// "10.1.2.0/24"; by default only public addresses are dialled.
	AllowNetworks []string `toml:"allow_networks"`
	// Allow is AllowNetworks parsed.
	Allow []netip.Prefix `toml:"-"`
	// Channels are where alerts go; Rules say which changes go where.
	Channels []AlertChannel `toml:"channels"`
	Rules    []AlertRule    `toml:"rules"`
}

// AlertChannel is one receiver of operator alerts.
type AlertChannel struct {
	// Name identifies the channel in rules, the console and the outbox.
	Name string `toml:"name"`
	// Kind is one of AlertKinds.
	Kind string `toml:"kind"`
	// URL is where alerts are posted, for kinds whose URL is no secret
	// (webhook, ntfy; pagerduty to override the Events API address);
	// URLFile holds it instead, and must for slack, teams and discord,
	// whose webhook URLs are credentials. Read into URLValue.
	URL      string `toml:"url"`
	URLFile  string `toml:"url_file"`
	URLValue Secret `toml:"-"`
	// SecretFile holds the webhook kind's Standard Webhooks signing
	// secret ("whsec_..."); read into Secret.
	SecretFile string `toml:"secret_file"`
	Secret     Secret `toml:"-"`
	// RoutingKeyFile holds the pagerduty integration key; read into
	// RoutingKey.
	RoutingKeyFile string `toml:"routing_key_file"`
	RoutingKey     Secret `toml:"-"`
	// TokenFile holds an ntfy access token (optional); read into Token.
	TokenFile string `toml:"token_file"`
	Token     Secret `toml:"-"`
	// To is the email kind's on-call list.
	To []string `toml:"to"`
}

// AlertRule routes changes to channels.
type AlertRule struct {
	// Channels the rule alerts (default: every channel).
	Channels []string `toml:"channels"`
	// Components whose status changes alert (default: every component,
	// unless Checks is set).
	Components []string `toml:"components"`
	// Checks whose state across zones alerts; with Zones, the state of
	// these checks (or of the listed components' checks) in each of those
	// zones alerts instead.
	Checks []string `toml:"checks"`
	Zones  []string `toml:"zones"`
	// Levels that alert: "down", "partial", "degraded" (default down and
	// partial). Leaving them for any other level resolves the alert.
	Levels []string `toml:"levels"`
	// Delay is how long a level must last before it alerts, to ride out
	// flaps (default 0s).
	Delay Duration `toml:"delay"`
	// Repeat sends the alert again this often while it lasts (default
	// 0s: never).
	Repeat Duration `toml:"repeat"`
	// Resolved sends a notice when the alert is over (default true).
	Resolved *bool `toml:"resolved"`
}

// SendResolved reports whether the rule sends resolved notices.
func (r AlertRule) SendResolved() bool { return r.Resolved == nil || *r.Resolved }

// AlertKinds are the kinds of alert channels.
var AlertKinds = []string{"discord", "email", "ntfy", "pagerduty", "slack", "teams", "webhook"}

// AlertLevels are the levels a rule may alert on.
var AlertLevels = []string{"down", "partial", "degraded"}

// DefaultAlertLevels are the levels of a rule that names none, and of the
// rule used when channels exist but no rule does.
var DefaultAlertLevels = []string{"down", "partial"}

func defaultAlerts() Alerts {
	return Alerts{GroupWindow: Duration(10 * time.Second), RetryFor: Duration(time.Hour), StoreUnhealthyAfter: Duration(time.Minute)}
}

// completeAlerts resolves the channels' files, reads their secrets and
// gives the rules their defaults.
func (v *checker) completeAlerts(c *Config) {
	a := &c.Alerts
	for i := range a.Channels {
		ch := &a.Channels[i]
		path := elem("alerts.channels", i)
		read := func(key string, file *string, into *Secret) {
			*file = resolve(c.Dir, *file)
			if *file == "" {
				return
			}
			s, err := ReadSecretFile(*file)
			if err != nil {
				v.addf(path+"."+key, "%v", err)
			}
			*into = s
		}
		read("url_file", &ch.URLFile, &ch.URLValue)
		if ch.URLFile == "" {
			ch.URLValue = Secret(ch.URL)
		}
		read("secret_file", &ch.SecretFile, &ch.Secret)
		read("routing_key_file", &ch.RoutingKeyFile, &ch.RoutingKey)
		read("token_file", &ch.TokenFile, &ch.Token)
	}
	for i := range a.Rules {
		if len(a.Rules[i].Levels) == 0 {
			a.Rules[i].Levels = slices.Clone(DefaultAlertLevels)
		}
	}
}

// alerts validates [alerts].
func (v *checker) alerts(c *Config) {
	a := &c.Alerts
	if v.durationKey("alerts.group_window") && (a.GroupWindow < 0 || a.GroupWindow.D() > time.Hour) {
		v.addf("alerts.group_window", "must be from 0s to 1h, got %s", a.GroupWindow)
	}
	if v.durationKey("alerts.retry_for") && a.RetryFor.D() < time.Minute {
		v.addf("alerts.retry_for", "must be at least 1m, got %s", a.RetryFor)
	}
	if v.durationKey("alerts.store_unhealthy_after") && (a.StoreUnhealthyAfter.D() < 5*time.Second || a.StoreUnhealthyAfter.D() > time.Hour) {
		v.addf("alerts.store_unhealthy_after", "must be from 5s to 1h, got %s", a.StoreUnhealthyAfter)
	}
	a.Allow = nil
	for i, s := range a.AllowNetworks {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			v.addf(elem("alerts.allow_networks", i), `must be a CIDR range such as "10.1.2.0/24", got %q`, s)
			continue
		}
		a.Allow = append(a.Allow, p.Masked())
	}
	names := map[string]string{}
	for i := range a.Channels {
		path := elem("alerts.channels", i)
		if v.slug(path+".name", a.Channels[i].Name) {
			v.unique(names, a.Channels[i].Name, path+".name", "channel")
		}
		v.alertChannel(path, &a.Channels[i])
	}
	v.alertRules(c, names)
}

// alertChannel checks that a channel has what its kind needs and nothing
// it would ignore.
func (v *checker) alertChannel(path string, ch *AlertChannel) {
	if !slices.Contains(AlertKinds, ch.Kind) {
		v.addf(path+".kind", "must be one of %s, got %q", strings.Join(AlertKinds, ", "), ch.Kind)
		return
	}
	if ch.URL != "" && ch.URLFile != "" {
		v.addf(path+".url_file", "set either url or url_file, not both")
	}
	needs := map[string]bool{}
	switch ch.Kind {
	case "slack", "teams", "discord":
		needs["url"], needs["url_file"] = true, true // a url is refused below, once
		if ch.URL != "" {
			v.addf(path+".url", "a %s webhook URL is a credential: put it in a file and name it in url_file", ch.Kind)
		} else if ch.URLFile == "" {
			v.addf(path+".url_file", "required for kind %q (the file holds the incoming webhook URL)", ch.Kind)
		}
	case "webhook", "ntfy":
		needs["url"], needs["url_file"] = true, true
		if ch.URLValue == "" && ch.URLFile == "" {
			v.addf(path+".url", "required for kind %q (or url_file)", ch.Kind)
		}
	case "pagerduty":
		needs["url"], needs["url_file"], needs["routing_key_file"] = true, true, true
		if ch.RoutingKeyFile == "" {
			v.addf(path+".routing_key_file", "required for kind \"pagerduty\" (the file holds the Events API v2 integration key)")
		}
	case "email":
		needs["to"] = true
		if len(ch.To) == 0 {
			v.addf(path+".to", "required for kind \"email\": the on-call addresses")
		}
		for j, to := range ch.To {
			if a, err := mail.ParseAddress(to); err != nil || a.Address == "" {
				v.addf(elem(path+".to", j), "must be an email address, got %q", to)
			}
		}
	}
	if ch.Kind == "webhook" {
		needs["secret_file"] = true
		if ch.SecretFile == "" {
			v.addf(path+".secret_file", `required for kind "webhook": the file holds the signing secret ("whsec_" and base64)`)
		}
	}
	if ch.Kind == "ntfy" {
		needs["token_file"] = true
	}
	if u := string(ch.URLValue); u != "" && !isWebURL(u) {
		key := "url"
		if ch.URLFile != "" {
			key = "url_file"
		}
		v.addf(path+"."+key, "must hold an absolute http:// or https:// URL")
	}
	for _, key := range []string{"url", "url_file", "secret_file", "routing_key_file", "token_file", "to"} {
		if !needs[key] && v.set(path+"."+key) {
			v.addf(path+"."+key, "not used by kind %q", ch.Kind)
		}
	}
}

// alertRules checks that rules name what exists.
func (v *checker) alertRules(c *Config, channels map[string]string) {
	comps, checks, zones := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, comp := range c.Components {
		comps[comp.Slug] = true
		for _, chk := range comp.Checks {
			checks[chk.Name] = true
		}
	}
	for _, z := range c.Zones {
		zones[z.Name] = true
	}
	if len(c.Alerts.Rules) > 0 && len(c.Alerts.Channels) == 0 {
		v.addf("alerts.rules", "rules need at least one [[alerts.channels]] to alert")
	}
	for i := range c.Alerts.Rules {
		r := &c.Alerts.Rules[i]
		path := elem("alerts.rules", i)
		known := func(key string, names []string, set map[string]bool, what string) {
			for j, n := range names {
				if !set[n] {
					v.addf(elem(path+"."+key, j), "no %s named %q", what, n)
				}
			}
		}
		chans := map[string]bool{}
		for n := range channels {
			chans[n] = true
		}
		known("channels", r.Channels, chans, "channel")
		known("components", r.Components, comps, "component")
		known("checks", r.Checks, checks, "check")
		known("zones", r.Zones, zones, "zone")
		for j, l := range r.Levels {
			if !slices.Contains(AlertLevels, l) {
				v.addf(elem(path+".levels", j), `must be "down", "partial" or "degraded", got %q`, l)
			}
		}
		if v.durationKey(path+".delay") && (r.Delay < 0 || r.Delay.D() > 24*time.Hour) {
			v.addf(path+".delay", "must be from 0s to 24h, got %s", r.Delay)
		}
		if v.durationKey(path+".repeat") && r.Repeat != 0 && r.Repeat.D() < time.Minute {
			v.addf(path+".repeat", `must be at least 1m, or "0s" for never, got %s`, r.Repeat)
		}
	}
}

// EffectiveRules are the rules that route alerts: those written, or,
// when channels exist but no rule does, one that alerts every channel
// when any component is down or partly down.
func (a Alerts) EffectiveRules() []AlertRule {
	if len(a.Rules) > 0 || len(a.Channels) == 0 {
		return a.Rules
	}
	return []AlertRule{{Levels: slices.Clone(DefaultAlertLevels)}}
}
