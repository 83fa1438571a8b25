package alert

import (
	"slices"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// rule is a config rule made ready for matching.
type rule struct {
	channels                 []string
	components, checks, zone map[string]bool
	levels                   map[status.Level]bool
	cfg                      config.AlertRule
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Router routes changes by the config's rules (config.Alerts.
// EffectiveRules); nil when there is no channel.
func Router(cfg *config.Config) store.AlertRouter {
	if len(cfg.Alerts.Channels) == 0 {
		return nil
	}
	var all []string
	for _, c := range cfg.Alerts.Channels {
		all = append(all, c.Name)
	}
	componentOf := map[string]string{}
	for _, comp := range cfg.Components {
		for _, chk := range comp.Checks {
			componentOf[chk.Name] = comp.Slug
		}
	}
	var rules []rule
	for _, r := range cfg.Alerts.EffectiveRules() {
		ru := rule{channels: r.Channels, components: set(r.Components), checks: set(r.Checks), zone: set(r.Zones),
			levels: map[status.Level]bool{}, cfg: r}
		if len(ru.channels) == 0 {
			ru.channels = all
		}
		for _, l := range r.Levels {
			if lv, err := status.ParseLevel(l); err == nil {
				ru.levels[lv] = true
			}
		}
		rules = append(rules, ru)
	}
	return func(c status.Change) []store.AlertRoute {
		if c.To == status.NoData {
			// Nothing is known: neither a problem nor its end.
			return nil
		}
		var out []store.AlertRoute
		for _, r := range rules {
			if !r.matches(c, componentOf[c.Subject]) {
				continue
			}
			firing := r.levels[c.To]
			if !firing && !r.levels[c.From] && c.From != status.NoData && c.From != status.Up {
				// Between two levels the rule ignores (up to degraded when
				// it alerts on outages): no alert of it can be open.
				continue
			}
			for _, ch := range r.channels {
				out = merge(out, store.AlertRoute{Channel: ch, Firing: firing, Delay: r.cfg.Delay.D(),
					Repeat: r.cfg.Repeat.D(), Resolved: r.cfg.SendResolved()})
			}
		}
		return out
	}
}

// matches reports whether the rule covers the change's subject.
func (r rule) matches(c status.Change, component string) bool {
	switch c.Kind {
	case status.Component:
		return len(r.checks) == 0 && len(r.zone) == 0 && (len(r.components) == 0 || r.components[c.Subject])
	case status.Check:
		return len(r.zone) == 0 && r.checks[c.Subject]
	case status.CheckZone:
		if len(r.zone) == 0 || !r.zone[c.Zone] {
			return false
		}
		if len(r.checks) == 0 && len(r.components) == 0 {
			return true
		}
		return r.checks[c.Subject] || r.components[component]
	}
	return false
}

// merge adds a route, combining it with one to the same channel: firing
// wins, the shorter delay and repeat and a resolved notice if either
// wants one.
func merge(routes []store.AlertRoute, r store.AlertRoute) []store.AlertRoute {
	i := slices.IndexFunc(routes, func(o store.AlertRoute) bool { return o.Channel == r.Channel })
	if i < 0 {
		return append(routes, r)
	}
	o := &routes[i]
	switch {
	case r.Firing && !o.Firing:
		*o = r
	case r.Firing == o.Firing:
		o.Delay = min(o.Delay, r.Delay)
		if r.Repeat > 0 && (o.Repeat == 0 || r.Repeat < o.Repeat) {
			o.Repeat = r.Repeat
		}
		o.Resolved = o.Resolved || r.Resolved
	}
	return routes
}
