package status

import "testing"

func TestLevelNamesRoundTrip(t *testing.T) {
	for l := NoData; l <= Maintenance; l++ {
		got, err := ParseLevel(l.String())
		if err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v", l.String(), got, err)
		}
	}
	if _, err := ParseLevel("sideways"); err == nil {
		t.Error("ParseLevel accepted an unknown level")
	}
}

func TestStatuspageVocabulary(t *testing.T) {
	cases := map[string]Level{
		"operational":          Up,
		"degraded_performance": Degraded,
		"partial_outage":       Partial,
		"major_outage":         Down,
		"under_maintenance":    Maintenance,
	}
	for name, level := range cases {
		if level.Statuspage() != name {
			t.Errorf("%v.Statuspage() = %q, want %q", level, level.Statuspage(), name)
		}
		if got, err := ParseStatuspage(name); err != nil || got != level {
			t.Errorf("ParseStatuspage(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := ParseStatuspage("no_data"); err == nil {
		t.Error("no_data is not a Statuspage status")
	}
}

func TestWorst(t *testing.T) {
	cases := []struct {
		name   string
		levels []Level
		want   Level
	}{
		{"nothing", nil, NoData},
		{"no data is not up", []Level{NoData, NoData}, NoData},
		{"known beats no data", []Level{NoData, Up}, Up},
		{"degraded beats up", []Level{Up, Degraded, Up}, Degraded},
		{"down beats partial", []Level{Partial, Down, Degraded}, Down},
		{"outage is never hidden by maintenance", []Level{Maintenance, Partial}, Partial},
		{"maintenance beats degraded", []Level{Degraded, Maintenance}, Maintenance},
	}
	for _, c := range cases {
		if got := Worst(c.levels...); got != c.want {
			t.Errorf("%s: Worst(%v) = %v, want %v", c.name, c.levels, got, c.want)
		}
	}
}

func TestKindNames(t *testing.T) {
	for _, k := range []Kind{CheckZone, Check, Component} {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKind(""); err == nil {
		t.Error("ParseKind accepted an empty name")
	}
}
