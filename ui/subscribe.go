package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/subhook"
	"github.com/ampelstatus/ampel/store"
)

// subscribeBodyLimit bounds the body of every subscribe, confirm, manage and
// unsubscribe request: the forms are a few hundred bytes.
const subscribeBodyLimit = 16 << 10

// maxConfirmsPerDay is the limit on confirmation mails to one
// address in 24 hours, whatever the source.
const maxConfirmsPerDay = 3

// subscribePages serves the public subscription pages: the form, and the
// confirm, manage and unsubscribe links that mails carry.
type subscribePages struct {
	d      Deps
	site   *site
	cfg    config.Subscriptions
	pages  pages
	limits *subscribeLimits
	// known are the component slugs one may subscribe to.
	known []string
}

// subscribeRoutes adds the subscription pages; they need the store.
// With subscriptions disabled the form is gone, but links in mails sent
// before keep working, so people can still unsubscribe.
func subscribeRoutes(e *echo.Echo, s *site) {
	if s.d.Store == nil {
		return
	}
	p, err := newSubscribePages(s)
	if err != nil {
		// Templates are embedded: a build defect, caught by every test
		// that calls New.
		panic(err)
	}
	if p.cfg.Enabled {
		e.GET("/subscribe", p.form)
		e.POST("/subscribe", p.subscribe)
		if p.cfg.Webhooks {
			e.POST("/subscribe/hooks", p.subscribeHook)
		}
	} else {
		e.Any("/subscribe", p.disabled)
	}
	e.GET("/subscribe/confirm/:token", p.confirmPage)
	e.POST("/subscribe/confirm/:token", p.confirm)
	e.GET("/subscribe/manage/:token", p.managePage)
	e.POST("/subscribe/manage/:token", p.manage)
	e.GET(subhook.ConfirmPath+"/:token", p.hookConfirmPage)
	e.POST(subhook.ConfirmPath+"/:token", p.hookConfirm)
	e.GET(subhook.ManagePath+"/:token", p.hookManagePage)
	e.POST(subhook.ManagePath+"/:token", p.hookManage)
	e.GET("/unsubscribe/:token", p.unsubscribePage)
	e.POST("/unsubscribe/:token", p.unsubscribe)
}

func newSubscribePages(s *site) (*subscribePages, error) {
	ps := pages{}
	for _, name := range []string{"subscribe", "subscribe_sent", "subscribe_confirm", "subscribe_manage", "subscribe_unsubscribe", "subscribe_message",
		"subscribe_hook_sent", "subscribe_hook_confirm", "subscribe_hook_manage"} {
		t, err := newTemplate(name, "templates/subscribe_layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("ui: parse %s: %w", name, err)
		}
		ps[name] = t
	}
	cfg := s.d.Config
	p := &subscribePages{d: s.d, site: s, cfg: cfg.Subscriptions, pages: ps,
		limits: newSubscribeLimits(cfg.Subscriptions.PerIPPerMinute, cfg.Subscriptions.PerIPPerDay, newSharedLimits(s.d))}
	for _, comp := range cfg.Components {
		p.known = append(p.known, comp.Slug)
	}
	return p, nil
}

// readForm parses a urlencoded body of at most subscribeBodyLimit. Past that
// it answers 413 itself and returns ok false.
func (p *subscribePages) readForm(c echo.Context, lang string) (url.Values, bool, error) {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, subscribeBodyLimit)
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, false, p.message(c, http.StatusRequestEntityTooLarge, lang, "subscribe.title", "subscribe.error.too_large", nil)
	case err != nil:
		return nil, false, p.message(c, http.StatusBadRequest, lang, "subscribe.title", "subscribe.error.form_expired", nil)
	}
	return r.PostForm, true, nil
}

// linkForm reads the form a token link's page posts, in the reader's
// language, and applies the Origin check. When ok is false the answer is
// written and err is what the handler returns.
func (p *subscribePages) linkForm(c echo.Context) (form url.Values, lang string, ok bool, err error) {
	lang = p.lang(c, nil)
	if form, ok, err = p.readForm(c, lang); !ok {
		return nil, lang, false, err
	}
	lang = p.lang(c, form)
	if !p.sameOrigin(c) {
		return nil, lang, false, p.linkInvalid(c, lang)
	}
	return form, lang, true, nil
}

// sameOrigin applies the Origin check (see sameOrigin). A request
// without Origin or Sec-Fetch-Site (an old browser, curl) passes: the
// public form's CSRF token and the links' tokens do the rest.
func (p *subscribePages) sameOrigin(c echo.Context) bool { return p.site.sameOrigin(c) }

// disabled answers /subscribe when subscriptions are turned off.
func (p *subscribePages) disabled(c echo.Context) error {
	lang := p.lang(c, nil)
	return p.message(c, http.StatusNotFound, lang, "subscribe.title", "subscribe.disabled", nil)
}

// linkInvalid answers a token that matches nothing usable.
func (p *subscribePages) linkInvalid(c echo.Context, lang string) error {
	return p.message(c, http.StatusNotFound, lang, "link.invalid_title", "link.invalid_body", nil)
}

// subscriberOr404 maps ErrNoSubscriber to the invalid-link page.
func (p *subscribePages) subscriberOr404(c echo.Context, lang string, err error) error {
	if errors.Is(err, store.ErrNoSubscriber) {
		return p.linkInvalid(c, lang)
	}
	return err
}
