package ui

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

// statuspageSpec is testdata/statuspage-v2.json.
type statuspageSpec struct {
	Objects   map[string]map[string]string `json:"objects"`
	Enums     map[string][]string          `json:"enums"`
	Endpoints map[string]map[string]string `json:"endpoints"`
}

// TestStatuspageShapes checks every public JSON endpoint field by field
// against the shapes written down from Statuspage's documentation: the
// same keys (none missing, none extra), JSON types, time format and
// vocabularies.
func TestStatuspageShapes(t *testing.T) {
	spec := readSpec(t)
	f := newFixture(t)
	for path := range spec.Endpoints {
		checkShapes(t, spec, f.h, path)
	}
}

// ampelKeys are the top-level keys Ampel adds to Statuspage's shapes;
// everything else must match them exactly.
var ampelKeys = map[string][]string{"/api/v2/summary.json": {"availability"}}

// ampelFields are the fields Ampel adds to Statuspage's objects, with
// the values each may take: a component's ampel_status is Statuspage's
// status, or "no_data" where that status stands in for "nobody observes
// it" (docs/statuspage-json.md).
var ampelFields = map[string]map[string][]string{
	"component": {"ampel_status": {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance", "no_data"}},
}

// withoutAmpelFields checks the fields Ampel adds to an object of type
// object (each must be there, with one of its values) and returns a copy
// of m without them, to check against Statuspage's shape.
func withoutAmpelFields(t *testing.T, at, object string, m map[string]any) map[string]any {
	t.Helper()
	m = maps.Clone(m)
	for field, values := range ampelFields[object] {
		v, ok := m[field]
		if s, _ := v.(string); !ok || !slices.Contains(values, s) {
			t.Errorf("%s%s = %v, want one of %v", at, field, v, values)
		}
		delete(m, field)
	}
	return m
}

func readSpec(t *testing.T) statuspageSpec {
	t.Helper()
	raw, err := os.ReadFile("testdata/statuspage-v2.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec statuspageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	return spec
}

// checkShapes gets path and checks its body against the spec, returning
// it decoded.
func checkShapes(t *testing.T, spec statuspageSpec, h http.Handler, path string) map[string]any {
	t.Helper()
	var body map[string]any
	t.Run(strings.TrimPrefix(path, "/api/v2/"), func(t *testing.T) {
		rec := get(h, path, "192.0.2.1:1", nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
		}
		if rec.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("no CORS header")
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		own := map[string]any{}
		for _, key := range ampelKeys[path] {
			if _, ok := body[key]; !ok {
				t.Errorf("Ampel's own key %s missing", key)
			}
			own[key] = body[key]
			delete(body, key)
		}
		checkObject(t, spec, "", spec.Endpoints[path], body)
		maps.Copy(body, own)
	})
	return body
}

func checkObject(t *testing.T, spec statuspageSpec, at string, fields map[string]string, obj map[string]any) {
	t.Helper()
	for key, typ := range fields {
		v, ok := obj[key]
		if !ok {
			t.Errorf("%s%s missing", at, key)
			continue
		}
		checkValue(t, spec, at+key, typ, v)
	}
	for key := range obj {
		if _, ok := fields[key]; !ok && !(key == "components" && obj["group"] == true) {
			t.Errorf("%s%s is not in Statuspage's shape", at, key)
		}
	}
}

func checkValue(t *testing.T, spec statuspageSpec, at, typ string, v any) {
	t.Helper()
	if base, ok := strings.CutSuffix(typ, "|null"); ok {
		if v == nil {
			return
		}
		typ = base
	}
	if elem, ok := strings.CutPrefix(typ, "[]"); ok {
		list, ok := v.([]any)
		if !ok {
			t.Errorf("%s: %T, want an array", at, v)
			return
		}
		for _, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				t.Errorf("%s[]: %T, want an object", at, item)
				continue
			}
			m = withoutAmpelFields(t, at+"[].", elem, m)
			checkObject(t, spec, at+"[].", spec.Objects[elem], m)
			checkEnums(t, spec, elem, m)
		}
		return
	}
	if fields, ok := spec.Objects[typ]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: %T, want an object", at, v)
			return
		}
		m = withoutAmpelFields(t, at+".", typ, m)
		checkObject(t, spec, at+".", fields, m)
		checkEnums(t, spec, typ, m)
		return
	}
	switch typ {
	case "string":
		_, ok := v.(string)
		if !ok {
			t.Errorf("%s: %T, want a string", at, v)
		}
	case "time":
		s, _ := v.(string)
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			t.Errorf("%s: %q is not an ISO 8601 time with offset", at, s)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			t.Errorf("%s: %T, want a number", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			t.Errorf("%s: %T, want a boolean", at, v)
		}
	case "array":
		if _, ok := v.([]any); !ok {
			t.Errorf("%s: %T, want an array", at, v)
		}
	default:
		t.Fatalf("%s: unknown type %q in the spec", at, typ)
	}
}

