package ui

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

func TestBadge(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		path, label, value, color string
	}{
		{"/badge/api.svg", "API", "operational", "#4c1"},
		{"/badge/web.svg", "Web <app>", "partial outage", "#fe7d37"},
		{"/badge/docs.svg?metric=status", "Docs", "degraded performance", "#dfb317"},
		{"/badge/api.svg?metric=uptime", "API", "99.47%", "#dfb317"},
	}
	for _, c := range cases {
		rec := get(f.h, c.path, "192.0.2.1:1", nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" {
			t.Fatalf("%s: %d %q", c.path, rec.Code, rec.Header().Get("Content-Type"))
		}
		// It must be well-formed XML, with the operator's text escaped.
		var svg struct {
			Title string   `xml:"title"`
			Texts []string `xml:"g>text"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &svg); err != nil {
			t.Fatalf("%s: not XML: %v\n%s", c.path, err, rec.Body)
		}
		if svg.Title != c.label+": "+c.value || len(svg.Texts) != 4 || svg.Texts[1] != c.label || svg.Texts[3] != c.value {
			t.Errorf("%s: title %q texts %q", c.path, svg.Title, svg.Texts)
		}
		if !strings.Contains(rec.Body.String(), `fill="`+c.color+`"`) {
			t.Errorf("%s: not coloured %s", c.path, c.color)
		}
	}
	if rec := get(f.h, "/badge/nope.svg", "192.0.2.1:1", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown component: %d", rec.Code)
	}
	if rec := get(f.h, "/badge/api.png", "192.0.2.1:1", nil); rec.Code != http.StatusNotFound {
		t.Errorf("not .svg: %d", rec.Code)
	}
	rec := get(f.h, "/badge/api.svg?metric=latency", "192.0.2.1:1", nil)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"field":"metric"`) {
		t.Errorf("bad metric: %d %s", rec.Code, rec.Body)
	}
}
