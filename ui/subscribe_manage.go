package ui

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/store"
)

// manageView is the manage page: the subscription and its components.
type manageView struct {
	tokenView
	State   string
	All     bool
	Groups  []componentGroup
	Saved   bool
	Problem string
}

// managePage shows a subscriber's components and the unsubscribe (or
// subscribe again) button.
func (p *subscribePages) managePage(c echo.Context) error {
	lang := p.lang(c, nil)
	sub, err := p.d.Store.SubscriberByToken(c.Request().Context(), store.PurposeManage, c.Param("token"), p.d.Now())
	if err != nil {
		return p.subscriberOr404(c, lang, err)
	}
	return p.renderManage(c, http.StatusOK, sub, false, "")
}

// manage saves the components (action=save), unsubscribes
// (action=unsubscribe) or subscribes again (action=resubscribe).
func (p *subscribePages) manage(c echo.Context) error {
	form, lang, ok, err := p.linkForm(c)
	if !ok {
		return err
	}
	ctx, token, now := c.Request().Context(), c.Param("token"), p.d.Now()
	var sub store.Subscriber
	switch form.Get("action") {
	case "unsubscribe":
		sub, err = p.d.Store.Unsubscribe(ctx, token, now)
	case "resubscribe":
		sub, err = p.d.Store.Resubscribe(ctx, token, now)
	default:
		comps, problem := parseComponents(form, p.known)
		if problem != "" {
			if sub, err = p.d.Store.SubscriberByToken(ctx, store.PurposeManage, token, now); err != nil {
				return p.subscriberOr404(c, lang, err)
			}
			return p.renderManage(c, http.StatusBadRequest, sub, false, problem)
		}
		sub, err = p.d.Store.SetSubscriberComponents(ctx, token, comps, now)
	}
	if err != nil {
		return p.subscriberOr404(c, lang, err)
	}
	return p.renderManage(c, http.StatusOK, sub, true, "")
}

func (p *subscribePages) renderManage(c echo.Context, code int, sub store.Subscriber, saved bool, problem string) error {
	lang := p.subLang(c, sub)
	v := manageView{tokenView: p.tokenView(c, lang, sub), State: sub.State, All: sub.All,
		Groups: p.componentGroups(sub.Components), Saved: saved, Problem: problem}
	return p.render(c, code, lang, "subscribe_manage", v)
}

// parseComponents reads the form's component fields: known slugs, each
// once; none means all.
func parseComponents(form url.Values, known []string) ([]string, string) {
	var comps []string
	problem := ""
	for _, c := range form["component"] {
		switch {
		case !slices.Contains(known, c):
			problem = "subscribe.error.component_unknown"
		case !slices.Contains(comps, c):
			comps = append(comps, c)
		}
	}
	return comps, problem
}
