package ui

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/store"
)

// hookTokenView is a page behind a link of a hook subscription.
type hookTokenView struct {
	Kind, Host, State string
	Action, Lang      string
}

// hookManageView is the manage page of a hook subscription.
type hookManageView struct {
	hookTokenView
	Groups  []componentGroup
	Saved   bool
	Problem string
}

func (p *subscribePages) hookView(c echo.Context, lang string, h store.Hook) hookTokenView {
	return hookTokenView{Kind: i18n.T(lang, "hook.kind_"+h.Kind, nil), Host: h.Host,
		State: i18n.T(lang, "hook.state_"+h.State, nil), Action: c.Request().URL.Path, Lang: lang}
}

func (p *subscribePages) hookOr404(c echo.Context, lang string, err error) error {
	if errors.Is(err, store.ErrNoSubscriber) {
		return p.linkInvalid(c, lang)
	}
	return err
}

// hookConfirmPage shows the button that confirms: a GET changes nothing,
// so a chat service's link preview confirms nobody.
func (p *subscribePages) hookConfirmPage(c echo.Context) error {
	lang := p.lang(c, nil)
	h, err := p.d.Store.HookByToken(c.Request().Context(), store.PurposeConfirm, c.Param("token"), p.d.Now())
	if err != nil {
		return p.hookOr404(c, lang, err)
	}
	if h.State != store.HookPending {
		return p.hookConfirmed(c, lang, h)
	}
	return p.render(c, http.StatusOK, lang, "subscribe_hook_confirm", p.hookView(c, lang, h))
}

// hookConfirm confirms the subscription.
func (p *subscribePages) hookConfirm(c echo.Context) error {
	_, lang, ok, err := p.linkForm(c)
	if !ok {
		return err
	}
	h, err := p.d.Store.ConfirmHook(c.Request().Context(), c.Param("token"), p.d.Now())
	if err != nil {
		return p.hookOr404(c, lang, err)
	}
	return p.hookConfirmed(c, lang, h)
}

func (p *subscribePages) hookConfirmed(c echo.Context, lang string, h store.Hook) error {
	if h.State == store.HookUnsubscribed {
		return p.linkInvalid(c, lang)
	}
	return p.message(c, http.StatusOK, lang, "hook.confirm_done_title", "hook.confirm_done_body", map[string]any{"Host": h.Host})
}

// hookManagePage shows a hook subscription's components and the button
// that ends it.
func (p *subscribePages) hookManagePage(c echo.Context) error {
	lang := p.lang(c, nil)
	h, err := p.d.Store.HookByToken(c.Request().Context(), store.PurposeManage, c.Param("token"), p.d.Now())
	if err != nil {
		return p.hookOr404(c, lang, err)
	}
	return p.renderHookManage(c, http.StatusOK, lang, h, false, "")
}

// hookManage saves the components (action=save) or ends the
// subscription (action=unsubscribe).
func (p *subscribePages) hookManage(c echo.Context) error {
	form, lang, ok, err := p.linkForm(c)
	if !ok {
		return err
	}
	ctx, token, now := c.Request().Context(), c.Param("token"), p.d.Now()
	var h store.Hook
	if form.Get("action") == "unsubscribe" {
		if h, err = p.d.Store.UnsubscribeHook(ctx, token, now); err != nil {
			return p.hookOr404(c, lang, err)
		}
		return p.message(c, http.StatusOK, lang, "hook.unsubscribed_title", "hook.unsubscribed_body", map[string]any{"Host": h.Host})
	}
	comps, problem := parseComponents(form, p.known)
	if problem != "" {
		if h, err = p.d.Store.HookByToken(ctx, store.PurposeManage, token, now); err != nil {
			return p.hookOr404(c, lang, err)
		}
		return p.renderHookManage(c, http.StatusBadRequest, lang, h, false, problem)
	}
	if h, err = p.d.Store.SetHookComponents(ctx, token, comps, now); err != nil {
		return p.hookOr404(c, lang, err)
	}
	return p.renderHookManage(c, http.StatusOK, lang, h, true, "")
}

func (p *subscribePages) renderHookManage(c echo.Context, code int, lang string, h store.Hook, saved bool, problem string) error {
	if h.State == store.HookUnsubscribed {
		return p.message(c, code, lang, "hook.unsubscribed_title", "hook.unsubscribed_body", map[string]any{"Host": h.Host})
	}
	var chosen []string
	if !h.All {
		chosen = h.Components
	}
	v := hookManageView{hookTokenView: p.hookView(c, lang, h), Groups: p.componentGroups(chosen), Saved: saved, Problem: problem}
	return p.render(c, code, lang, "subscribe_hook_manage", v)
}
