package ui

import (
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/store"
)

// errPageNotFound ends a page build that found nothing to show: the
// handler answers with the 404 page.
var errPageNotFound = errors.New("ui: page not found")

// incidentPage is /incidents/{id}.
type incidentPage struct {
	Site siteView
	Inc  incidentDetail
}

// showIncident serves an incident's page. Drafts are not found: the public
// never sees them.
func (s *site) showIncident(c echo.Context) error {
	id, ok := idParam(c)
	if !ok || s.d.Store == nil {
		return s.notFound(c, "notfound.incident")
	}
	err := s.page(c, "incident:"+idString(id), func(l loc) ([]byte, error) {
		inc, err := s.d.Store.Incident(c.Request().Context(), id)
		if errors.Is(err, store.ErrNoIncident) || err == nil && inc.Draft {
			return nil, errPageNotFound
		}
		if err != nil {
			return nil, err
		}
		return s.pages.renderIn("incident", l, incidentPage{Site: s.siteIn(c, l), Inc: s.incidentDetailOf(l, inc, s.d.Engine.Summaries())})
	})
	if errors.Is(err, errPageNotFound) {
		return s.notFound(c, "notfound.incident")
	}
	return err
}

// pageParam reads ?page=N (1 when absent); ok is false for anything but
// a number from 1 to maxPage.
func pageParam(c echo.Context) (page int, ok bool) {
	raw := c.QueryParam("page")
	if raw == "" {
		return 1, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxPage {
		return 0, false
	}
	return n, true
}

// pageLinks are the addresses of the pages of path either side of page:
// newer is "" on the first page (whose address has no ?page=), older is
// "" unless more is true.
func pageLinks(path string, page int, more bool) (newer, older string) {
	switch {
	case page == 2:
		newer = path
	case page > 2:
		newer = path + "?page=" + strconv.Itoa(page-1)
	}
	if more {
		older = path + "?page=" + strconv.Itoa(page+1)
	}
	return newer, older
}

// maxPage bounds page numbers, and with them the cache keys strangers
// can make.
const maxPage = 1000
