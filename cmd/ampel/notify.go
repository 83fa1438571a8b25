package main

import (
	"context"
	"log/slog"
	"net"
	"net/mail"
	"path/filepath"
	"strings"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/mailer"
	"github.com/ampelstatus/ampel/pkg/metrics"
	"github.com/ampelstatus/ampel/pkg/notify"
	"github.com/ampelstatus/ampel/store"
)

// mailFolder is where mails go without [smtp], next to the database.
func mailFolder(cfg *config.Config) string {
	return filepath.Join(filepath.Dir(cfg.Storage.Path), "outbox-mail")
}

// newNotify prepares the mail dispatcher of ampel serve: over [smtp], or
// into .eml files when there is none. run sends the outbox until ctx
// ends, letting the mail in flight finish and be recorded (a leader
// duty: one node sends); closeMail closes the connection at the end.
func newNotify(cfg *config.Config, st *store.Store, m *metrics.Metrics, refusals *notify.Refusals, logger *slog.Logger) (run func(context.Context), closeMail func(), err error) {
	var sender notify.Sender
	from := (&mail.Address{Name: cfg.Site.Title, Address: "status@localhost"}).String()
	if cfg.SMTP != nil {
		if sender, err = mailer.NewSMTP(cfg.SMTP, nil); err != nil {
			return nil, nil, err
		}
		from = cfg.SMTP.From
		logger.Info("mail goes out over smtp", "host", cfg.SMTP.Host, "port", cfg.SMTP.Port, "tls", cfg.SMTP.TLS, "auth", cfg.SMTP.Auth)
	} else {
		dir, err := mailer.NewDir(mailFolder(cfg))
		if err != nil {
			return nil, nil, err
		}
		sender = dir
		logger.Info("no [smtp] configured: mails are written as .eml files", "folder", dir.Path())
	}
	d := notify.New(st, sender, notify.Options{
		Site: siteForMail(cfg), From: from, Logger: logger,
		ReminderLead: cfg.Notify.ReminderLead.D(), RetryFor: cfg.Notify.RetryFor.D(),
		Refusals: refusals,
	})
	pending := metrics.NewSample(st.PendingMail)
	m.Gauge("ampel_outbox_pending_mails", "Notification mails waiting to be sent, due now or retried later.",
		func() float64 { return metrics.Value(pending.Get()) })
	return d.Run, func() {
		if err := sender.Close(); err != nil {
			logger.Warn("closing the mail connection", "err", err)
		}
	}, nil
}

// siteForMail is what mails say about the site. Without site.public_url
// (allowed only without [smtp]) links point at the listener, which is
// what someone trying Ampel on their machine can open.
func siteForMail(cfg *config.Config) notify.Site {
	url := strings.TrimRight(cfg.Site.PublicURL, "/")
	if url == "" {
		url = "http://" + localAddr(cfg.Server.Listen)
	}
	return notify.Site{Title: cfg.Site.Title, URL: url, Location: cfg.Location, Components: cfg.ComponentNames()}
}

// localAddr makes a listen address one a browser can open: an empty or
// wildcard host becomes localhost.
func localAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
