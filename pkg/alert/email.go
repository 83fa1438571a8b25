package alert

import (
	"context"
	"fmt"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/mailer"
)

// mail sends ev to the on-call list as one plain-text mail, classified
// like an HTTP attempt: a server out of reach or a deferral is retried,
// a refusal is not.
func (d *Dispatcher) mail(ctx context.Context, t *Target, ev channel.Event) channel.Attempt {
	if d.opt.Mail == nil {
		return channel.Attempt{Outcome: channel.Permanent, Err: fmt.Errorf("channel %q: no mail sender", t.Name)}
	}
	m := mail.NewMsg()
	if err := m.From(d.opt.From); err != nil {
		return channel.Attempt{Outcome: channel.Permanent, Err: fmt.Errorf("alert mail from: %w", err)}
	}
	if err := m.To(t.To...); err != nil {
		return channel.Attempt{Outcome: channel.Permanent, Err: fmt.Errorf("alert mail to: %w", err)}
	}
	subject := "[" + d.opt.Site.Title + "] " + ev.Title()
	m.Subject(strings.Join(strings.Fields(subject), " "))
	m.SetDateWithValue(d.opt.Now())
	install, err := d.installID(ctx)
	if err != nil {
		return channel.Attempt{Outcome: channel.Retry, Err: err}
	}
	// Like subscriber mail: the install's random part keeps a second
	// install with the same sender domain from repeating these ids.
	m.SetMessageIDWithValue("ampel." + install + ".alert." + ev.ID + "@" + mailer.SenderDomain(d.opt.From))
	body := ev.Title() + "\n\n" + ev.Detail() + "\n"
	if ev.Link != "" {
		body += "\n" + ev.Link + "\n"
	}
	m.SetBodyString(mail.TypeTextPlain, body)
	start := d.opt.Now()
	err = d.opt.Mail.Send(ctx, m)
	a := channel.Attempt{Latency: d.opt.Now().Sub(start), Err: err}
	switch {
	case err == nil:
		a.Outcome = channel.Delivered
	case mailer.Classify(err) == mailer.Unreachable || mailer.Classify(err) == mailer.Temporary:
		a.Outcome = channel.Retry
	default:
		a.Outcome = channel.Permanent
	}
	return a
}

// installID is the store's install id, read once.
func (d *Dispatcher) installID(ctx context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.install == "" {
		id, err := d.st.InstallID(ctx)
		if err != nil {
			return "", fmt.Errorf("alert mail: %w", err)
		}
		d.install = id
	}
	return d.install, nil
}
