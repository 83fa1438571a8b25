package ui

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/store"
)

// subscribeView is the form: what was entered, what is wrong with it.
type subscribeView struct {
	Email   string
	Problem string // catalogue key; empty when fine
	CSRF    string
	Lang    string
	Groups  []componentGroup
	Within  string
	// Hook is the webhook and chat form; nil when those are off.
	Hook *hookView
}

// hookView is the webhook and chat form: what was entered, what is wrong
// with which field (ProblemText is the message, already translated).
type hookView struct {
	Kinds       []string
	Kind, URL   string
	Field       string
	ProblemText string
	Groups      []componentGroup
}

// sentView is the answer to every accepted subscription, whatever the
// address's state: it must not tell strangers whether it is subscribed.
type sentView struct {
	Email  string
	Within string
}

// form shows the subscribe form.
func (p *subscribePages) form(c echo.Context) error {
	lang := p.lang(c, nil)
	return p.renderForm(c, http.StatusOK, lang, subscribeForm{})
}

func (p *subscribePages) renderForm(c echo.Context, code int, lang string, f subscribeForm) error {
	return p.renderBoth(c, code, lang, f, hookForm{})
}

// renderBoth shows the page's two forms, mail and hook, as entered.
func (p *subscribePages) renderBoth(c echo.Context, code int, lang string, f subscribeForm, h hookForm) error {
	v := subscribeView{Email: f.Email, Problem: f.Problem, CSRF: p.formToken(c), Lang: lang,
		Groups: p.componentGroups(f.Components), Within: duration(lang, p.cfg.ConfirmWithin.D())}
	if p.cfg.Webhooks {
		v.Hook = &hookView{Kinds: store.HookKinds, Kind: h.Kind, URL: h.URL, Field: h.Field, Groups: p.componentGroups(h.Components)}
		if h.Problem != "" {
			v.Hook.ProblemText = i18n.T(lang, h.Problem, h.Args)
		}
	}
	return p.render(c, code, lang, "subscribe", v)
}

// signUpForm applies the per-client sign-up limit and reads a sign-up
// form in the reader's language. When ok is false the answer is written
// and err is what the handler returns.
func (p *subscribePages) signUpForm(c echo.Context, now time.Time) (form url.Values, lang string, ok bool, err error) {
	lang = p.lang(c, nil)
	if ok, err = p.allowClient(c, lang, now); !ok {
		return nil, lang, false, err
	}
	if form, ok, err = p.readForm(c, lang); !ok {
		return nil, lang, false, err
	}
	return form, p.lang(c, form), true, nil
}

// allowClient applies the per-client sign-up limit; when it refuses, the
// answer (429 with Retry-After) is written and err is what to return.
func (p *subscribePages) allowClient(c echo.Context, lang string, now time.Time) (bool, error) {
	ok, wait := p.limits.allow(ipKey(c.RealIP()), now)
	if ok {
		return true, nil
	}
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(wait.Seconds())), 1)))
	return false, p.message(c, http.StatusTooManyRequests, lang, "subscribe.title", "subscribe.error.too_many",
		map[string]any{"Wait": duration(lang, wait)})
}

// subscribe takes the form: per-client limit, body limit, CSRF, the
// honeypot, validation; then a pending subscriber and its confirmation
// mail in one transaction, limited per address by the store.
func (p *subscribePages) subscribe(c echo.Context) error {
	now := p.d.Now()
	form, lang, ok, err := p.signUpForm(c, now)
	if !ok {
		return err
	}
	f := parseSubscribeForm(form, p.known)
	if !p.formAllowed(c, form.Get(csrfField)) {
		f.Problem = "subscribe.error.form_expired"
		return p.renderForm(c, http.StatusForbidden, lang, f)
	}
	if f.Problem != "" {
		return p.renderForm(c, http.StatusBadRequest, lang, f)
	}
	if !f.Honeypot {
		_, err := p.d.Store.Subscribe(c.Request().Context(), store.SubscribeRequest{
			Email: f.Email, Lang: lang, Components: f.Components,
			ConfirmWithin: p.cfg.ConfirmWithin.D(), MaxConfirms: maxConfirmsPerDay,
		}, now)
		if err != nil {
			return err
		}
	}
	return p.render(c, http.StatusOK, lang, "subscribe_sent", sentView{Email: f.Email, Within: duration(lang, p.cfg.ConfirmWithin.D())})
}
