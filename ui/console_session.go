package ui

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/store"
)

// Console cookies. The __Host- prefix makes browsers insist on Secure,
// Path=/ and no Domain, so no sibling subdomain can set or shadow them.
// Browsers treat http://localhost and 127.0.0.1 as secure, so a local
// install works over plain http too.
const (
	sessionCookie = "__Host-ampel_session"
	csrfCookie    = "__Host-ampel_csrf"
	flashCookie   = "__Host-ampel_flash"
)

// Context keys of the console's middleware.
const (
	sessionKey       = "ampel.session"
	sessionSecretKey = "ampel.session_secret"
	csrfKey          = "ampel.csrf"
)

// sessionTouchEvery is how often a session's last activity is written:
// idle timeouts are minutes long, so a minute's slack costs nothing and
// saves a write per page view.
const sessionTouchEvery = time.Minute

// Session lifetimes when the config has none (a Deps without one).
const (
	defaultSessionIdle = 30 * time.Minute
	defaultSessionMax  = 12 * time.Hour
)

func (k *console) sessionIdle() time.Duration {
	if k.d.Config != nil && k.d.Config.Console.SessionIdle > 0 {
		return k.d.Config.Console.SessionIdle.D()
	}
	return defaultSessionIdle
}

func (k *console) sessionMax() time.Duration {
	if k.d.Config != nil && k.d.Config.Console.SessionMax > 0 {
		return k.d.Config.Console.SessionMax.D()
	}
	return defaultSessionMax
}

// requireSession admits requests with a live session and leaves it in
// the context (see user); others go to the login page.
func (k *console) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return k.toLogin(c)
		}
		ctx, now := c.Request().Context(), k.d.Now()
		s, err := k.d.Store.SessionBySecret(ctx, ck.Value, now, k.sessionIdle())
		if errors.Is(err, store.ErrNoSession) {
			k.clearCookie(c, sessionCookie)
			return k.toLogin(c)
		}
		if err != nil {
			return err
		}
		if now.Sub(s.LastSeen) >= sessionTouchEvery {
			if err := k.d.Store.TouchSession(ctx, s.ID, now); err != nil {
				return err
			}
		}
		c.Set(sessionKey, s)
		c.Set(sessionSecretKey, ck.Value)
		return next(c)
	}
}

// toLogin sends a request without a session to the login page, which
// returns to the page asked for (GET only: a form's data is gone).
func (k *console) toLogin(c echo.Context) error {
	r := c.Request()
	to := "/admin/login"
	if r.Method == http.MethodGet && r.URL.Path != "/admin" {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// consoleHome is where a login goes when it has nowhere better to go.
const consoleHome = "/admin"

// safeNext returns where to go after login: a console path on this site,
// never another site ("//evil.example", "/\evil.example") nor a path
// that leaves the console once cleaned ("/admin/../x"). The path is
// returned cleaned, with its query.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return consoleHome
	}
	p := path.Clean(u.Path)
	if p != consoleHome && !strings.HasPrefix(p, consoleHome+"/") || p == "/admin/login" || strings.HasPrefix(p, "/admin/login/") {
		return consoleHome
	}
	return (&url.URL{Path: p, RawQuery: u.RawQuery}).String()
}

// startSession issues a new session for u and sets its cookie, after
// revoking the session the request presented, if any: a session fixed
// before login is worthless after it.
func (k *console) startSession(c echo.Context, u store.User) error {
	ctx, now := c.Request().Context(), k.d.Now()
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := k.d.Store.RevokeSessionBySecret(ctx, ck.Value, now); err != nil {
			return err
		}
	}
	secret := auth.NewSecret("")
	if _, err := k.d.Store.CreateSession(ctx, u.ID, secret, now, now.Add(k.sessionMax())); err != nil {
		return err
	}
	setCookie(c, sessionCookie, secret, 0)
	c.Set(sessionSecretKey, secret)
	return nil
}

// clearCookie tells the browser to forget a console cookie.
func (k *console) clearCookie(c echo.Context, name string) { setCookie(c, name, "", -1) }

// setCookie sets a console cookie: sent over HTTPS only, out of scripts'
// reach, not on cross-site requests. maxAge 0 lasts the browser session;
// a negative one deletes the cookie.
func setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}
