package config

import "time"

// ICMP settings for kind "icmp". Target is a host name or an IP address.
// A packet not answered within the check's timeout counts as lost.
type ICMP struct {
	// Count is how many echo requests one run sends (default 3).
	Count int `toml:"count" json:"count,omitempty"`
	// PacketInterval is the wait between two requests (default 200ms).
	PacketInterval Duration `toml:"packet_interval" json:"packet_interval,omitempty"`
	// DegradedLossPercent: losing at least this share of the packets is
	// degraded (default 1: any loss). DownLossPercent: losing at least
	// this share is down (default 100: no answer at all).
	DegradedLossPercent float64 `toml:"degraded_loss_percent" json:"degraded_loss_percent,omitempty"`
	DownLossPercent     float64 `toml:"down_loss_percent" json:"down_loss_percent,omitempty"`
	// DegradedAfter: an average round trip slower than this is degraded.
	DegradedAfter Duration `toml:"degraded_after" json:"degraded_after,omitempty"`
}

// ICMP defaults, applied by the probe where a setting is zero.
const (
	DefaultICMPCount          = 3
	DefaultICMPPacketInterval = 200 * time.Millisecond
)

func (v *checker) icmp(path string, chk *Check) {
	c := chk.ICMP
	if c.Count < 0 || c.Count > 100 {
		v.addf(path+".count", "must be between 1 and 100, got %d", c.Count)
	}
	if v.durationKey(path+".packet_interval") && c.PacketInterval != 0 {
		if c.PacketInterval < Duration(10*time.Millisecond) {
			v.addf(path+".packet_interval", "must be at least 10ms, got %s", c.PacketInterval)
		} else if n := max(c.Count, 1); chk.Timeout > 0 && time.Duration(n-1)*c.PacketInterval.D() >= chk.Timeout.D() {
			v.addf(path+".packet_interval", "%d packets %s apart do not fit in timeout %s", n, c.PacketInterval, chk.Timeout)
		}
	}
	lossOK := true
	for _, k := range []struct {
		key string
		pct float64
	}{{"degraded_loss_percent", c.DegradedLossPercent}, {"down_loss_percent", c.DownLossPercent}} {
		if k.pct != 0 && (k.pct < 1 || k.pct > 100) {
			v.addf(path+"."+k.key, "must be a percentage between 1 and 100, got %g", k.pct)
			lossOK = false
		}
	}
	if lossOK && c.DegradedLossPercent != 0 && c.DownLossPercent != 0 && c.DegradedLossPercent > c.DownLossPercent {
		v.addf(path+".degraded_loss_percent", "%g is more than down_loss_percent %g", c.DegradedLossPercent, c.DownLossPercent)
	}
	v.degradedAfter(path+".degraded_after", c.DegradedAfter, chk.Timeout)
}
