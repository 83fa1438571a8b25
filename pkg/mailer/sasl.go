package mailer

import (
	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail/smtp"
)

// saslAuth plugs a go-sasl client into go-mail as a custom mechanism:
// go-mail has no OAUTHBEARER, go-sasl does.
type saslAuth struct{ c sasl.Client }

// Start begins the exchange with the client's mechanism and initial
// response.
func (a saslAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return a.c.Start()
}

// Next answers a server challenge. go-mail calls it once more after the
// server's 235 with more unset: there is nothing to say then, and a
// go-sasl client would take the success text for an error challenge.
func (a saslAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	return a.c.Next(fromServer)
}

// oauthBearer is RFC 7628's OAUTHBEARER with an access token.
func oauthBearer(user, token, host string, port int) smtp.Auth {
	return saslAuth{sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token, Host: host, Port: port})}
}
