package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/wneessen/go-mail"

	"github.com/ampelstatus/ampel/pkg/config"
)

// SMTP sends over one connection to a mail server, dialled on first use
// and again after an error left it unusable. It is not safe for
// concurrent use: one dispatcher owns it.
type SMTP struct {
	client    *mail.Client
	cfg       config.SMTP
	connected bool
}

// NewSMTP makes a client for the server in cfg; it connects on the first
// Send. tlsConfig may be nil for the system roots.
func NewSMTP(cfg *config.SMTP, tlsConfig *tls.Config) (*SMTP, error) {
	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTimeout(cfg.Timeout.D())}
	switch cfg.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if tlsConfig != nil {
		tlsConfig = tlsConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = cfg.Host
		}
		opts = append(opts, mail.WithTLSConfig(tlsConfig))
	}
	pw := string(cfg.Password)
	switch cfg.Auth {
	case "none":
	case "oauthbearer":
		opts = append(opts, mail.WithSMTPAuthCustom(oauthBearer(cfg.Username, pw, cfg.Host, cfg.Port)))
	default:
		mech := map[string]mail.SMTPAuthType{"plain": mail.SMTPAuthPlain, "login": mail.SMTPAuthLogin,
			"cram-md5": mail.SMTPAuthCramMD5, "xoauth2": mail.SMTPAuthXOAUTH2}[cfg.Auth]
		if mech == "" {
			return nil, fmt.Errorf("mailer: unknown auth %q", cfg.Auth)
		}
		opts = append(opts, mail.WithSMTPAuth(mech), mail.WithUsername(cfg.Username), mail.WithPassword(pw))
	}
	c, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mailer: smtp client: %w", err)
	}
	return &SMTP{client: c, cfg: *cfg}, nil
}

// refreshSecret reads password_file again before a connection: OAuth
// access tokens live about an hour, and whatever renews the file (a
// sidecar, a cron job) is then picked up without a restart. A file the
// config would refuse (unreadable, empty, larger than 64 KiB) keeps the
// secret read before.
func (s *SMTP) refreshSecret() {
	if s.cfg.PasswordFile == "" || s.cfg.Auth == "none" {
		return
	}
	secret, err := config.ReadSecretFile(s.cfg.PasswordFile)
	if err != nil || secret == s.cfg.Password {
		return
	}
	s.cfg.Password = secret
	pw := string(secret)
	if s.cfg.Auth == "oauthbearer" {
		s.client.SetSMTPAuthCustom(oauthBearer(s.cfg.Username, pw, s.cfg.Host, s.cfg.Port))
		return
	}
	s.client.SetPassword(pw)
}

// Send delivers m, connecting first if needed. When it returns nil the
// server has accepted the message. After an error that leaves the
// session in doubt the connection is dropped, so the next Send starts
// afresh.
func (s *SMTP) Send(ctx context.Context, m *mail.Msg) error {
	if !s.connected {
		s.refreshSecret()
		if err := s.client.DialWithContext(ctx); err != nil {
			return fmt.Errorf("mailer: connect: %w", err)
		}
		s.connected = true
	}
	err := s.client.Send(m)
	if err == nil {
		return nil
	}
	if m.IsDelivered() {
		// The server took the message; only the RSET after it failed.
		s.drop()
		return nil
	}
	var se *mail.SendError
	if Classify(err) == Unreachable || (errors.As(err, &se) && se.ErrorCode() == 421) {
		s.drop()
	}
	return fmt.Errorf("mailer: send: %w", err)
}

// drop closes the connection, ignoring errors: it is being abandoned.
func (s *SMTP) drop() {
	_ = s.client.Close()
	s.connected = false
}

// Close ends the session with QUIT.
func (s *SMTP) Close() error {
	if !s.connected {
		return nil
	}
	s.connected = false
	return s.client.Close()
}
