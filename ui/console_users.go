package ui

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/store"
)

// usersView is the data of the users page; Email and Role refill the
// form after an error.
type usersView struct {
	Users              []store.User
	Error, Email, Role string
	MinLen             int
}

func (k *console) usersPage(c echo.Context) error {
	return k.renderUsers(c, http.StatusOK, usersView{})
}

func (k *console) renderUsers(c echo.Context, code int, v usersView) error {
	users, err := k.d.Store.Users(c.Request().Context())
	if err != nil {
		return err
	}
	v.Users, v.MinLen = users, auth.MinPasswordLen
	return k.render(c, code, "users", v)
}

// addUser creates an account with the password the admin chose.
func (k *console) addUser(c echo.Context) error {
	ctx := c.Request().Context()
	v := usersView{Email: strings.TrimSpace(c.FormValue("email")), Role: c.FormValue("role")}
	fail := func(msg string) error {
		v.Error = msg
		return k.renderUsers(c, http.StatusUnprocessableEntity, v)
	}
	if a, err := mail.ParseAddress(v.Email); err != nil || a.Address != v.Email || len(v.Email) > 254 {
		return fail("Email: want an address such as ops@example.com.")
	}
	if !store.ValidRole(v.Role) {
		return fail("Role: want admin or operator.")
	}
	pw := c.FormValue("password")
	if err := auth.CheckPasswordPolicy(pw); err != nil {
		return fail("Password: " + err.Error() + ".")
	}
	hash, err := auth.HashPassword(ctx, pw, hashParams)
	if err != nil {
		return err
	}
	_, err = k.d.Store.CreateUser(ctx, v.Email, v.Role, hash, k.actor(c), k.d.Now())
	if errors.Is(err, store.ErrUserExists) {
		return fail("Email: " + err.Error() + ".")
	}
	if err != nil {
		return err
	}
	return k.redirect(c, "/admin/users", "User "+v.Email+" added as "+v.Role+".")
}

// disableUser disables an account and signs out its sessions. An admin
// cannot disable themselves, so the console always keeps one admin.
func (k *console) disableUser(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return k.notFound(c, "such user")
	}
	u, err := k.d.Store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNoUser) {
		return k.notFound(c, "such user")
	}
	if err != nil {
		return err
	}
	if u.ID == k.user(c).ID {
		return k.plain(c, http.StatusUnprocessableEntity, "Not disabled", "You cannot disable your own account.")
	}
	if err := k.d.Store.DisableUser(ctx, u.Email, k.actor(c), k.d.Now()); err != nil {
		return err
	}
	return k.redirect(c, "/admin/users", "User "+u.Email+" disabled and signed out.")
}
