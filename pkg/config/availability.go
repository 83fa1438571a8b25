package config

import "sort"

// Availability configures the availability reports: how partial outages
// count and what service credit a month earns.
type Availability struct {
	// PartialWeight is the share of partial-outage time counted as
	// downtime, from 0 to 1 (default 0.3, Statuspage's convention).
	PartialWeight float64 `toml:"partial_weight"`
	// Credits are the service-credit tiers: a month whose availability is
	// below a tier's threshold earns its credit; the highest credit among
	// the tiers it falls below wins (default: none).
	Credits []CreditTier `toml:"credits"`
}

// CreditTier is one service-credit tier.
type CreditTier struct {
	// Below is the availability threshold in percent.
	Below float64 `toml:"below"`
	// Credit is the share of the month's fee credited, in percent.
	Credit float64 `toml:"credit"`
}

func defaultAvailability() Availability {
	return Availability{PartialWeight: 0.3}
}

// ComponentSLO returns the availability target of a component in percent:
// its own slo, or the site's.
func (c *Config) ComponentSLO(comp *Component) float64 {
	if comp.SLO > 0 {
		return comp.SLO
	}
	return c.Site.SLO
}

// completeAvailability applies the defaults that depend on the file: a
// weight of 1 in its group for every component that sets none, and the
// credit tiers sorted by threshold, highest first.
func completeAvailability(c *Config) {
	for i := range c.Components {
		if c.Components[i].GroupWeight == 0 {
			c.Components[i].GroupWeight = 1
		}
	}
	sort.SliceStable(c.Availability.Credits, func(i, j int) bool {
		return c.Availability.Credits[i].Below > c.Availability.Credits[j].Below
	})
}

func (v *checker) availability(c *Config) {
	a := &c.Availability
	if !(a.PartialWeight >= 0 && a.PartialWeight <= 1) {
		v.addf("availability.partial_weight", "must be from 0 to 1, got %v", a.PartialWeight)
	}
	for i, t := range a.Credits {
		path := elem("availability.credits", i)
		if !(t.Below > 0 && t.Below <= 100) {
			v.addf(path+".below", "must be a percentage above 0 and at most 100, got %v", t.Below)
		}
		if !(t.Credit > 0 && t.Credit <= 100) {
			v.addf(path+".credit", "must be a percentage above 0 and at most 100, got %v", t.Credit)
		}
	}
	for i := range c.Components {
		comp := &c.Components[i]
		path := elem("components", i)
		if v.set(path+".slo") && !(comp.SLO > 0 && comp.SLO < 100) {
			v.addf(path+".slo", "must be a percentage above 0 and below 100, got %v", comp.SLO)
		}
		if v.set(path+".group_weight") && !(comp.GroupWeight > 0) {
			v.addf(path+".group_weight", "must be above 0, got %v", comp.GroupWeight)
		}
	}
	completeAvailability(c)
}
