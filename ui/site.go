package ui

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/store"
)

// site serves the public pages, badges and Statuspage JSON from a cache
// rebuilt when the state changes.
type site struct {
	d      Deps
	assets *assets
	pages  pages
	cache  *cache
	// streams counts open /events streams, in all and per client.
	streams *streamLimits
	// edits counts operators' changes (see edited): part of version.
	edits atomic.Uint64
	// reports caches availability month pages and API answers apart, so
	// their many possible keys never push the pages out of cache.
	reports *cache
	// unlisted caches responses naming a host outside site.hosts, under
	// that host, apart from the pages (see base).
	unlisted *cache
	// public is site.public_url as a base, parsed once.
	public base
	// days shares the fleet's daily rollups between the builds at one
	// version.
	days daysMemo
	// md renders each stored Markdown text once, not on every rebuild.
	md *mdCache
	// publicHost is site.public_url's host: a proxy may pass on another
	// Host, and the forms' Origin checks accept both.
	publicHost string
	// last holds the store reads pages are built from, for while the
	// store is away.
	last storeReads
}

// edited counts an operator's change to incidents or maintenance, so the
// cached pages and JSON show it at once instead of within refreshEvery.
func (s *site) edited() { s.edits.Add(1) }

func newSite(d Deps) (*site, error) {
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	ps, err := parsePages("home", "component", "notfound", "incident", "history", "maintenance", "availability", "availability_month", "availability_print")
	if err != nil {
		return nil, err
	}
	s := &site{d: d, assets: a, pages: ps, cache: newCache(pagesCacheBytes), reports: newCache(reportsCacheBytes),
		unlisted: newCache(unlistedCacheBytes),
		streams:  newStreamLimits(d.MaxStreams, d.StreamsPerClient), md: newMDCache(d.Logger)}
	if d.Config != nil {
		large := len(d.Config.Components) >= settleComponents
		s.cache.settles, s.reports.settles, s.unlisted.settles = large, large, large
		if u, err := url.Parse(d.Config.Site.PublicURL); err == nil {
			s.publicHost = u.Host
		}
		s.public = publicBase(d.Config.Site.PublicURL)
	}
	return s, nil
}

// sameOrigin applies the Origin check (see sameOrigin) with the site's
// public host.
func (s *site) sameOrigin(c echo.Context) bool { return sameOrigin(c.Request(), s.publicHost) }

// routes registers the public site.
func (s *site) routes(e *echo.Echo) {
	get := e.GET // HEAD too: see headAsGet
	get("/", s.home)
	get("/components/:slug", s.component)
	get("/static/:name", s.assets.serve)
	get("/badge/:file", s.badge)
	get("/events", s.events) // HEAD answers without a stream
	get("/api/v2/summary.json", s.summary)
	get("/api/v2/components.json", s.componentsJSON)
	get("/availability", s.availabilityPage)
	get("/availability/:slug/:month", s.availabilityMonth)
	get("/api/v1/availability", s.availabilityAPI)
	get("/api/v2/status.json", s.statusJSON)
	get("/api/v2/incidents.json", s.incidentList(false))
	get("/api/v2/incidents/unresolved.json", s.incidentList(true))
	get("/api/v2/scheduled-maintenances.json", s.maintenanceList("all"))
	get("/api/v2/scheduled-maintenances/upcoming.json", s.maintenanceList("upcoming"))
	get("/api/v2/scheduled-maintenances/active.json", s.maintenanceList("active"))
	get("/incidents/:id", s.showIncident)
	get("/history", s.incidentHistory)
	get("/maintenance", s.maintenanceIndex)
	get("/maintenance/:id", s.showMaintenance)
	get("/feed.atom", s.atom)
	get("/feed.rss", s.rss)
	get("/maintenance.ics", s.calendar)
}

// loc is the status page's time zone.
func (s *site) loc() *time.Location { return locOf(s.d) }

// now is the clock in the site's zone.
func (s *site) now() time.Time { return s.d.Now().In(s.loc()) }

// version changes whenever anything's state changes or an operator
// edits something.
func (s *site) version() stamp {
	if s.d.Feed != nil {
		return stamp{state: s.d.Feed.Revision(), edits: s.edits.Load()}
	}
	return stamp{state: uint64(s.d.Engine.UpdatedAt().UnixNano()), edits: s.edits.Load()}
}

