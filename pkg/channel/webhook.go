package channel

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks symmetric secrets: base64 behind "whsec_", 24 to 64
// random bytes (192 to 512 bits), as the spec's table of signature
// schemes sets them.
const (
	secretPrefix = "whsec_"
	minSecret    = 24
	maxSecret    = 64
)

// ParseSecret decodes a Standard Webhooks signing secret ("whsec_" and the
// base64 of 24 to 64 random bytes; `printf 'whsec_%s' "$(openssl rand
// -base64 32)"` makes one) into the HMAC key.
func ParseSecret(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(s), secretPrefix)
	if !ok {
		return nil, errors.New(`webhook secret must start with "whsec_" (Standard Webhooks format)`)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("webhook secret: the part after whsec_ is not base64: %w", err)
	}
	if len(key) < minSecret || len(key) > maxSecret {
		return nil, fmt.Errorf("webhook secret holds %d bytes, want %d to %d", len(key), minSecret, maxSecret)
	}
	return key, nil
}

// Sign sets the Standard Webhooks headers on d: webhook-id (the same for
// every attempt of one message, so receivers can drop duplicates),
// webhook-timestamp (this attempt, Unix seconds) and webhook-signature,
// "v1," and the base64 HMAC-SHA256 of "id.timestamp.body" under key.
func Sign(d *Delivery, key []byte, id string, now time.Time) error {
	if len(key) == 0 {
		return errors.New("webhook: no signing secret")
	}
	if id == "" || strings.ContainsAny(id, ". ,") {
		// The spec: ids must not carry the separator, or a body could be
		// shifted into the signed id.
		return fmt.Errorf("webhook: message id %q must be non-empty without '.', ' ' or ','", id)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(d.Body)
	d.Header.Set("webhook-id", id)
	d.Header.Set("webhook-timestamp", ts)
	d.Header.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return nil
}

// webhookPayload is the generic webhook's body, in the envelope the
// Standard Webhooks spec recommends: type, timestamp, data.
type webhookPayload struct {
	Type      string      `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Data      webhookData `json:"data"`
}

type webhookData struct {
	Component struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
	} `json:"component"`
	Check string   `json:"check,omitempty"`
	Zones []string `json:"zones"`
	// From and To are Ampel's levels; the *_status fields Statuspage's
	// component vocabulary.
	From       string `json:"from"`
	To         string `json:"to"`
	FromStatus string `json:"from_status"`
	ToStatus   string `json:"to_status"`
	Cause      string `json:"cause,omitempty"`
	Resolved   bool   `json:"resolved"`
	Title      string `json:"title"`
	URL        string `json:"url,omitempty"`
}

// Webhook event types.
const (
	TypeTriggered = "alert.triggered"
	TypeResolved  = "alert.resolved"
)

func webhookAlert(ch *Channel, ev Event, now time.Time) (Delivery, error) {
	p := webhookPayload{Type: TypeTriggered, Timestamp: ev.At.UTC()}
	if ev.Resolved {
		p.Type = TypeResolved
	}
	d := &p.Data
	d.Component.Slug, d.Component.Name = ev.Component, ev.ComponentName
	d.Check, d.Zones, d.Cause, d.Resolved, d.URL = ev.Check, ev.Zones, ev.Cause, ev.Resolved, ev.Link
	if d.Zones == nil {
		d.Zones = []string{}
	}
	d.From, d.To = ev.From.String(), ev.To.String()
	d.FromStatus, d.ToStatus = ev.From.Statuspage(), ev.To.Statuspage()
	d.Title = ev.Title()
	body, err := json.Marshal(p)
	if err != nil {
		return Delivery{}, err
	}
	return SignedJSON(ch, body, "msg_"+ev.ID, now)
}

// SignedJSON is a JSON POST to a webhook channel, signed with its secret:
// the alert above and Statuspage-shaped subscriber notices go out alike.
func SignedJSON(ch *Channel, body []byte, id string, now time.Time) (Delivery, error) {
	out := jsonDelivery(ch.URL, body)
	if err := Sign(&out, ch.Secret, id, now); err != nil {
		return Delivery{}, err
	}
	return out, nil
}
