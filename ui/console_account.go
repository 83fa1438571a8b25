package ui

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
)

// accountView is the data of the account page.
type accountView struct {
	Error  string
	MinLen int
}

func (k *console) accountPage(c echo.Context) error {
	return k.render(c, http.StatusOK, "account", accountView{MinLen: auth.MinPasswordLen})
}

// changePassword sets the user's new password after checking the current
// one (counted like a login failure when wrong), signs out every session
// of the account and gives this browser a fresh one.
func (k *console) changePassword(c echo.Context) error {
	ctx, now, ip := c.Request().Context(), k.d.Now(), c.RealIP()
	u := k.user(c)
	fail := func(code int, msg string) error {
		return k.render(c, code, "account", accountView{Error: msg, MinLen: auth.MinPasswordLen})
	}
	a, err := k.account(ctx, u.Email)
	if err != nil {
		return err
	}
	device := deviceOf(c, a, now)
	if wait, lock := k.limits.wait(u.Email, ip, device, now); wait > 0 {
		return k.tooMany(c, wait, lock)
	}
	if ok, err := k.checkPassword(ctx, a, c.FormValue("current")); err != nil {
		return err
	} else if !ok {
		k.limits.fail(u.Email, ip, device, now)
		return fail(http.StatusUnprocessableEntity, "The current password is wrong.")
	}
	pw := c.FormValue("new")
	if err := auth.CheckPasswordPolicy(pw); err != nil {
		return fail(http.StatusUnprocessableEntity, "New password: "+err.Error()+".")
	}
	if pw != c.FormValue("confirm") {
		return fail(http.StatusUnprocessableEntity, "The new password and its repetition differ.")
	}
	hash, err := auth.HashPassword(ctx, pw, hashParams)
	if err != nil {
		return err
	}
	if err := k.d.Store.SetPassword(ctx, u.Email, hash, k.actor(c), now); err != nil {
		return err
	}
	if err := k.startSession(c, u); err != nil {
		return err
	}
	// The new password voided the account's device cookies: this
	// browser gets one signed with it.
	k.setDevice(c, loginAccount{user: u, hash: hash, known: true}, now)
	return k.redirect(c, "/admin/account", "Password changed. Every other session of your account is signed out.")
}
