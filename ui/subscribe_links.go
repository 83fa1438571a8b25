package ui

import (
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/store"
)

// tokenView is a page behind a mail's link: whose subscription, and the
// URL its form posts to (the same link).
type tokenView struct {
	Email  string
	Action string
	Lang   string
}

// confirmPage shows the button that confirms. A GET changes nothing, so
// mail scanners that follow links confirm nobody.
func (p *subscribePages) confirmPage(c echo.Context) error {
	lang := p.lang(c, nil)
	sub, err := p.d.Store.SubscriberByToken(c.Request().Context(), store.PurposeConfirm, c.Param("token"), p.d.Now())
	if err != nil {
		return p.subscriberOr404(c, lang, err)
	}
	if sub.State == store.SubscriberConfirmed {
		return p.confirmed(c, sub)
	}
	lang = p.subLang(c, sub)
	return p.render(c, http.StatusOK, lang, "subscribe_confirm", p.tokenView(c, lang, sub))
}

// confirm confirms the subscription.
func (p *subscribePages) confirm(c echo.Context) error {
	_, lang, ok, err := p.linkForm(c)
	if !ok {
		return err
	}
	sub, err := p.d.Store.ConfirmSubscriber(c.Request().Context(), c.Param("token"), p.d.Now())
	if err != nil {
		return p.subscriberOr404(c, lang, err)
	}
	return p.confirmed(c, sub)
}

func (p *subscribePages) confirmed(c echo.Context, sub store.Subscriber) error {
	return p.message(c, http.StatusOK, p.subLang(c, sub), "confirm.done_title", "confirm.done_body", map[string]any{"Email": sub.Email})
}

// unsubscribePage asks before unsubscribing: a GET changes nothing.
func (p *subscribePages) unsubscribePage(c echo.Context) error {
	lang := p.lang(c, nil)
	sub, err := p.d.Store.SubscriberByToken(c.Request().Context(), store.PurposeManage, c.Param("token"), p.d.Now())
	if err != nil {
		return p.subscriberOr404(c, lang, err)
	}
	if sub.State == store.SubscriberUnsubscribed {
		return p.unsubscribed(c, sub)
	}
	lang = p.subLang(c, sub)
	return p.render(c, http.StatusOK, lang, "subscribe_unsubscribe", p.tokenView(c, lang, sub))
}

// unsubscribe is RFC 8058's one-click POST, and the button of the page
// above. Mail providers post List-Unsubscribe=One-Click without cookies,
// CSRF token or Origin: the token in the URL is the authorisation, so no
// CSRF check applies and the body is not needed. Already unsubscribed
// answers 200 too.
func (p *subscribePages) unsubscribe(c echo.Context) error {
	lang := p.lang(c, nil)
	body := http.MaxBytesReader(c.Response(), c.Request().Body, subscribeBodyLimit)
	var tooBig *http.MaxBytesError
	if _, err := io.Copy(io.Discard, body); errors.As(err, &tooBig) {
		return p.message(c, http.StatusRequestEntityTooLarge, lang, "unsubscribe.title", "subscribe.error.too_large", nil)
	}
	sub, err := p.d.Store.Unsubscribe(c.Request().Context(), c.Param("token"), p.d.Now())
	if err != nil {
		return p.subscriberOr404(c, lang, err)
	}
	return p.unsubscribed(c, sub)
}

func (p *subscribePages) unsubscribed(c echo.Context, sub store.Subscriber) error {
	lang := p.subLang(c, sub)
	l := loc{Lang: lang}
	return p.render(c, http.StatusOK, lang, "subscribe_message", messageView{
		Title: l.T("unsubscribe.done_title"), Body: l.T("unsubscribe.done_body", "Email", sub.Email),
		Link: "/subscribe/manage/" + c.Param("token") + "?lang=" + lang, LinkText: l.T("manage.resubscribe")})
}

func (p *subscribePages) tokenView(c echo.Context, lang string, sub store.Subscriber) tokenView {
	return tokenView{Email: sub.Email, Action: c.Request().URL.Path + "?lang=" + lang, Lang: lang}
}

// subLang is the language of a page about sub: the visitor's explicit
// choice (?lang=, the form's lang field), else the one they subscribed
// in, which their mails use too.
func (p *subscribePages) subLang(c echo.Context, sub store.Subscriber) string {
	form := c.Request().PostForm
	if c.QueryParam("lang") != "" || form.Get("lang") != "" {
		return p.lang(c, form)
	}
	if slices.Contains(i18n.Languages, sub.Lang) {
		return sub.Lang
	}
	return p.lang(c, nil)
}
