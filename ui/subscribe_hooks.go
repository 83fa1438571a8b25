package ui

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/pkg/subhook"
	"github.com/ampelstatus/ampel/store"
)

// maxHookURL bounds a subscriber's URL: Slack's and Teams' webhook URLs
// are 80 to 400 characters.
const maxHookURL = 2048

// hookForm is a parsed and checked hook sign-up. Problem is the
// catalogue key of what is wrong, Field the form field it is about.
type hookForm struct {
	Kind, URL  string
	Components []string
	Honeypot   bool
	Problem    string
	Args       map[string]any
	Field      string
}

// parseHookForm reads kind, url, component (any number; none means all)
// and the honeypot.
func parseHookForm(form url.Values, known []string) hookForm {
	f := hookForm{Kind: form.Get("kind"), URL: strings.TrimSpace(form.Get("url")), Honeypot: form.Get("website") != ""}
	f.Components, f.Problem = parseComponents(form, known)
	if f.Problem != "" {
		f.Field = "component"
	}
	switch {
	case !slices.Contains(store.HookKinds, f.Kind):
		f.Problem, f.Field, f.Kind = "hook.error.kind_unknown", "kind", ""
	case f.URL == "":
		f.Problem, f.Field = "hook.error.url_missing", "url"
	case len(f.URL) > maxHookURL:
		f.Problem, f.Field = "hook.error.url_too_long", "url"
	}
	if !utf8Valid(f.URL) {
		f.URL = strings.ToValidUTF8(f.URL, "\uFFFD")
		f.Problem, f.Field = "hook.error.url_invalid", "url"
	}
	return f
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

// checkHookURL is the sign-up's SSRF check: the URL's host, resolved,
// must be public (or in alerts.allow_networks). Every delivery checks
// again on each connection; this tells the stranger at once.
func (p *subscribePages) checkHookURL(ctx context.Context, f *hookForm) {
	err := safehttp.Policy{Allow: p.d.Config.Alerts.Allow}.CheckURL(ctx, p.d.HookResolver, f.URL)
	var blocked *safehttp.BlockedError
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return
	case errors.As(err, &blocked):
		f.Problem, f.Args = "hook.error.url_blocked", map[string]any{"Reason": blocked.Reason}
	case errors.As(err, &dnsErr):
		f.Problem = "hook.error.url_unresolved"
	default:
		f.Problem = "hook.error.url_invalid"
	}
	f.Field = "url"
}

// hookSentView answers an accepted sign-up: the secret and the manage
// link, shown this once.
type hookSentView struct {
	Kind, Host, Within string
	Secret, ManageURL  string
}

// subscribeHook takes the hook form: the same per-client limit, body
// limit and CSRF checks as the mail form; the URL checked against SSRF;
// then a pending subscription and its verification request in one
// transaction, limited per URL host by the store.
func (p *subscribePages) subscribeHook(c echo.Context) error {
	now := p.d.Now()
	form, lang, ok, err := p.signUpForm(c, now)
	if !ok {
		return err
	}
	f := parseHookForm(form, p.known)
	if !p.formAllowed(c, form.Get(csrfField)) {
		f.Problem, f.Field = "subscribe.error.form_expired", ""
		return p.renderHookForm(c, http.StatusForbidden, lang, f)
	}
	if f.Problem == "" {
		p.checkHookURL(c.Request().Context(), &f)
	}
	if f.Problem != "" {
		return p.renderHookForm(c, http.StatusBadRequest, lang, f)
	}
	u, _ := url.Parse(f.URL) // CheckURL parsed it
	v := hookSentView{Kind: i18n.T(lang, "hook.kind_"+f.Kind, nil), Host: u.Hostname(), Within: duration(lang, p.cfg.ConfirmWithin.D())}
	if f.Honeypot {
		return p.render(c, http.StatusOK, lang, "subscribe_hook_sent", v)
	}
	manage := auth.NewSecret("")
	req := store.HookRequest{Kind: f.Kind, URL: f.URL, Host: strings.ToLower(u.Hostname()), ManageSecret: manage,
		Lang: lang, Components: f.Components, ConfirmWithin: p.cfg.ConfirmWithin.D(), MaxPerHost: p.cfg.PerHostPerDay}
	if f.Kind == store.HookWebhook {
		req.Secret = channel.NewSecret()
		v.Secret = req.Secret
	}
	if _, err := p.d.Store.SubscribeHook(c.Request().Context(), req, now); errors.Is(err, store.ErrHookLimited) {
		return p.message(c, http.StatusTooManyRequests, lang, "subscribe.title", "hook.error.too_many_host", nil)
	} else if err != nil {
		return err
	}
	v.ManageURL = p.absolute(c, subhook.ManagePath+"/"+manage)
	return p.render(c, http.StatusOK, lang, "subscribe_hook_sent", v)
}

// absolute is path on the site's address.
func (p *subscribePages) absolute(c echo.Context, path string) string {
	return p.site.baseOf(c).URL + path
}

func (p *subscribePages) renderHookForm(c echo.Context, code int, lang string, f hookForm) error {
	return p.renderBoth(c, code, lang, subscribeForm{}, f)
}
