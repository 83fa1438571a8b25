package config

import (
	"net"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// SMTP is the mail server notifications are sent through. Without an
// [smtp] table mails are written as .eml files into the data folder.
type SMTP struct {
	Host string `toml:"host"`
	// Port defaults by TLS mode: 587 for starttls, 465 for tls, 25 for none.
	Port int `toml:"port"`
	// TLS is "starttls" (default), "tls" (implicit TLS) or "none", which
	// only a server on this machine may use.
	TLS string `toml:"tls"`
	// From is the sender address, "Status <status@example.com>" or bare.
	From string `toml:"from"`
	// Auth is "none" (default), "plain", "login", "cram-md5", "xoauth2"
	// or "oauthbearer"; all but none need Username and PasswordFile.
	Auth     string `toml:"auth"`
	Username string `toml:"username"`
	// PasswordFile holds the password, or the OAuth access token for
	// xoauth2 and oauthbearer; it is read at start into Password (a
	// missing file is a config problem) and again by the mailer before
	// each connection, since access tokens expire.
	PasswordFile string `toml:"password_file"`
	Password     Secret `toml:"-"`
	// Timeout bounds connecting and each command (default 30s).
	Timeout Duration `toml:"timeout"`
}

// Notify tunes the delivery of notification mails.
type Notify struct {
	// ReminderLead is how long before a maintenance window starts its
	// reminder goes out (default 1h; "0s" sends none).
	ReminderLead Duration `toml:"reminder_lead"`
	// RetryFor is how long a mail is retried after temporary failures
	// before it is given up (default 48h, at least 24h).
	RetryFor Duration `toml:"retry_for"`
}

// SMTP TLS modes and authentication mechanisms.
var (
	smtpTLSModes = []string{"starttls", "tls", "none"}
	smtpAuths    = []string{"none", "plain", "login", "cram-md5", "xoauth2", "oauthbearer"}
)

func defaultNotify() Notify {
	return Notify{ReminderLead: Duration(time.Hour), RetryFor: Duration(48 * time.Hour)}
}

// completeSMTP applies the [smtp] defaults and reads its password file.
func (v *checker) completeSMTP(c *Config) {
	s := c.SMTP
	if s == nil {
		return
	}
	if s.TLS == "" {
		s.TLS = "starttls"
	}
	if s.Auth == "" {
		s.Auth = "none"
	}
	if s.Port == 0 {
		s.Port = map[string]int{"starttls": 587, "tls": 465, "none": 25}[s.TLS]
	}
	if s.Timeout == 0 && !v.set("smtp.timeout") {
		s.Timeout = Duration(30 * time.Second)
	}
	s.PasswordFile = resolve(c.Dir, s.PasswordFile)
	if s.PasswordFile != "" {
		pw, err := ReadSecretFile(s.PasswordFile)
		if err != nil {
			v.addf("smtp.password_file", "%v", err)
		}
		s.Password = pw
	}
}

// mail validates [smtp] and [notify].
func (v *checker) mail(c *Config) {
	n := c.Notify
	if v.durationKey("notify.reminder_lead") && n.ReminderLead < 0 {
		v.addf("notify.reminder_lead", "must not be negative")
	}
	if v.durationKey("notify.retry_for") && n.RetryFor.D() < 24*time.Hour {
		v.addf("notify.retry_for", "must be at least 24h (an SMTP server may be down for a day), got %s", n.RetryFor)
	}
	s := c.SMTP
	if s == nil {
		return
	}
	if strings.TrimSpace(s.Host) == "" {
		v.addf("smtp.host", "required")
	}
	// An unknown TLS mode has no default port: that is one problem, not two.
	if (s.Port != 0 || slices.Contains(smtpTLSModes, s.TLS)) && (s.Port < 1 || s.Port > 65535) {
		v.addf("smtp.port", "must be between 1 and 65535, got %d", s.Port)
	}
	switch {
	case !slices.Contains(smtpTLSModes, s.TLS):
		v.addf("smtp.tls", `must be "starttls", "tls" or "none", got %q`, s.TLS)
	case s.TLS == "none" && s.Host != "" && !isLoopbackHost(s.Host):
		v.addf("smtp.tls", `"none" sends passwords and mail in clear text: only for a server on this machine (localhost), not %q`, s.Host)
	}
	if a, err := mail.ParseAddress(s.From); err != nil || a.Address == "" {
		v.addf("smtp.from", `must be an email address such as "status@example.com" or "Example Status <status@example.com>"`)
	}
	v.smtpAuth(s)
	if v.durationKey("smtp.timeout") && s.Timeout.D() <= 0 {
		v.addf("smtp.timeout", "must be positive")
	}
	if c.Site.PublicURL == "" {
		v.addf("site.public_url", "required with [smtp]: mails link to the site (confirm, manage, unsubscribe)")
	}
}

func (v *checker) smtpAuth(s *SMTP) {
	if !slices.Contains(smtpAuths, s.Auth) {
		v.addf("smtp.auth", `must be one of "none", "plain", "login", "cram-md5", "xoauth2", "oauthbearer", got %q`, s.Auth)
		return
	}
	if s.Auth == "none" {
		if s.Username != "" || s.PasswordFile != "" {
			v.addf("smtp.auth", `is "none": set auth to a mechanism such as "plain" to use username and password_file`)
		}
		return
	}
	if s.Username == "" {
		v.addf("smtp.username", "required with auth = %q", s.Auth)
	}
	if s.PasswordFile == "" {
		v.addf("smtp.password_file", "required with auth = %q (the password or token is read from a file, never written here)", s.Auth)
	}
}

// isLoopbackHost reports whether host names this machine.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