// serve answers from the cache, building with build on a miss.
func (s *site) serve(c echo.Context, key, contentType, cacheControl string, build func() ([]byte, error)) error {
	r, err := s.cache.get(key, s.version(), s.d.Now(), contentType, build)
	if err != nil {
		return err
	}
	c.Response().Header()["Cache-Control"] = cacheControlValue(cacheControl)
	return sendCached(c, &r.sendable)
}

// page answers a public HTML page in the reader's language (see
// langOf) from the cache, each language under its own key. Vary tells a
// CDN or a browser cache that the same address has one page per
// Accept-Language.
func (s *site) page(c echo.Context, key string, build func(l loc) ([]byte, error)) error {
	l := s.langOf(c)
	addVary(c.Response().Header(), "Accept-Language")
	return s.serve(c, key+l.key(), echo.MIMETextHTMLCharsetUTF8, pageCacheControl, func() ([]byte, error) { return build(l) })
}

// siteIn is siteView for a page in l's language, with the language
// switch linking the page the reader is on.
func (s *site) siteIn(c echo.Context, l loc) siteView {
	v := s.siteView(s.now())
	v.Lang, v.Langs = l.Lang, switchLinks(c.Request().URL, l.Lang)
	return v
}

func (s *site) siteView(now time.Time) siteView {
	cfg := s.d.Config.Site
	v := siteView{
		Title: cfg.Title, LogoURL: cfg.LogoURL, PublicURL: cfg.PublicURL,
		CSS: s.assets.url("style.css"), JS: s.assets.url("app.js"), Icon: s.assets.url("favicon.svg"),
		Zone: s.loc().String(), Now: now,
		Subscribe: s.d.Store != nil && s.d.Config.Subscriptions.Enabled,
	}
	if s.d.Feed != nil {
		v.Events = "/events?since=" + s.d.Feed.CurrentID()
	}
	for _, l := range cfg.FooterLinks {
		v.Footer = append(v.Footer, linkView{Name: l.Name, URL: l.URL})
	}
	return v
}

// history returns the last historyDays of each of comps, by slug,
// today up to now (see tailAfter).
func (s *site) history(ctx context.Context, now time.Time, comps []state.Component) (map[string][]availability.Day, error) {
	rows := map[string][]store.DayRollup{}
	if s.d.Store != nil {
		day, _ := dayOf(now, s.loc())
		var err error
		if rows, err = s.days.get(day, now, func() (map[string][]store.DayRollup, error) {
			return s.last.days.read(func() (map[string][]store.DayRollup, error) {
				return s.d.Store.ComponentDays(ctx, s.loc(), now, historyDays)
			})
		}); err != nil {
			return nil, err
		}
	}
	// Each component's row of today, if it has one, is its last.
	today := make([]store.DayRollup, 0, len(comps))
	for _, comp := range comps {
		if r := rows[comp.Slug]; len(r) > 0 {
			today = append(today, r[len(r)-1])
		}
	}
	tail, err := s.last.tail.read(func() (todayTail, error) { return s.tailAfter(ctx, now, today, comps) })
	if err != nil {
		return nil, err
	}
	out := make(map[string][]availability.Day, len(comps))
	for _, comp := range comps {
		out[comp.Slug] = availability.Days(tail.addToDay(comp.Slug, rows[comp.Slug]), s.loc(), now, historyDays)
	}
	return out, nil
}

// rowOf is a component's line on a page.
func rowOf(l loc, comp state.Component, days []availability.Day, w float64) rowView {
	return rowView{
		Slug: comp.Slug, Name: comp.Name, Description: comp.Description,
		Text: l.Level(comp.Level), Class: classOf(comp.Level), Since: comp.Since,
		Bar: barOf(l, comp.Slug, comp.Name, days, comp.Level), Uptime: uptimeText(l, days, w),
	}
}

// notFound renders the HTML 404 page; what is the catalogue key of the
// sentence saying what was not found, filled from pairs.
func (s *site) notFound(c echo.Context, what string, pairs ...any) error {
	l := s.langOf(c)
	body, err := s.pages.renderIn("notfound", l, struct {
		Site siteView
		What string
	}{s.siteIn(c, l), l.T(what, pairs...)})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=10")
	addVary(h, "Accept-Language")
	return c.HTMLBlob(http.StatusNotFound, body)
}
