package ui

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/store"
)

// subscriberStates are the states ?state= accepts.
var subscriberStates = []string{store.SubscriberPending, store.SubscriberConfirmed, store.SubscriberUnsubscribed, store.SubscriberBounced}

// subscriberList is the answer of GET /api/v1/subscribers.
type subscriberList struct {
	Subscribers []store.Subscriber `json:"subscribers"`
	Counts      subscriberCounts   `json:"counts"`
	// NextAfter is the ?after= of the next page; absent on the last.
	NextAfter int64 `json:"next_after,omitempty"`
}

// subscriberCounts: subscribers by state, and per component the
// confirmed subscribers who hear about it (those of all components
// included).
type subscriberCounts struct {
	States     map[string]int `json:"states"`
	Components map[string]int `json:"components"`
}

// listSubscribers answers GET /api/v1/subscribers?q=&component=&state=&limit=&after=.
func (a *operatorAPI) listSubscribers(c echo.Context) error {
	q, err := subscriberQuery(c, a.d.Config.Components)
	if err != nil {
		return a.fail(c, err)
	}
	ctx := c.Request().Context()
	subs, err := a.d.Store.ListSubscribers(ctx, q)
	if err != nil {
		return err
	}
	counts, err := countSubscribers(ctx, a.d)
	if err != nil {
		return err
	}
	out := subscriberList{Subscribers: subs, Counts: counts}
	if len(subs) == q.Limit {
		out.NextAfter = subs[len(subs)-1].ID
	}
	return c.JSON(http.StatusOK, out)
}

// subscriberQuery reads the list's filters, each checked.
func subscriberQuery(c echo.Context, comps []config.Component) (store.SubscriberQuery, error) {
	limit, err := queryLimit(c)
	if err != nil {
		return store.SubscriberQuery{}, err
	}
	q := store.SubscriberQuery{Q: c.QueryParam("q"), Component: c.QueryParam("component"), State: c.QueryParam("state"), Limit: limit}
	if len(q.Q) > 254 {
		return q, &requestError{Status: http.StatusBadRequest, Field: "q", Msg: "at most 254 characters"}
	}
	if q.Component != "" && !slices.ContainsFunc(comps, func(cc config.Component) bool { return cc.Slug == q.Component }) {
		return q, &requestError{Status: http.StatusBadRequest, Field: "component", Msg: "no such component"}
	}
	if q.State != "" && !slices.Contains(subscriberStates, q.State) {
		return q, &requestError{Status: http.StatusBadRequest, Field: "state", Msg: "want pending, confirmed, unsubscribed or bounced"}
	}
	if s := c.QueryParam("after"); s != "" {
		if q.After, err = strconv.ParseInt(s, 10, 64); err != nil || q.After < 0 {
			return q, &requestError{Status: http.StatusBadRequest, Field: "after", Msg: "want the id of the previous page's last subscriber"}
		}
	}
	return q, nil
}

// countSubscribers counts per state and per configured component.
func countSubscribers(ctx context.Context, d Deps) (subscriberCounts, error) {
	n, err := d.Store.CountSubscribers(ctx)
	if err != nil {
		return subscriberCounts{}, err
	}
	out := subscriberCounts{States: n.States, Components: map[string]int{}}
	for _, comp := range d.Config.Components {
		out.Components[comp.Slug] = n.All + n.Components[comp.Slug]
	}
	return out, nil
}
