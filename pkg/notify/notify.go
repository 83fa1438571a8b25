// Package notify delivers the mails of the outbox: it composes each row
// (multipart text and HTML from embedded templates, in the subscriber's
// language) with personal links whose tokens it mints, sends it through a
// Sender, and records the outcome — sent, retried later with exponential
// backoff, or failed (a refused address marks the subscriber bounced).
// A row is marked sent right after the server accepted it, so a crash
// re-sends at most the one mail in flight.
package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/ampelstatus/ampel/pkg/mailer"
	"github.com/ampelstatus/ampel/pkg/markdown"
	"github.com/ampelstatus/ampel/store"
)

// Sender delivers one message: mailer.SMTP, or mailer.Dir without a
// server.
type Sender interface {
	Send(ctx context.Context, m *mail.Msg) error
	Close() error
}

// Options tune a Dispatcher; zero values take the defaults.
type Options struct {
	Site Site
	// From is the sender address.
	From string
	// ReminderLead is how long before a maintenance window its reminder
	// goes out; 0 sends none.
	ReminderLead time.Duration
	// RetryFor is how long a mail is retried before it is given up
	// (default 48h).
	RetryFor time.Duration
	// Poll is how often the outbox is looked at without a wake-up
	// (default 5s).
	Poll time.Duration
	// Batch is how many rows are claimed at once (default 100).
	Batch int
	// RetryBase is the first delay after a deferred mail (default 1m); it
	// doubles with each attempt up to RetryMax (default 1h).
	RetryBase, RetryMax time.Duration
	// PauseBase is the first wait after the server could not be reached
	// (default 1s); it doubles up to PauseMax (default 5m).
	PauseBase, PauseMax time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger gets what went wrong (default slog.Default()).
	Logger *slog.Logger
	// Refusals, when set, counts the mails delivered and given up, for
	// the operators' alert on mail bouncing.
	Refusals *Refusals
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.RetryFor, 48*time.Hour)
	def(&o.Poll, 5*time.Second)
	def(&o.RetryBase, time.Minute)
	def(&o.RetryMax, time.Hour)
	def(&o.PauseBase, time.Second)
	def(&o.PauseMax, 5*time.Minute)
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// ManageTokenTTL is how long the manage and unsubscribe link of a mail
// works.
const ManageTokenTTL = 365 * 24 * time.Hour

// KeepSent is how long sent and failed rows stay in the outbox.
const KeepSent = 30 * 24 * time.Hour

// reminderEvery is how often the clock looks for windows to remind of.
const reminderEvery = 30 * time.Second

// Dispatcher sends the outbox. Run owns it; it is not safe for
// concurrent use.
type Dispatcher struct {
	st   *store.Store
	send Sender
	opt  Options
	c    composer

	// pausedUntil holds sending back after the server could not be
	// reached; pauses counts those in a row, for the backoff.
	pausedUntil time.Time
	pauses      int
	remindedAt  time.Time
	prunedAt    time.Time
}

// New makes a dispatcher sending the rows of st through send.
func New(st *store.Store, send Sender, opt Options) *Dispatcher {
	opt.defaults()
	return &Dispatcher{st: st, send: send, opt: opt,
		c: composer{site: opt.Site, from: opt.From, domain: mailer.SenderDomain(opt.From), md: markdown.NewCache(mdCacheSize)}}
}
