package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/ampelstatus/ampel/pkg/config"
)

// TestMetricsPerZoneIsLogged: a fleet past config.PerCheckLimit that
// did not choose gets /metrics per zone and a log line saying what
// replaced ampel_check_up; a smaller fleet, or one that chose, gets none.
func TestMetricsPerZoneIsLogged(t *testing.T) {
	fleet := func(pairs int, perCheck *bool) *config.Config {
		cfg := &config.Config{Components: []config.Component{{}}}
		cfg.Metrics.PerCheck = perCheck
		for i := range pairs {
			cfg.Components[0].Checks = append(cfg.Components[0].Checks, config.Check{Name: fmt.Sprintf("c%d", i), Zones: []string{"local"}})
		}
		return cfg
	}
	yes, no := true, false
	for _, c := range []struct {
		name   string
		cfg    *config.Config
		logged bool
	}{
		{"at the limit", fleet(config.PerCheckLimit, nil), false},
		{"past the limit", fleet(config.PerCheckLimit+1, nil), true},
		{"past the limit, per_check = true", fleet(config.PerCheckLimit+1, &yes), false},
		{"small, per_check = false", fleet(10, &no), false},
	} {
		var logs bytes.Buffer
		newMetrics(c.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
		got := logs.String()
		if logged := strings.Contains(got, "ampel_checks_up{zone}") && strings.Contains(got, "per_check = true"); logged != c.logged {
			t.Errorf("%s: logged %v, want %v:\n%s", c.name, logged, c.logged, got)
		}
		if c.logged && !strings.Contains(got, fmt.Sprintf("check_zone_pairs=%d", config.PerCheckLimit+1)) {
			t.Errorf("%s: the line does not count the pairs:\n%s", c.name, got)
		}
	}
}
