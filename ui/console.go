package ui

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/store"
)

// console serves the operator console under /admin: login, sessions,
// CSRF, the dashboard, account, users, tokens and the audit log; the
// incident and maintenance pages hang off it (console_incidents.go).
type console struct {
	d Deps
	// edited tells the page cache that operators changed something.
	edited func()
	assets *assets
	// md is the site's Markdown cache: a text shows on both.
	md     *mdCache
	pages  pages
	limits *loginLimits
	// publicHost is site.public_url's host: a proxy may pass on another
	// Host than the browser's origin.
	publicHost string
}

// consolePage is what every console template receives: the layout reads
// the fields, the page reads its own data under .Data.
//
//   - .CSRF is the token every form must carry:
//     <input type="hidden" name="csrf" value="{{.CSRF}}">
//   - .User is the logged-in user (zero on the login page).
//   - .Admin is true when .User may see the admin-only pages.
//   - .Flash is a one-time message from the previous POST (see redirect).
//   - .Site is the status page's title; .CSS the console stylesheet.
//   - .Path is the request path, for marking the current nav link.
//
// A page template defines "title" (the <title> and heading text) and
// "main" (the content); console/layout.html wraps them.
type consolePage struct {
	Site  string
	CSS   string
	CSRF  string
	User  store.User
	Admin bool
	Flash string
	Path  string
	Data  any
}

// consoleRoutes adds the console; it needs the store.
func consoleRoutes(e *echo.Echo, d Deps, s *site) {
	if d.Store == nil {
		return
	}
	k, err := newConsole(d, s)
	if err != nil {
		// Templates and assets are embedded: a build defect, caught by
		// every test that calls New.
		panic(err)
	}
	k.routes(e)
}

// routes registers the login pages, then the group of pages that need a
// session, and CSRF checks on every method but GET and HEAD.
func (k *console) routes(e *echo.Echo) {
	e.GET("/admin/login", k.loginPage, k.loginCSRF)
	e.POST("/admin/login", k.login, k.loginCSRF)

	g := e.Group("/admin", k.requireSession, k.csrf)
	// Replaces the group's JSON 404 with a console page.
	g.RouteNotFound("/*", func(c echo.Context) error { return k.notFound(c, "such page") })
	g.GET("", k.dashboard)
	g.GET("/checks/:name", k.checkResults)
	g.POST("/logout", k.logout)
	g.GET("/account", k.accountPage)
	g.POST("/account/password", k.changePassword)

	admin := k.requireRole(store.RoleAdmin)
	g.GET("/users", k.usersPage, admin)
	g.POST("/users", k.addUser, admin)
	g.POST("/users/:id/disable", k.disableUser, admin)
	g.GET("/tokens", k.tokensPage, admin)
	g.POST("/tokens", k.createToken, admin)
	g.POST("/tokens/:id/revoke", k.revokeToken, admin)
	g.GET("/audit", k.auditPage, admin)
	g.GET("/audit.jsonl", k.auditExport, admin)

	k.incidentPages(g)
	k.subscriberPages(g)
	k.alertPages(g)
}

// user returns the logged-in user, as the session middleware found it.
// Every handler of the /admin group has one.
func (k *console) user(c echo.Context) store.User {
	s, _ := c.Get(sessionKey).(store.Session)
	return s.User
}

// actor returns the logged-in user as the audit log's actor.
func (k *console) actor(c echo.Context) store.Actor {
	u := k.user(c)
	return store.Actor{Kind: store.ActorUser, ID: u.ID, Name: u.Email}
}

// requireRole admits only users of role need or a higher one (see
// roleRank); others get a 403 page. Use it per route:
//
//	g.GET("/users", k.usersPage, k.requireRole(store.RoleAdmin))
func (k *console) requireRole(need string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if roleRank[k.user(c).Role] < roleRank[need] {
				return k.plain(c, http.StatusForbidden, "Not allowed",
					"This page is for "+need+"s only.")
			}
			return next(c)
		}
	}
}

// render answers the console template name (console/NAME.html) inside
// the console layout, with a consolePage around data.
func (k *console) render(c echo.Context, code int, name string, data any) error {
	u := k.user(c)
	p := consolePage{
		Site: k.d.Config.Site.Title, CSS: k.assets.url("console.css"),
		CSRF: k.csrfToken(c), User: u, Admin: roleRank[u.Role] >= roleRank[store.RoleAdmin],
		Flash: k.takeFlash(c), Path: c.Request().URL.Path, Data: data,
	}
	body, err := k.pages.render(name, p)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(code, body)
}

// redirect answers a POST with 303 See Other to path (a path on this
// site, such as "/admin/incidents/7"), carrying flash (may be empty) to
// the next page rendered in a short-lived cookie.
func (k *console) redirect(c echo.Context, path, flash string) error {
	if flash != "" {
		setCookie(c, flashCookie, url.QueryEscape(flash), 60)
	}
	return c.Redirect(http.StatusSeeOther, path)
}

// takeFlash returns and clears the flash message, if any.
func (k *console) takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return ""
	}
	k.clearCookie(c, flashCookie)
	msg, err := url.QueryUnescape(ck.Value)
	if err != nil || len(msg) > 500 {
		return ""
	}
	return msg
}
