package ui

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/store"
)

// touchEvery is how often a token's last use is written: at most once a
// minute, so a busy automation does not turn every read into a write.
const touchEvery = time.Minute

// actorKey is where requireToken leaves the request's store.Actor.
const actorKey = "ampel.actor"

// roleRank orders the roles: a role may do what any lower rank may; an
// unknown role ranks 0 and may do nothing.
var roleRank = map[string]int{store.RoleOperator: 1, store.RoleAdmin: 2}

// requireToken admits requests carrying a valid operator API token with at
// least role need, in the Authorization header only (a token in a URL ends
// up in logs and browser history). The token is checked first, so a valid
// one is never refused for the wrong tokens others sent from its address;
// wrong tokens are counted per address like the agent API's, and past the
// limit answered 429.
func (a *operatorAPI) requireToken(need string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			secret, ok := auth.BearerToken(c.Request().Header.Get("Authorization"))
			if !ok {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="ampel"`)
				return apiFail(c, http.StatusUnauthorized, "", "an operator token is required: Authorization: Bearer ampel_op_...")
			}
			tok, err := a.d.Store.TokenBySecret(c.Request().Context(), secret)
			if errors.Is(err, store.ErrNoToken) {
				if wait := a.failures.fail(c.RealIP(), a.d.Now()); wait > 0 {
					c.Response().Header().Set("Retry-After", retryAfter(wait))
					return apiFail(c, http.StatusTooManyRequests, "", "too many invalid tokens from this address")
				}
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="ampel", error="invalid_token"`)
				return apiFail(c, http.StatusUnauthorized, "", "invalid or revoked token")
			}
			if err != nil {
				return err
			}
			if tok.Kind != store.TokenOperator {
				return apiFail(c, http.StatusForbidden, "", "a zone token cannot use the operator API")
			}
			if roleRank[tok.Role] < roleRank[need] {
				return apiFail(c, http.StatusForbidden, "", "this token's role ("+tok.Role+") may not do this: "+need+" required")
			}
			if now := a.d.Now(); now.Sub(tok.LastUsed) >= touchEvery {
				if err := a.d.Store.TouchToken(c.Request().Context(), tok.ID, now); err != nil {
					// Last use is bookkeeping: log it, serve the request.
					a.d.Logger.Warn("record token use", "token", tok.Name, "err", err)
				}
			}
			c.Set(actorKey, store.Actor{Kind: store.ActorToken, ID: tok.ID, Name: tok.Name})
			return next(c)
		}
	}
}

// actor returns who makes the request, as requireToken found.
func actor(c echo.Context) store.Actor {
	act, _ := c.Get(actorKey).(store.Actor)
	return act
}

// retryAfter is a Retry-After value: wait in whole seconds, rounded up.
func retryAfter(wait time.Duration) string {
	return strconv.Itoa(int(math.Ceil(wait.Seconds())))
}

// apiFail answers an API error as {"error", "field"}.
func apiFail(c echo.Context, code int, field, msg string) error {
	return c.JSON(code, apiError{Error: msg, Field: field})
}
