package ui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// FuzzReportQuery: any query string either parses into a range of at most
// maxReportDays days with from ≤ to, or fails naming one of the fields.
func FuzzReportQuery(f *testing.F) {
	for _, s := range []string{"", "component=api&from=2026-01-01&to=2026-01-31", "from=2026-02-30", "to=9999-12-31",
		"from=2026-11-10&to=2026-11-01", "format=csv", "component=%00", "from=0001-01-01&to=0001-01-01", "from=2026-03-29&to=2027-03-29"} {
		f.Add(s)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	known := func(s string) bool { return s == "api" }
	fields := map[string]bool{"component": true, "from": true, "to": true, "format": true}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r, bad := parseReportQuery(q, t0, berlin, known)
		if bad != nil {
			if bad.Error == "" || (!fields[bad.Field] && q.Get(bad.Field) == "" && len(q[bad.Field]) < 2) {
				t.Fatalf("%q: error %+v names no field of the query", raw, bad)
			}
			return
		}
		if r.From.After(r.To) || r.To.Sub(r.From) >= maxReportDays*24*time.Hour {
			t.Fatalf("%q: range %v..%v", raw, r.From, r.To)
		}
		spans := r.spans(t0, berlin)
		if len(spans) == 0 || len(spans) > 14 || spans[0].FirstDay != r.From.Format(time.DateOnly) || spans[len(spans)-1].LastDay != r.To.Format(time.DateOnly) {
			t.Fatalf("%q: spans %+v", raw, spans)
		}
	})
}

// FuzzAvailabilityAPI: no query makes /api/v1/availability fail with a 5xx
// or answer a 4xx that is not JSON naming a field.
func FuzzAvailabilityAPI(f *testing.F) {
	for _, s := range []string{"component=api&from=2026-11-01&to=2026-11-23&format=csv", "format=html&from=2025-11-01&to=2026-11-30", "from=2026-02-29", "component=web&format=json"} {
		f.Add(s)
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/availability", nil)
		req.URL.RawQuery = raw
		rec := httptest.NewRecorder()
		fx.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%q: %d %s", raw, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var e apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || e.Field == "" {
				t.Fatalf("%q: %d %s", raw, rec.Code, rec.Body)
			}
		}
	})
}
