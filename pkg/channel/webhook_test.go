package channel

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// verifyStandardWebhook is a receiver's check, written from the spec's
// text ("Verifying webhook authenticity") and not from Sign: all three
// headers present; the timestamp within 5 minutes of now; the key is the
// base64 after "whsec_"; the signed content is id.timestamp.body; the
// header holds space-separated "v1,<base64>" entries, one of which must
// match in constant time.
func verifyStandardWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing header")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("bad timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("timestamp too far from now")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + string(body)))
	want := m.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		if got, err := base64.StdEncoding.DecodeString(b64); err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no signature matches")
}

// testSecret is the Standard Webhooks test vector's secret.
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// TestSignMatchesPublishedVector reproduces the signature the Standard
// Webhooks reference libraries publish for their test vector: what a
// receiver's library checks, we produce.
func TestSignMatchesPublishedVector(t *testing.T) {
	key, err := ParseSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	d := jsonDelivery("http://x", []byte(`{"test": 2432232314}`))
	if err := Sign(&d, key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0)); err != nil {
		t.Fatal(err)
	}
	if got, want := d.Header.Get("webhook-signature"), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
	if d.Header.Get("webhook-timestamp") != "1614265330" || d.Header.Get("webhook-id") != "msg_p5jXN8AQM9LWM0D4loKWxJek" {
		t.Errorf("headers %v", d.Header)
	}
}

// TestWebhookSignedAndShaped sends an outage and its recovery to a
// receiver that checks each signature with its own verifier and reads the
// documented fields.
func TestWebhookSignedAndShaped(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hook.secret")
	if err := os.WriteFile(file, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseSecret(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	recv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {})
	ch := &Channel{Name: "ops", Kind: Webhook, URL: recv.URL + "/hook", Secret: key}
	deliver(t, ch, outage())
	deliver(t, ch, recovery())

	reqs := recv.requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	for i, r := range reqs {
		if err := verifyStandardWebhook(testSecret, r.header, r.body, time.Now()); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
	}
	if reqs[0].header.Get("webhook-id") != "msg_"+outage().ID {
		t.Errorf("webhook-id %q, want msg_ and the event id", reqs[0].header.Get("webhook-id"))
	}
	// A receiver's verifier must be able to say no: a changed body fails.
	if err := verifyStandardWebhook(testSecret, reqs[0].header, append(reqs[0].body, ' '), time.Now()); err == nil {
		t.Error("a tampered body verified")
	}

	trig, res := decode(t, reqs[0].body), decode(t, reqs[1].body)
	if str(t, trig, "type") != TypeTriggered || str(t, res, "type") != TypeResolved {
		t.Errorf("types %q, %q", str(t, trig, "type"), str(t, res, "type"))
	}
	if ts := str(t, trig, "timestamp"); ts != "2026-12-06T21:00:05Z" {
		t.Errorf("timestamp %q", ts)
	}
	for key, want := range map[string]string{"from": "up", "to": "down", "from_status": "operational",
		"to_status": "major_outage", "cause": "HTTP 503", "check": "api-health", "url": outage().Link} {
		if got := str(t, trig, "data", key); got != want {
			t.Errorf("data.%s = %q, want %q", key, got, want)
		}
	}
	if str(t, trig, "data", "component", "slug") != "api" || str(t, trig, "data", "component", "name") != "API" {
		t.Errorf("component %v", path(t, trig, "data", "component"))
	}
	if z := path(t, trig, "data", "zones").([]any); len(z) != 2 || z[0] != "eu-central" {
		t.Errorf("zones %v", z)
	}
	if path(t, res, "data", "resolved") != true || str(t, res, "data", "to_status") != "operational" {
		t.Errorf("resolution data %v", path(t, res, "data"))
	}
}

func TestParseSecretRefusesBadSecrets(t *testing.T) {
	for name, s := range map[string]string{
		"no prefix":  "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"not base64": "whsec_not base64!!",
		"too short":  "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"too long":   "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65)),
		"empty":      "whsec_",
	} {
		if _, err := ParseSecret(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSignRefusesDotsInID(t *testing.T) {
	d := jsonDelivery("http://x", []byte(`{}`))
	if err := Sign(&d, []byte("0123456789abcdef01234567"), "msg.1", time.Now()); err == nil {
		t.Error("an id with '.' was signed")
	}
	ch := &Channel{Name: "ops", Kind: Webhook, URL: "http://x"}
	if _, err := ch.Alert(outage(), time.Now()); err == nil {
		t.Error("a webhook channel without a secret rendered")
	}
}
