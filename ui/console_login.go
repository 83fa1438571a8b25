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
// take the same time and get the same answer. A browser with a device
// cookie for the account is limited on its own count, so a flood of
// wrong passwords from elsewhere does not lock out the operator's
// browser; any other client is limited per address and per account.
func (k *console) login(c echo.Context) error {
	ctx, now, ip := c.Request().Context(), k.d.Now(), c.RealIP()
	email, pw := strings.TrimSpace(c.FormValue("email")), c.FormValue("password")
	v := loginView{Email: email, Next: safeNext(c.FormValue("next"))}
	a, err := k.account(ctx, email)
	if err != nil {
		return err
	}
	device := deviceOf(c, a, now)
	if wait, lock := k.limits.wait(email, ip, device, now); wait > 0 {
		if device == "" {
			k.limits.failAddress(ip, now)
		}
		return k.tooMany(c, wait, lock)
	}
	ok, err := k.checkPassword(ctx, a, pw)
	if err != nil {
		return err
	}
	if !ok {
		k.limits.fail(email, ip, device, now)
		v.Error = badLogin
		return k.renderLogin(c, http.StatusUnauthorized, v)
	}
	if err := k.startSession(c, a.user); err != nil {
		return err
	}
	k.setDevice(c, a, now)
	k.clearCookie(c, csrfCookie)
	k.d.Logger.Info("console login", "user", a.user.Email, "known_browser", device != "")
	// Ended sessions serve nothing: clear them out now and then.
	if _, err := k.d.Store.PruneSessions(ctx, now.Add(-24*time.Hour)); err != nil {
		k.d.Logger.Warn("prune sessions", "err", err)
	}
	return c.Redirect(http.StatusSeeOther, v.Next)
}

// loginAccount is the account a login names, with the hash its password
// is checked against: for an unknown or disabled account (known false)
// a dummy hash, so the answer takes as long.
type loginAccount struct {
	user  store.User
	hash  string
	known bool
}

func (k *console) account(ctx context.Context, email string) (loginAccount, error) {
	u, hash, err := k.d.Store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNoUser) {
		return loginAccount{}, err
	}
	if err == nil && u.Disabled.IsZero() {
		return loginAccount{user: u, hash: hash, known: true}, nil
	}
	if hash, err = k.dummy(ctx); err != nil {
		return loginAccount{}, err
	}
	return loginAccount{hash: hash}, nil
}

// checkPassword reports whether pw is the password of the enabled
// account a.
func (k *console) checkPassword(ctx context.Context, a loginAccount, pw string) (bool, error) {
	err := auth.VerifyPassword(ctx, pw, a.hash)
	switch {
	case err == nil:
		return a.known, nil
	case errors.Is(err, auth.ErrMismatch):
		return false, nil
	case a.known:
		// A hash we cannot read: say so in the log, refuse like any other.
		k.d.Logger.Error("unreadable password hash", "user", a.user.Email, "err", err)
		return false, nil
	}
	return false, err
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

// tooMany answers 429 with Retry-After in whole seconds, naming the
// limit that refused the login.
func (k *console) tooMany(c echo.Context, wait time.Duration, lock lockKind) error {
	secs := int(math.Ceil(wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	mins := plural((secs+59)/60, "minute")
	var text string
	switch lock {
	case lockAddress:
		text = "Too many failed logins from your address. Try again in " + plural(secs, "second") + "."
	case lockAccount:
		text = "Too many failed logins for this account. Try again in " + mins +
			". A browser that has signed in to this account before can still sign in."
	case lockDevice:
		text = "Too many failed logins for this account from this browser. Try again in " + mins + "."
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
