package smtptest

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// session is one SMTP conversation.
type session struct {
	s    *Server
	mech string
	from string
	to   []string
}

var errAuth = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.OAuthBearer} }

func (se *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pw string) error {
			if user != User || pw != Password {
				return errAuth
			}
			se.mech = mech
			return nil
		}), nil
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if o.Username != User || o.Token != Token {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			se.mech = mech
			return nil
		}), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.mech == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	err := se.s.rejects[to]
	se.s.mu.Unlock()
	if err != nil {
		return err
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	se.s.mu.Lock()
	se.s.receiving++
	stall, dataErr, delay, headOnly := se.s.stall, se.s.dataErr, se.s.delay, se.s.headOnly
	se.s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay) // the simulated slowness itself, not a wait for readiness
	}
	if stall != nil {
		<-stall
		return errors.New("stalled")
	}
	if dataErr != nil {
		return dataErr
	}
	data := buf.Bytes()
	if headOnly {
		if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
			data = bytes.Clone(data[:i+4])
		}
	}
	se.s.accept(Message{From: se.from, To: slices.Clone(se.to), Data: data, Mech: se.mech})
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }
