package remote

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/store"
)

// TokenPrefix starts every zone token, so a leaked one is recognisable
// (secret scanners, logs).
const TokenPrefix = "ampel_zone_"

// Authenticate returns the zone of the valid zone token in an
// "Authorization: Bearer ..." header value. It records the token's use at
// most once a minute.
func (r *Receiver) Authenticate(ctx context.Context, header string) (string, error) {
	secret, ok := auth.BearerToken(header)
	if !ok {
		return "", refuse(http.StatusUnauthorized, "", "a zone token is required: Authorization: Bearer %s...", TokenPrefix)
	}
	tok, err := r.opts.Store.TokenBySecret(ctx, secret)
	if errors.Is(err, store.ErrNoToken) || (err == nil && tok.Kind != store.TokenZone) {
		return "", refuse(http.StatusUnauthorized, "", "invalid or revoked zone token")
	}
	if err != nil {
		r.log.Error("remote: look up token", "err", err)
		return "", errUnavailable
	}
	if _, ok := r.checks[tok.Zone]; !ok {
		return "", refuse(http.StatusForbidden, "zone", "zone %q of this token is not a remote zone in the server's config", tok.Zone)
	}
	now := r.opts.Now()
	if now.Sub(tok.LastUsed) > time.Minute {
		if err := r.opts.Store.TouchToken(ctx, tok.ID, now); err != nil {
			r.log.Warn("remote: record token use", "err", err)
		}
	}
	return tok.Zone, nil
}
