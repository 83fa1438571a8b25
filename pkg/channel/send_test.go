package channel

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/safehttp"
)

// TestAnswersClassified: 2xx is delivered; 429 and 5xx are retried, with
// the receiver's Retry-After (seconds or a date); any other 4xx, and a 3xx
// that is not followed, fail for good. Each attempt records its code.
func TestAnswersClassified(t *testing.T) {
	now := time.Now()
	cases := []struct {
		code       int
		retryAfter string
		want       Outcome
		wantAfter  time.Duration
	}{
		{200, "", Delivered, 0},
		{202, "", Delivered, 0},
		{204, "", Delivered, 0},
		{304, "", Permanent, 0},
		{400, "", Permanent, 0},
		{401, "", Permanent, 0},
		{403, "", Permanent, 0},
		{404, "", Permanent, 0},
		{410, "", Permanent, 0},
		{413, "", Permanent, 0},
		{429, "7", Retry, 7 * time.Second},
		{429, "", Retry, 0},
		{429, "soon", Retry, 0},
		{500, "", Retry, 0},
		{502, "", Retry, 0},
		{503, now.Add(2 * time.Minute).UTC().Format(http.TimeFormat), Retry, 2 * time.Minute},
		{504, "", Retry, 0},
	}
	recv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		if ra := r.URL.Query().Get("ra"); ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte("answer " + strconv.Itoa(code)))
	})
	c := client()
	for _, tc := range cases {
		u := recv.URL + "/?code=" + strconv.Itoa(tc.code) + "&ra=" + url.QueryEscape(tc.retryAfter)
		a := Send(context.Background(), c, jsonDelivery(u, []byte(`{}`)), time.Now)
		if a.Outcome != tc.want || a.Status != tc.code {
			t.Errorf("%d: outcome %v status %d, want %v", tc.code, a.Outcome, a.Status, tc.want)
		}
		// A date is read against the clock, so allow the seconds the
		// test took.
		if a.RetryAfter > tc.wantAfter || a.RetryAfter < tc.wantAfter-5*time.Second {
			t.Errorf("%d (Retry-After %q): RetryAfter %v, want %v", tc.code, tc.retryAfter, a.RetryAfter, tc.wantAfter)
		}
		if (a.Err == nil) != (tc.want == Delivered) {
			t.Errorf("%d: err %v", tc.code, a.Err)
		}
		if a.Latency <= 0 {
			t.Errorf("%d: latency %v not recorded", tc.code, a.Latency)
		}
		if tc.code != 204 && tc.code != 304 && a.Answer != "answer "+strconv.Itoa(tc.code) {
			t.Errorf("%d: answer %q", tc.code, a.Answer)
		}
	}
}

// TestTimeoutIsRetried: a receiver that does not answer in time is tried
// again later; no status was seen.
func TestTimeoutIsRetried(t *testing.T) {
	release := make(chan struct{})
	slow := startReceiver(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	t.Cleanup(func() { close(release) })
	c := safehttp.New(safehttp.Options{Policy: loopbackPolicy, Timeout: 200 * time.Millisecond})
	a := Send(context.Background(), c, jsonDelivery(slow.URL, []byte(`{}`)), time.Now)
	var ne net.Error
	if a.Outcome != Retry || a.Status != 0 || !errors.As(a.Err, &ne) || !ne.Timeout() {
		t.Errorf("attempt %+v, want a retried timeout", a)
	}
}

// TestReceiverDownThenUp: while nothing listens, the attempt is retried;
// once the receiver is up, the same alert (same webhook-id) is delivered
// once.
func TestReceiverDownThenUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // down: the port refuses connections

	key, _ := ParseSecret(testSecret)
	ch := &Channel{Name: "ops", Kind: Webhook, URL: "http://" + addr + "/hook", Secret: key}
	c := client()
	d, err := ch.Alert(outage(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	first := Send(context.Background(), c, d, time.Now)
	if first.Outcome != Retry || first.Status != 0 || first.Err == nil {
		t.Fatalf("receiver down: %+v, want a retry without status", first)
	}

	var hits []http.Header
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits = append(hits, r.Header.Clone())
	}))
	up.Listener.Close()
	if up.Listener, err = net.Listen("tcp", addr); err != nil {
		t.Fatalf("listen on the same port again: %v", err)
	}
	up.Start()
	t.Cleanup(up.Close)

	d, err = ch.Alert(outage(), time.Now()) // re-rendered: a fresh timestamp and signature
	if err != nil {
		t.Fatal(err)
	}
	second := Send(context.Background(), c, d, time.Now)
	if second.Outcome != Delivered || second.Status != 200 {
		t.Fatalf("receiver up: %+v", second)
	}
	up.Close()
	if len(hits) != 1 || hits[0].Get("webhook-id") != "msg_"+outage().ID {
		t.Errorf("receiver got %d requests (%v), want 1 with the event's webhook-id", len(hits), hits)
	}
}

// TestRefusedAddressIsPermanent: an address the policy refuses is not
// retried, and the receiver behind it hears nothing.
func TestRefusedAddressIsPermanent(t *testing.T) {
	recv := startReceiver(t, nil)
	strict := safehttp.New(safehttp.Options{})
	a := Send(context.Background(), strict, jsonDelivery(recv.URL, []byte(`{}`)), time.Now)
	var b *safehttp.BlockedError
	if a.Outcome != Permanent || !errors.As(a.Err, &b) || b.Reason != "loopback" {
		t.Errorf("attempt %+v, want a permanent loopback refusal", a)
	}
	if n := len(recv.requests()); n != 0 {
		t.Errorf("receiver got %d requests", n)
	}
}

func TestWaitHonoursRetryAfter(t *testing.T) {
	if got := Wait(Attempt{RetryAfter: 2 * time.Minute}, 30*time.Second, time.Hour); got != 2*time.Minute {
		t.Errorf("Retry-After longer than the backoff: wait %v", got)
	}
	if got := Wait(Attempt{RetryAfter: time.Second}, 30*time.Second, time.Hour); got != 30*time.Second {
		t.Errorf("Retry-After shorter than the backoff: wait %v", got)
	}
	if got := Wait(Attempt{RetryAfter: 48 * time.Hour}, 30*time.Second, time.Hour); got != time.Hour {
		t.Errorf("Retry-After beyond the ceiling: wait %v", got)
	}
}

// TestUnsendableHeaderIsPermanent: a token with a control character (a
// secret file edited badly) would fail every time: not retried, not sent.
func TestUnsendableHeaderIsPermanent(t *testing.T) {
	recv := startReceiver(t, nil)
	d, err := (&Channel{Name: "phone", Kind: Ntfy, URL: recv.URL, Token: "tk_a\nb"}).Alert(outage(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if a := Send(context.Background(), client(), d, time.Now); a.Outcome != Permanent || a.Err == nil {
		t.Errorf("attempt %+v, want permanent", a)
	}
	if n := len(recv.requests()); n != 0 {
		t.Errorf("receiver got %d requests", n)
	}
}
