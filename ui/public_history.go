package ui

import (
	"errors"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/store"
)

// History pages hold historyMonths calendar months each (in the site's
// zone), newest first, as Statuspage's history does; page 1 ends with the
// current month. A page lists at most historyLimit incidents.
const (
	historyMonths = 3
	historyLimit  = 300
)

// historyPage is /history?page=N.
type historyPage struct {
	Site   siteView
	Months []historyMonth
	// Newer and Older link to the neighbouring pages; empty at the ends.
	Newer, Older string
	// Truncated says the page reached historyLimit.
	Truncated bool
}

// historyMonth is one month of incidents.
type historyMonth struct {
	Name      string // "November 2026"
	ID        string // "2026-11", the anchor
	Incidents []historyEntry
}

// historyEntry is an incident in the history list.
type historyEntry struct {
	incidentFacts
	Latest *timelineView
}

// incidentHistory serves /history.
func (s *site) incidentHistory(c echo.Context) error {
	page, ok := pageParam(c)
	if !ok || s.d.Store == nil && page > 1 {
		return s.notFound(c, "notfound.history")
	}
	err := s.page(c, "history?page="+idString(int64(page)), func(l loc) ([]byte, error) {
		v, err := s.historyView(c, l, page)
		if err != nil {
			return nil, err
		}
		return s.pages.renderIn("history", l, v)
	})
	if errors.Is(err, errPageNotFound) {
		return s.notFound(c, "notfound.history")
	}
	return err
}

// monthStart is the first instant of t's month in t's zone.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

// monthsBetween counts the months from a's to b's (0 for the same).
func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

func (s *site) historyView(c echo.Context, l loc, page int) (historyPage, error) {
	ctx := c.Request().Context()
	now := s.now()
	v := historyPage{Site: s.siteIn(c, l)}
	last := 1
	if s.d.Store != nil {
		oldest, err := s.d.Store.OldestPublicIncident(ctx)
		if err != nil {
			return v, err
		}
		if !oldest.IsZero() {
			span := monthsBetween(monthStart(oldest.In(s.loc())), monthStart(now)) + 1
			last = max(1, (span+historyMonths-1)/historyMonths)
		}
	}
	if page > last {
		return v, errPageNotFound
	}
	end := monthStart(now).AddDate(0, 1-(page-1)*historyMonths, 0)
	start := end.AddDate(0, -historyMonths, 0)
	byMonth := map[string][]historyEntry{}
	if s.d.Store != nil {
		incs, err := s.d.Store.PublicIncidentsStarted(ctx, start, end, historyLimit)
		if err != nil {
			return v, err
		}
		v.Truncated = len(incs) == historyLimit
		for _, inc := range incs {
			e := s.historyEntryOf(l, inc)
			key := inc.Started.In(s.loc()).Format("2006-01")
			byMonth[key] = append(byMonth[key], e)
		}
	}
	for m := end.AddDate(0, -1, 0); !m.Before(start); m = m.AddDate(0, -1, 0) {
		key := m.Format("2006-01")
		v.Months = append(v.Months, historyMonth{Name: i18n.MonthYear(l.Lang, m), ID: key, Incidents: byMonth[key]})
	}
	v.Newer, v.Older = pageLinks("/history", page, page < last)
	return v, nil
}

// historyEntryOf is an incident in the list: its facts and only its
// latest update rendered (a page lists hundreds).
func (s *site) historyEntryOf(l loc, inc store.Incident) historyEntry {
	e := historyEntry{incidentFacts: s.incidentFactsOf(l, inc)}
	ups := latestFirst(inc.Updates, func(u store.IncidentUpdate) time.Time { return u.At }, func(u store.IncidentUpdate) int64 { return u.ID })
	if len(ups) > 0 {
		e.Latest = &timelineView{Status: l.Status(ups[0].Status), At: stampIn(l, ups[0].At, s.loc()), Body: s.render(ups[0].Body)}
	}
	return e
}
