package ui

import (
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/store"
)

// pastPerPage is how many past windows a page of /maintenance lists.
const pastPerPage = 20

// maintenancePage is /maintenance?page=N: windows in progress and
// upcoming (on the first page), then past ones, latest first, paged.
type maintenancePage struct {
	Site               siteView
	First              bool
	Active, Upcoming   []windowDetail
	Past               []windowDetail
	Newer, Older       string
	Single             *windowDetail
	PastFrom, PastUpTo int // the past windows shown, counted from 1
	PastTotal          int
}

// maintenanceIndex serves /maintenance.
func (s *site) maintenanceIndex(c echo.Context) error {
	page, ok := pageParam(c)
	if !ok {
		return s.notFound(c, "notfound.maintenance_page")
	}
	err := s.page(c, "maintenance?page="+strconv.Itoa(page), func(l loc) ([]byte, error) {
		v, err := s.maintenanceView(c, l, page)
		if err != nil {
			return nil, err
		}
		return s.pages.renderIn("maintenance", l, v)
	})
	if errors.Is(err, errPageNotFound) {
		return s.notFound(c, "notfound.maintenance_page")
	}
	return err
}

func (s *site) maintenanceView(c echo.Context, l loc, page int) (maintenancePage, error) {
	ctx := c.Request().Context()
	v := maintenancePage{Site: s.siteIn(c, l), First: page == 1}
	if s.d.Store == nil {
		if page > 1 {
			return v, errPageNotFound
		}
		return v, nil
	}
	names := s.d.Config.ComponentNames()
	if page == 1 {
		active, upcoming, err := s.openWindows(ctx)
		if err != nil {
			return v, err
		}
		for _, m := range active {
			v.Active = append(v.Active, s.windowDetailOf(l, m, names))
		}
		for _, m := range upcoming {
			v.Upcoming = append(v.Upcoming, s.windowDetailOf(l, m, names))
		}
	}
	total, err := s.d.Store.CountPastMaintenances(ctx)
	if err != nil {
		return v, err
	}
	offset := (page - 1) * pastPerPage
	if page > 1 && offset >= total {
		return v, errPageNotFound
	}
	past, err := s.d.Store.PastMaintenances(ctx, offset, pastPerPage)
	if err != nil {
		return v, err
	}
	for _, m := range past {
		v.Past = append(v.Past, s.windowDetailOf(l, m, names))
	}
	v.PastTotal, v.PastFrom, v.PastUpTo = total, offset+1, offset+len(past)
	v.Newer, v.Older = pageLinks("/maintenance", page, offset+len(past) < total)
	return v, nil
}

// showMaintenance serves /maintenance/{id}: one window with its whole
// timeline, the address feeds, calendars and the JSON link to.
func (s *site) showMaintenance(c echo.Context) error {
	id, ok := idParam(c)
	if !ok || s.d.Store == nil {
		return s.notFound(c, "notfound.maintenance")
	}
	err := s.page(c, "maintenance:"+idString(id), func(l loc) ([]byte, error) {
		m, err := s.d.Store.Maintenance(c.Request().Context(), id)
		if errors.Is(err, store.ErrNoMaintenance) {
			return nil, errPageNotFound
		}
		if err != nil {
			return nil, err
		}
		w := s.windowDetailOf(l, m, s.d.Config.ComponentNames())
		w.Open = true
		return s.pages.renderIn("maintenance", l, maintenancePage{Site: s.siteIn(c, l), Single: &w})
	})
	if errors.Is(err, errPageNotFound) {
		return s.notFound(c, "notfound.maintenance")
	}
	return err
}