func checkEnums(t *testing.T, spec statuspageSpec, object string, m map[string]any) {
	t.Helper()
	for key, values := range spec.Enums {
		obj, field, _ := strings.Cut(key, ".")
		if obj != object {
			continue
		}
		if s, _ := m[field].(string); !slices.Contains(values, s) {
			t.Errorf("%s.%s = %q, not one of %v", obj, field, s, values)
		}
	}
}

// TestOverallStatus: Statuspage's blended top-level status and its
// indicator (see overallOf for the rule and its source).
func TestOverallStatus(t *testing.T) {
	up, deg, part, down, maint := status.Up, status.Degraded, status.Partial, status.Down, status.Maintenance
	eightWithOneDown := []status.Level{down, up, up, up, up, up, up, up}
	cases := []struct {
		levels    []status.Level
		indicator string
		desc      string
	}{
		{[]status.Level{up, up}, "none", "All Systems Operational"},
		// One component: its own status.
		{[]status.Level{down}, "critical", "Major System Outage"},
		{[]status.Level{part}, "major", "Partial System Outage"},
		{[]status.Level{deg}, "minor", "Partially Degraded Service"},
		{[]status.Level{maint}, "maintenance", "Service Under Maintenance"},
		// Two or more, all alike: the system's status.
		{[]status.Level{down, down, down}, "critical", "Major System Outage"},
		{[]status.Level{part, part}, "major", "Partial System Outage"},
		{[]status.Level{deg, deg}, "minor", "Degraded System Service"},
		{[]status.Level{maint, maint}, "maintenance", "Service Under Maintenance"},
		// Some: one step milder than the worst.
		{eightWithOneDown, "major", "Partial System Outage"},
		{[]status.Level{part, down, up}, "major", "Partial System Outage"},
		{[]status.Level{down, maint}, "major", "Partial System Outage"},
		{[]status.Level{deg, part, up}, "minor", "Minor Service Outage"},
		{[]status.Level{up, deg}, "minor", "Partially Degraded Service"},
		{[]status.Level{up, maint}, "maintenance", "Service Under Maintenance"},
		{[]status.Level{deg, maint}, "minor", "Partially Degraded Service"},
		// Components not yet observed do not count.
		{[]status.Level{down, status.NoData}, "critical", "Major System Outage"},
		{[]status.Level{status.NoData}, "none", "Awaiting First Checks"},
		{nil, "none", "Awaiting First Checks"},
	}
	for _, c := range cases {
		var comps []state.Component
		for _, l := range c.levels {
			comps = append(comps, state.Component{Level: l})
		}
		got := statusOf(overallOf(comps))
		if got.Indicator != c.indicator || got.Description != c.desc {
			t.Errorf("%v: %+v, want %s %q", c.levels, got, c.indicator, c.desc)
		}
	}
}

// TestSummaryReflectsState: the summary's status and components follow
// the engine.
func TestSummaryReflectsState(t *testing.T) {
	f := newFixture(t)
	var body struct {
		Status     statusObject `json:"status"`
		Components []component  `json:"components"`
	}
	rec := get(f.h, "/api/v2/summary.json", "192.0.2.1:1", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.Status != (statusObject{"minor", "Minor Service Outage"}) {
		t.Errorf("status %+v", body.Status)
	}
	got := map[string]string{}
	for _, c := range body.Components {
		got[c.ID] = c.Status
	}
	want := map[string]string{"group-core": "partial_outage", "api": "operational", "web": "partial_outage", "docs": "degraded_performance"}
	for id, s := range want {
		if got[id] != s {
			t.Errorf("%s: %q, want %q", id, got[id], s)
		}
	}
}
