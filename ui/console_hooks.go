package ui

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/store"
)

// hooksShown is how many webhook and chat subscriptions the subscribers
// page lists, the quarantined ones first.
const hooksShown = 100

// hookSubscribers is the subscribers page's part on webhooks and chat
// channels: the counts by state, the quarantined ones (which need an
// operator) and the newest others.
type hookSubscribers struct {
	States map[string]int
	Hooks  []store.Hook
}

func loadHookSubscribers(ctx context.Context, st *store.Store) (hookSubscribers, error) {
	states, err := st.CountHooks(ctx)
	if err != nil {
		return hookSubscribers{}, err
	}
	hooks, err := st.ListHooks(ctx, store.HookQuarantined, hooksShown)
	if err != nil {
		return hookSubscribers{}, err
	}
	if rest := hooksShown - len(hooks); rest > 0 {
		all, err := st.ListHooks(ctx, "", hooksShown)
		if err != nil {
			return hookSubscribers{}, err
		}
		for _, h := range all {
			if h.State != store.HookQuarantined && rest > 0 {
				hooks, rest = append(hooks, h), rest-1
			}
		}
	}
	return hookSubscribers{States: states, Hooks: hooks}, nil
}

// hookSubscriberPages adds the operator's actions on a webhook or chat
// subscription: lifting a quarantine and deleting it, both audited.
func (k *console) hookSubscriberPages(g *echo.Group) {
	g.POST("/subscribers/hooks/:id/release", k.releaseHook)
	g.POST("/subscribers/hooks/:id/delete", k.deleteHook)
}

func (k *console) releaseHook(c echo.Context) error {
	return k.hookAction(c, k.d.Store.ReleaseHook, "resumed: deliveries start again with the next update")
}

func (k *console) deleteHook(c echo.Context) error {
	return k.hookAction(c, k.d.Store.DeleteHook, "deleted with its tokens and queued deliveries")
}

func (k *console) hookAction(c echo.Context, act func(context.Context, int64, store.Actor, time.Time) error, done string) error {
	id, ok := idParam(c)
	if !ok {
		return k.notFound(c, "subscription")
	}
	err := act(c.Request().Context(), id, k.actor(c), k.d.Now())
	if errors.Is(err, store.ErrNoSubscriber) {
		return k.notFound(c, "subscription")
	}
	if err != nil {
		return err
	}
	return k.redirect(c, "/admin/subscribers#hooks", "Webhook subscription "+strconv.FormatInt(id, 10)+" "+done+".")
}
