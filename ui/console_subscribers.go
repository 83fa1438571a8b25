package ui

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/store"
)

// subscribersPageSize is how many subscribers the console lists a page.
const subscribersPageSize = 50

// subscribersView is /admin/subscribers: the counts, the search and a
// page of its results.
type subscribersView struct {
	States     map[string]int
	Components []componentCount
	Query      store.SubscriberQuery
	Options    []config.Component
	StateNames []string
	Subs       []store.Subscriber
	// Next is the URL of the next page; empty on the last.
	Next string
	// Export is the CSV export of the same search.
	Export string
	// Hooks are the webhook and chat subscriptions.
	Hooks hookSubscribers
}

type componentCount struct {
	Slug, Name string
	N          int
}

// subscriberPages adds the subscriber pages to the console group: every
// console user may see them and delete a subscriber (a data-protection
// request), which the audit log records.
func (k *console) subscriberPages(g *echo.Group) {
	g.GET("/subscribers", k.subscribersPage)
	g.GET("/subscribers.csv", k.subscribersExport)
	g.POST("/subscribers/:id/delete", k.deleteSubscriber)
	k.hookSubscriberPages(g)
}

func (k *console) subscribersPage(c echo.Context) error {
	q, err := subscriberQuery(c, k.d.Config.Components)
	if err != nil {
		var re *requestError
		if errors.As(err, &re) {
			return k.plain(c, re.Status, "Bad search", re.Field+": "+re.Msg)
		}
		return err
	}
	if c.QueryParam("limit") == "" {
		q.Limit = subscribersPageSize
	}
	ctx := c.Request().Context()
	subs, err := k.d.Store.ListSubscribers(ctx, q)
	if err != nil {
		return err
	}
	counts, err := countSubscribers(ctx, k.d)
	if err != nil {
		return err
	}
	hooks, err := loadHookSubscribers(ctx, k.d.Store)
	if err != nil {
		return err
	}
	v := subscribersView{States: counts.States, Query: q, Options: k.d.Config.Components,
		StateNames: subscriberStates, Subs: subs, Export: "/admin/subscribers.csv?" + searchParams(q, 0).Encode(), Hooks: hooks}
	for _, comp := range k.d.Config.Components {
		v.Components = append(v.Components, componentCount{Slug: comp.Slug, Name: comp.Name, N: counts.Components[comp.Slug]})
	}
	if len(subs) == q.Limit {
		v.Next = "/admin/subscribers?" + searchParams(q, subs[len(subs)-1].ID).Encode()
	}
	return k.render(c, http.StatusOK, "subscribers", v)
}

// searchParams are the query parameters of a search, from after.
func searchParams(q store.SubscriberQuery, after int64) url.Values {
	p := url.Values{}
	for k, v := range map[string]string{"q": q.Q, "component": q.Component, "state": q.State} {
		if v != "" {
			p[k] = []string{v}
		}
	}
	if after > 0 {
		p["after"] = []string{strconv.FormatInt(after, 10)}
	}
	return p
}

func (k *console) deleteSubscriber(c echo.Context) error {
	id, ok := idParam(c)
	if !ok {
		return k.notFound(c, "subscriber")
	}
	err := k.d.Store.DeleteSubscriber(c.Request().Context(), id, k.actor(c), k.d.Now())
	if errors.Is(err, store.ErrNoSubscriber) {
		return k.notFound(c, "subscriber")
	}
	if err != nil {
		return err
	}
	return k.redirect(c, "/admin/subscribers", "Subscriber "+strconv.FormatInt(id, 10)+" deleted with its tokens and queued mail.")
}

// subscribersExport streams the search's subscribers as CSV, a page at a
// time so memory stays flat and no read transaction stays open long.
func (k *console) subscribersExport(c echo.Context) error {
	q, err := subscriberQuery(c, k.d.Config.Components)
	if err != nil {
		return k.plain(c, http.StatusBadRequest, "Bad search", err.Error())
	}
	q.Limit = 1000
	h := c.Response().Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="ampel-subscribers.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"id", "email", "state", "lang", "components", "created_at", "confirmed_at", "unsubscribed_at", "bounced_at", "bounce_reason"})
	for {
		subs, err := k.d.Store.ListSubscribers(c.Request().Context(), q)
		if err != nil {
			// The status is sent: cut the file short, visibly in the log.
			k.d.Logger.Error("subscriber export", "err", err)
			return nil
		}
		for _, s := range subs {
			comps := "all"
			if !s.All {
				comps = strings.Join(s.Components, " ")
			}
			_ = w.Write([]string{strconv.FormatInt(s.ID, 10), csvCell(s.Email), s.State, s.Lang, comps,
				csvTime(s.Created), csvTime(s.Confirmed), csvTime(s.Unsubscribed), csvTime(s.Bounced), csvCell(s.BounceReason)})
			q.After = s.ID
		}
		w.Flush()
		if w.Error() != nil || len(subs) < q.Limit {
			return nil
		}
	}
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// csvCell keeps a spreadsheet from reading a cell as a formula: an
// address may well start with "=" or "+", and a component's name is
// operator text.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
