// Package alert tells the operators first: it routes state changes to the
// alert channels the config names (Router, called by the store's writer in
// the transaction that records the change), and sends the alert outbox
// (Dispatcher): grouped per channel, retried with backoff on 5xx, 429 and
// timeouts, given up after a while, every attempt recorded.
package alert

import (
	"fmt"

	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/config"
)

// Target is one configured channel, ready to render and send.
type Target struct {
	channel.Channel
	// To is the email kind's on-call list.
	To []string
}

// Email is the kind of a Target whose alerts go out as mail.
const Email channel.Kind = "email"

// Targets builds the configured channels, reading what the config only
// held as text (the webhook signing secret); a secret in the wrong format
// is a config problem at its key.
func Targets(cfg *config.Config) (map[string]*Target, error) {
	out := make(map[string]*Target, len(cfg.Alerts.Channels))
	var probs config.Problems
	for i, c := range cfg.Alerts.Channels {
		t := &Target{Channel: channel.Channel{
			Name: c.Name, Kind: channel.Kind(c.Kind), URL: string(c.URLValue),
			RoutingKey: string(c.RoutingKey), Token: string(c.Token),
		}, To: c.To}
		if c.Kind == "webhook" && c.Secret != "" {
			key, err := channel.ParseSecret(string(c.Secret))
			if err != nil {
				probs = append(probs, cfg.Problem(fmt.Sprintf("alerts.channels[%d].secret_file", i), err.Error()))
				continue
			}
			t.Secret = key
		}
		out[c.Name] = t
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return out, nil
}
