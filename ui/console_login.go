package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/store"
)

// loginView is the data of the login page.
type loginView struct {
	Email, Error, Next string
	// FirstRun is true while no account exists; Command then creates the
	// first admin.
	FirstRun bool
	Command  string
}

// badLogin is the one answer to every wrong email, password or disabled
// account, so none tells which it was.
const badLogin = "Wrong email or password."

func (k *console) loginPage(c echo.Context) error {
	v := loginView{Next: safeNext(c.QueryParam("next"))}
	return k.renderLogin(c, http.StatusOK, v)
}

// renderLogin shows the login form, or the first-run instructions while
// there is no account.
func (k *console) renderLogin(c echo.Context, code int, v loginView) error {
	n, err := k.d.Store.CountUsers(c.Request().Context())
	if err != nil {
		return err
	}
	if n == 0 {
		v.FirstRun = true
		path := "PATH"
		if k.d.Config != nil && k.d.Config.Path != "" {
			path = k.d.Config.Path
		}
		v.Command = fmt.Sprintf("ampel user add --config %s --email you@example.com --role admin", path)
	}
	return k.render(c, code, "login", v)
}

// login checks email and password within the limits and starts a
// session. Unknown, disabled and known accounts with a wrong password
// take the same time and get the same answer.
func (k *console) login(c echo.Context) error {
	ctx, now, ip := c.Request().Context(), k.d.Now(), c.RealIP()
	email, pw := strings.TrimSpace(c.FormValue("email")), c.FormValue("password")
	v := loginView{Email: email, Next: safeNext(c.FormValue("next"))}
	if wait, account := k.limits.wait(email, ip, now); wait > 0 {
		k.limits.failAddress(ip, now)
		return k.tooMany(c, wait, account)
	}
	u, ok, err := k.checkPassword(ctx, email, pw)
	if err != nil {
		return err
	}
	if !ok {
		k.limits.fail(email, ip, now)
		v.Error = badLogin
		return k.renderLogin(c, http.StatusUnauthorized, v)
	}
	if err := k.startSession(c, u); err != nil {
		return err
	}
	k.clearCookie(c, csrfCookie)
	k.d.Logger.Info("console login", "user", u.Email)
	// Ended sessions serve nothing: clear them out now and then.
	if _, err := k.d.Store.PruneSessions(ctx, now.Add(-24*time.Hour)); err != nil {
		k.d.Logger.Warn("prune sessions", "err", err)
	}
	return c.Redirect(http.StatusSeeOther, v.Next)
}

// checkPassword verifies pw for the enabled account with email. For an
// unknown or disabled account it verifies against a dummy hash, so the
// answer takes as long.
func (k *console) checkPassword(ctx context.Context, email, pw string) (store.User, bool, error) {
	u, hash, err := k.d.Store.UserByEmail(ctx, email)
	known := err == nil && u.Disabled.IsZero()
	if err != nil && !errors.Is(err, store.ErrNoUser) {
		return store.User{}, false, err
	}
	if !known {
		if hash, err = k.dummy(ctx); err != nil {
			return store.User{}, false, err
		}
	}
	err = auth.VerifyPassword(ctx, pw, hash)
	switch {
	case err == nil:
		return u, known, nil
	case errors.Is(err, auth.ErrMismatch):
		return store.User{}, false, nil
	case known:
		// A hash we cannot read: say so in the log, refuse like any other.
		k.d.Logger.Error("unreadable password hash", "user", u.Email, "err", err)
		return store.User{}, false, nil
	}
	return store.User{}, false, err
}

// hashParams are the argon2id costs of the passwords the console sets and
// of its dummy hash: those "ampel user add" uses. Tests lower them.
var hashParams = auth.DefaultParams

var (
	dummyOnce sync.Once
	dummyHash string
	dummyErr  error
)

// dummy returns a hash of a random password with hashParams, made once
// per process (making it costs as much as a login).
func (k *console) dummy(ctx context.Context) (string, error) {
	dummyOnce.Do(func() {
		dummyHash, dummyErr = auth.HashPassword(context.WithoutCancel(ctx), auth.NewSecret(""), hashParams)
	})
	return dummyHash, dummyErr
}

// tooMany answers 429 with Retry-After in whole seconds.
func (k *console) tooMany(c echo.Context, wait time.Duration, account bool) error {
	secs := int(math.Ceil(wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	text := "Too many failed logins from your address. Try again in " + plural(secs, "second") + "."
	if account {
		text = "Too many failed logins for this account. Try again in " + plural((secs+59)/60, "minute") + "."
	}
	return k.plain(c, http.StatusTooManyRequests, "Too many attempts", text)
}

// logout ends the session and forgets its cookie.
func (k *console) logout(c echo.Context) error {
	s, _ := c.Get(sessionKey).(store.Session)
	if err := k.d.Store.RevokeSession(c.Request().Context(), s.ID, k.d.Now()); err != nil {
		return err
	}
	k.clearCookie(c, sessionCookie)
	return k.redirect(c, "/admin/login", "You are signed out.")
}
