// Package subhook delivers what subscribers asked to hear about to their
// endpoints: webhooks in Statuspage's subscriber webhook shapes, signed
// per Standard Webhooks with the subscription's own secret, and Slack,
// Teams and Discord incoming webhooks in their own formats (pkg/channel).
// It sends the store's hook outbox as a leader duty beside the mail
// dispatcher: always through safehttp (every connection of every attempt
// is checked against the SSRF policy), retried with backoff, each
// attempt recorded, and a subscription that keeps failing quarantined.
//
// A new subscription is verified before anything else reaches it: its
// endpoint gets a verification request carrying a one-time challenge and
// a confirmation link (docs/subscribers.md describes the protocol).
package subhook

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/safehttp"
	"github.com/ampelstatus/ampel/store"
)

// Incident is what a notice about an incident says: the incident as
// /api/v2/incidents.json serves it (for webhooks), and the few fields a
// chat message shows.
type Incident struct {
	JSON                 json.RawMessage
	Name, Status, Impact string
	// Body is the text of the update the notice is about (or the latest).
	Body string
	Link string
}

// Options configure a Dispatcher; zero fields take the defaults.
type Options struct {
	// Client sends every request; it carries the SSRF policy.
	Client *safehttp.Client
	// Title and URL name the status page in messages and links.
	Title, URL string
	// Page is the page's overall status now; Component a component as
	// /api/v2/components.json serves it; Incident an incident (with
	// update updateID, 0 for the latest).
	Page      func() channel.SPPage
	Component func(slug string) channel.SPComponent
	Incident  func(ctx context.Context, id, updateID int64) (Incident, error)
	// Quarantine pauses a subscription after Failures failed attempts
	// within Window (default 10 within an hour).
	Quarantine store.Quarantine
	// RetryFor is how long a delivery is retried from its first attempt
	// (default 24h); BackoffMin and BackoffMax bound the waits between
	// attempts (default 10s to 10m).
	RetryFor, BackoffMin, BackoffMax time.Duration
	// Workers is how many deliveries are in flight at once (default 4):
	// a crash repeats at most that many.
	Workers int
	// Batch is how many due rows a pass reads (default 500); Poll how
	// often the outbox is read without a wake-up (default 30s).
	Batch int
	Poll  time.Duration
	// OnAttempt is told of each attempt (for metrics); OnQuarantine of
	// the subscriptions just quarantined.
	OnAttempt    func(kind string, a channel.Attempt)
	OnQuarantine func(ctx context.Context, ids []int64)
	Logger       *slog.Logger
	Now          func() time.Time
}

func (o *Options) defaults() {
	if o.Client == nil {
		o.Client = safehttp.New(safehttp.Options{})
	}
	if o.Quarantine.Failures == 0 {
		o.Quarantine = store.Quarantine{Failures: 10, Window: time.Hour}
	}
	if o.RetryFor == 0 {
		o.RetryFor = 24 * time.Hour
	}
	if o.BackoffMin == 0 {
		o.BackoffMin = 10 * time.Second
	}
	if o.BackoffMax == 0 {
		o.BackoffMax = 10 * time.Minute
	}
	o.Workers = max(o.Workers, 1)
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Poll <= 0 {
		o.Poll = 30 * time.Second
	}
	if o.Page == nil {
		o.Page = func() channel.SPPage {
			return channel.SPPage{ID: "ampel", StatusIndicator: "none", StatusDescription: "All Systems Operational"}
		}
	}
	if o.Component == nil {
		o.Component = func(slug string) channel.SPComponent { return channel.SPComponent{ID: slug, Name: slug} }
	}
	if o.OnAttempt == nil {
		o.OnAttempt = func(string, channel.Attempt) {}
	}
	if o.OnQuarantine == nil {
		o.OnQuarantine = func(context.Context, []int64) {}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Dispatcher sends the hook outbox.
type Dispatcher struct {
	st  *store.Store
	opt Options
}

// New returns a dispatcher of st's hook outbox.
func New(st *store.Store, opt Options) *Dispatcher {
	opt.defaults()
	return &Dispatcher{st: st, opt: opt}
}
