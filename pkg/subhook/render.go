package subhook

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TypeVerify is the type of the verification request's body.
const TypeVerify = "subscription.verify"

// Verification is the body of the request that verifies a webhook
// subscription. The receiver confirms by answering 2xx with the
// challenge (as the whole body, or as {"challenge": "..."}), or a person
// opens ConfirmURL.
type Verification struct {
	Type       string    `json:"type"`
	Challenge  string    `json:"challenge"`
	ConfirmURL string    `json:"confirm_url"`
	ManageURL  string    `json:"manage_url"`
	Page       string    `json:"page"`
	PageURL    string    `json:"page_url"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// Paths of the public pages links lead to.
const (
	ConfirmPath = "/subscribe/hooks/confirm"
	ManagePath  = "/subscribe/hooks/manage"
)

// token makes a one-time secret for a link: 256 bits, URL-safe.
func token() string {
	return rand.Text() + rand.Text()
}

// link is an absolute address of path with a token.
func (d *Dispatcher) link(path, tok string) string {
	return strings.TrimRight(d.opt.URL, "/") + path + "/" + url.PathEscape(tok)
}

// messageID is the webhook-id of a row: the same on every attempt, so a
// receiver drops what a crash made it get twice.
func messageID(row store.HookDelivery) string {
	return fmt.Sprintf("msg_%d_%d", row.Hook.ID, row.ID)
}

// render builds the request of one row. For a verification it also
// returns the challenge and the tokens to store before it is sent.
func (d *Dispatcher) render(ctx context.Context, row store.HookDelivery, now time.Time) (channel.Delivery, string, []store.HookToken, error) {
	ch := &channel.Channel{Name: fmt.Sprintf("subscriber %d", row.Hook.ID), Kind: channel.Kind(row.Hook.Kind), URL: row.Hook.URL}
	webhook := row.Hook.Kind == store.HookWebhook
	if webhook {
		key, err := channel.ParseSecret(row.Hook.Secret)
		if err != nil {
			return channel.Delivery{}, "", nil, err
		}
		ch.Secret = key
	}
	meta := channel.SPMeta{Unsubscribe: strings.TrimRight(d.opt.URL, "/") + "/subscribe", Documentation: docsURL, GeneratedAt: now}
	switch row.Kind {
	case store.HookVerify:
		confirm, manage := token(), token()
		toks := []store.HookToken{
			{HookID: row.Hook.ID, Purpose: store.PurposeConfirm, Secret: confirm, Expires: row.Hook.Expires},
			{HookID: row.Hook.ID, Purpose: store.PurposeManage, Secret: manage},
		}
		v := Verification{Type: TypeVerify, Challenge: confirm, ConfirmURL: d.link(ConfirmPath, confirm),
			ManageURL: d.link(ManagePath, manage), Page: d.opt.Title, PageURL: d.opt.URL, ExpiresAt: row.Hook.Expires.UTC()}
		if webhook {
			body, err := json.Marshal(v)
			if err != nil {
				return channel.Delivery{}, "", nil, err
			}
			out, err := channel.SignedJSON(ch, body, messageID(row), now)
			return out, confirm, toks, err
		}
		out, err := ch.Notice(channel.Notice{
			Title: "Confirm status updates from " + d.opt.Title,
			Text: "Someone asked to post " + d.opt.Title + "'s status updates to this channel. Nothing is posted here until the link is opened and the subscription confirmed; if nobody here asked, ignore this message. Manage or end the subscription: " +
				v.ManageURL,
			Link: v.ConfirmURL, LinkLabel: "Confirm the subscription", At: now,
		})
		return out, "", toks, err
	case store.HookComponent:
		comp := d.opt.Component(row.Component)
		if webhook {
			comp.Status = row.To
			body, err := channel.ComponentUpdateBody(meta, d.opt.Page(), comp, channel.SPComponentUpdate{
				ID: row.EventKey, ComponentID: comp.ID, OldStatus: row.From, NewStatus: row.To, CreatedAt: row.At.UTC(),
			})
			if err != nil {
				return channel.Delivery{}, "", nil, err
			}
			out, err := channel.SignedJSON(ch, body, messageID(row), now)
			return out, "", nil, err
		}
		from, _ := status.ParseStatuspage(row.From)
		to, _ := status.ParseStatuspage(row.To)
		out, err := ch.Alert(channel.Event{ID: row.EventKey, Component: row.Component, ComponentName: comp.Name,
			From: from, To: to, At: row.At, Link: strings.TrimRight(d.opt.URL, "/") + "/components/" + url.PathEscape(row.Component),
			Resolved: row.To == "operational"}, now)
		return out, "", nil, err
	case store.HookIncident:
		if d.opt.Incident == nil {
			return channel.Delivery{}, "", nil, fmt.Errorf("no incident source")
		}
		inc, err := d.opt.Incident(ctx, row.ObjectID, row.UpdateID)
		if err != nil {
			return channel.Delivery{}, "", nil, err
		}
		if webhook {
			body, err := channel.IncidentUpdateBody(meta, d.opt.Page(), inc.JSON)
			if err != nil {
				return channel.Delivery{}, "", nil, err
			}
			out, err := channel.SignedJSON(ch, body, messageID(row), now)
			return out, "", nil, err
		}
		tone := "warning"
		if inc.Status == "resolved" || inc.Status == "postmortem" {
			tone = "good"
		} else if inc.Impact == "major" || inc.Impact == "critical" {
			tone = "attention"
		}
		out, err := ch.Notice(channel.Notice{
			Title: inc.Name + " — " + strings.ReplaceAll(inc.Status, "_", " "),
			Text:  inc.Body, Link: inc.Link, LinkLabel: "Incident page", At: now, Tone: tone,
		})
		return out, "", nil, err
	}
	return channel.Delivery{}, "", nil, fmt.Errorf("unknown hook outbox kind %q", row.Kind)
}

// docsURL documents the payloads, as Statuspage's meta.documentation does.
const docsURL = "https://github.com/ampelstatus/ampel/blob/main/docs/subscribers.md"

// echoed reports whether a receiver's answer echoes the challenge: the
// whole body, or a JSON object's "challenge".
func echoed(answer, challenge string) bool {
	if challenge == "" {
		return false
	}
	a := strings.TrimSpace(answer)
	if a == challenge {
		return true
	}
	var v struct {
		Challenge string `json:"challenge"`
	}
	return json.Unmarshal([]byte(a), &v) == nil && v.Challenge == challenge
}
