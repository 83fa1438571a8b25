package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

// badgeColor is the right-hand colour of a status badge, as shields.io
// colours its states.
var badgeColor = map[status.Level]string{
	status.NoData:      "#9f9f9f",
	status.Up:          "#4c1",
	status.Degraded:    "#dfb317",
	status.Partial:     "#fe7d37",
	status.Maintenance: "#007ec6",
	status.Down:        "#e05d44",
}

// badgeCSP lets any page embed a badge, and lets the SVG load nothing.
const badgeCSP = "default-src 'none'; frame-ancestors *"

// badge serves /badge/{slug}.svg: the component's status, or with
// ?metric=uptime its 90-day uptime.
func (s *site) badge(c echo.Context) error {
	slug, ok := strings.CutSuffix(c.Param("file"), ".svg")
	comp, found := s.d.Engine.Summary(slug)
	if !ok || !found {
		return echo.NewHTTPError(http.StatusNotFound, "no such component")
	}
	metric := c.QueryParam("metric")
	if metric != "" && metric != "uptime" && metric != "status" {
		return c.JSON(http.StatusBadRequest, apiError{Error: `metric must be "status" or "uptime"`, Field: "metric"})
	}
	c.Response().Header().Set("Content-Security-Policy", badgeCSP)
	return s.serve(c, "badge/"+slug+"/"+metric, "image/svg+xml", pageCacheControl, func() ([]byte, error) {
		value, color := strings.ToLower(textOf(comp.Level)), badgeColor[comp.Level]
		if metric == "uptime" {
			now := s.now()
			hist, err := s.history(c.Request().Context(), now, []state.Component{comp})
			if err != nil {
				return nil, err
			}
			u, ok := availability.Period(hist[slug], s.weight())
			value, color = "no data", badgeColor[status.NoData]
			if ok {
				value, color = pct(english, u), uptimeColor(u) // badges are English, as shields are
			}
		}
		return badgeSVG(comp.Name, value, color)
	})
}

func uptimeColor(u float64) string {
	switch {
	case u >= 0.999:
		return badgeColor[status.Up]
	case u >= 0.99:
		return badgeColor[status.Degraded]
	case u >= 0.95:
		return badgeColor[status.Partial]
	}
	return badgeColor[status.Down]
}

type badgeView struct {
	Label, Value, Color  string
	LW, RW, W, LX, RX    int
	LabelText, ValueText int
}

var badgeTmpl = template.Must(template.New("badge").Parse(`<svg xmlns="http://www.w3.org/2000/svg" width="{{.W}}" height="20" role="img" aria-label="{{.Label}}: {{.Value}}"><title>{{.Label}}: {{.Value}}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="{{.W}}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="{{.LW}}" height="20" fill="#555"/><rect x="{{.LW}}" width="{{.RW}}" height="20" fill="{{.Color}}"/><rect width="{{.W}}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="{{.LX}}" y="15" fill="#010101" fill-opacity=".3">{{.Label}}</text><text x="{{.LX}}" y="14">{{.Label}}</text><text x="{{.RX}}" y="15" fill="#010101" fill-opacity=".3">{{.Value}}</text><text x="{{.RX}}" y="14">{{.Value}}</text></g></svg>
`))

// badgeSVG draws a flat shields.io-style badge. Text widths are estimated
// at 7 px a character of Verdana 11 px; operator text is escaped.
func badgeSVG(label, value, color string) ([]byte, error) {
	width := func(s string) int { return utf8.RuneCountInString(s)*7 + 10 }
	v := badgeView{Label: label, Value: value, Color: color, LW: width(label), RW: width(value)}
	v.W = v.LW + v.RW
	v.LX, v.RX = v.LW/2, v.LW+v.RW/2
	var buf bytes.Buffer
	if err := badgeTmpl.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("ui: badge: %w", err)
	}
	return buf.Bytes(), nil
}
