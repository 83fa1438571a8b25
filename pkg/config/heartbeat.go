package config

import (
	"strings"
	"time"
)

// Heartbeat settings for kind "heartbeat": the job watched calls Ampel
// (GET or POST /api/v1/heartbeat/{token}) instead of being probed, so the
// check has no target. It is down when no call came for interval + grace,
// when a call reports a failure, or when a run announced by a start call
// has not finished within max_runtime.
type Heartbeat struct {
	// Grace is how late a call may be after the interval (default 1m).
	Grace Duration `toml:"grace" json:"grace,omitempty"`
	// MaxRuntime is how long a run may take from its start call to the
	// call that ends it (default: the interval).
	MaxRuntime Duration `toml:"max_runtime" json:"max_runtime,omitempty"`
}

// DefaultHeartbeatGrace is the grace of a heartbeat check that sets none.
const DefaultHeartbeatGrace = time.Minute

// completeHeartbeat applies the defaults of a heartbeat check: its zone
// is the first local zone (heartbeats arrive at the server), one missed
// or failed call is enough (the grace is the confirmation), and a run
// may last one interval.
func (v *checker) completeHeartbeat(c *Config, path string, chk *Check) {
	if !v.set(path + ".zones") {
		chk.Zones = nil
		for _, z := range c.Zones {
			if z.Kind == "local" {
				chk.Zones = []string{z.Name}
				break
			}
		}
	}
	if !v.set(path + ".failures_to_down") {
		chk.FailuresToDown = 1
	}
	h := chk.Heartbeat
	if !v.set(path + ".heartbeat.grace") {
		h.Grace = Duration(DefaultHeartbeatGrace)
	}
	if !v.set(path + ".heartbeat.max_runtime") {
		h.MaxRuntime = chk.Interval
	}
}

func (v *checker) heartbeat(path string, chk *Check) {
	h := chk.Heartbeat
	if v.durationKey(path+".grace") && h.Grace < 0 {
		v.addf(path+".grace", "must not be negative")
	}
	if v.durationKey(path+".max_runtime") && h.MaxRuntime < Duration(time.Second) {
		v.addf(path+".max_runtime", "must be at least 1s, got %s", h.MaxRuntime)
	}
	zp := strings.TrimSuffix(path, ".heartbeat") + ".zones"
	switch {
	case len(chk.Zones) == 0:
		v.addf(zp, "kind \"heartbeat\" needs a zone with kind = \"local\": heartbeats arrive at the server")
	case len(chk.Zones) > 1:
		v.addf(zp, "kind \"heartbeat\" takes one zone: heartbeats arrive at the server")
	case len(chk.Zones) == 1 && !v.local[chk.Zones[0]]:
		if _, declared := v.local[chk.Zones[0]]; declared {
			v.addf(zp, "zone %q is remote: heartbeats arrive at the server, name a local zone", chk.Zones[0])
		}
	}
}
