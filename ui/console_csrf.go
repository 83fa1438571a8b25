package ui

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
)

// csrfField is the form field every console form carries its token in.
const csrfField = "csrf"

// maxFormBytes bounds a console form's body: the longest field, a
// Markdown message, is far smaller.
const maxFormBytes = 1 << 20

// limitBody caps the request body before the form is read; a longer one
// fails to parse, and the form then lacks its token.
func limitBody(c echo.Context) {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxFormBytes)
}

// sessionCSRF derives a session's CSRF token from its secret: stable for
// the session's life, useless after it, and it reveals nothing of the
// secret (which only the HttpOnly cookie holds).
func sessionCSRF(secret string) string {
	sum := sha256.Sum256([]byte("ampel csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// csrfToken returns the token the page's forms must carry.
func (k *console) csrfToken(c echo.Context) string {
	if s, ok := c.Get(sessionSecretKey).(string); ok && s != "" {
		return sessionCSRF(s)
	}
	t, _ := c.Get(csrfKey).(string)
	return t
}

// csrf guards the session's state-changing requests: the form must carry
// the session's token, and the browser must not say the request comes
// from another site.
func (k *console) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if safeMethod(c.Request().Method) {
			return next(c)
		}
		limitBody(c)
		if !k.sameOrigin(c) || !tokenMatches(c.FormValue(csrfField), k.csrfToken(c)) {
			return k.forbidCSRF(c)
		}
		return next(c)
	}
}

// loginCSRF guards the login form, before any session exists, with a
// double-submit cookie: a random token in a __Host- cookie that the form
// must repeat. Another site can neither read nor set that cookie.
func (k *console) loginCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(csrfCookie)
		token := ""
		if err == nil && len(ck.Value) == 43 {
			token = ck.Value
		}
		if safeMethod(c.Request().Method) {
			if token == "" {
				token = auth.NewSecret("")
				setCookie(c, csrfCookie, token, 0)
			}
			c.Set(csrfKey, token)
			return next(c)
		}
		limitBody(c)
		if !k.sameOrigin(c) || !tokenMatches(c.FormValue(csrfField), token) {
			return k.forbidCSRF(c)
		}
		c.Set(csrfKey, token)
		return next(c)
	}
}

func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// tokenMatches compares a presented token with the expected one in
// constant time; an empty expectation matches nothing.
func tokenMatches(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sameOrigin applies the Origin check (see sameOrigin) with the site's
// public host.
func (k *console) sameOrigin(c echo.Context) bool { return sameOrigin(c.Request(), k.publicHost) }

// forbidCSRF answers a request that failed the CSRF checks with a plain
// 403 page.
func (k *console) forbidCSRF(c echo.Context) error {
	return k.plain(c, http.StatusForbidden, "Request refused",
		"This form came from another site or has expired. Go back, reload the page and try again.")
}
