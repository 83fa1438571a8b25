package ui

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
)

// subscribeCookie holds the subscribe form's double-submit token: a
// random value the form must repeat. Another site can neither read nor
// set it, so it cannot post the form on a visitor's behalf.
const subscribeCookie = "ampel_subscribe"

// formToken returns the visitor's form token, setting the cookie when
// there is none yet.
func (p *subscribePages) formToken(c echo.Context) string {
	if t := p.cookieToken(c); t != "" {
		return t
	}
	t := auth.NewSecret("")
	c.SetCookie(&http.Cookie{
		Name: subscribeCookie, Value: t, Path: "/subscribe", HttpOnly: true,
		Secure:   c.Request().TLS != nil || strings.HasPrefix(p.d.Config.Site.PublicURL, "https:"),
		SameSite: http.SameSiteStrictMode,
	})
	return t
}

// cookieToken returns the token of the request's cookie, if well formed.
func (p *subscribePages) cookieToken(c echo.Context) string {
	ck, err := c.Cookie(subscribeCookie)
	if err != nil || len(ck.Value) != 43 {
		return ""
	}
	return ck.Value
}

// formAllowed reports whether a posted form passes the CSRF checks.
func (p *subscribePages) formAllowed(c echo.Context, posted string) bool {
	return p.sameOrigin(c) && tokenMatches(posted, p.cookieToken(c))
}
