package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/store"
)

// tokensView is the data of the tokens page. Secret is the token just
// created, shown this once.
type tokensView struct {
	Tokens      []store.Token
	Error, Name string
	Secret      string
}

func (k *console) tokensPage(c echo.Context) error {
	return k.renderTokens(c, http.StatusOK, tokensView{})
}

func (k *console) renderTokens(c echo.Context, code int, v tokensView) error {
	toks, err := k.d.Store.Tokens(c.Request().Context())
	if err != nil {
		return err
	}
	v.Tokens = toks
	// The answer may hold a secret: never keep it anywhere.
	return k.render(c, code, "tokens", v)
}

// createToken makes an operator API token and shows it once, in the
// answer to the POST itself (a redirect would need to keep it).
func (k *console) createToken(c echo.Context) error {
	v := tokensView{Name: strings.TrimSpace(c.FormValue("name"))}
	role := c.FormValue("role")
	fail := func(msg string) error {
		v.Error = msg
		return k.renderTokens(c, http.StatusUnprocessableEntity, v)
	}
	if v.Name == "" || utf8.RuneCountInString(v.Name) > 100 {
		return fail("Name: want 1 to 100 characters.")
	}
	if incident.ReservedAuthor(v.Name) {
		return fail("Name: " + strconv.Quote(incident.SystemAuthor) + " is reserved for the updates Ampel posts itself.")
	}
	if !store.ValidRole(role) {
		return fail("Role: want operator or admin.")
	}
	secret := auth.NewSecret(auth.OperatorTokenPrefix)
	t := store.Token{Kind: store.TokenOperator, Role: role, Name: v.Name}
	_, err := k.d.Store.IssueToken(c.Request().Context(), t, secret, k.actor(c), k.d.Now())
	if errors.Is(err, store.ErrTokenName) {
		return fail("Name: " + err.Error() + ".")
	}
	if err != nil {
		return err
	}
	v.Secret = secret
	return k.renderTokens(c, http.StatusCreated, v)
}

// revokeToken revokes an operator or zone token.
func (k *console) revokeToken(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return k.notFound(c, "such token")
	}
	err = k.d.Store.RevokeTokenByID(c.Request().Context(), id, k.actor(c), k.d.Now())
	if errors.Is(err, store.ErrNoToken) {
		return k.notFound(c, "valid token with this id")
	}
	if err != nil {
		return err
	}
	return k.redirect(c, "/admin/tokens", "Token revoked.")
}
