package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestSubscribePerClientLimit(t *testing.T) {
	f := newSubFixture(t, subscriptionsOn())
	f.openForm()
	const ip = "203.0.113.5"
	for i := range 5 {
		if rec := f.subscribe(ip, fmt.Sprintf("u%d@example.org", i), nil); rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	rec := f.subscribe(ip, "u5@example.org", nil)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "60" {
		t.Fatalf("6th request in a minute: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if _, ok := f.confirmMails()["u5@example.org"]; ok {
		t.Error("a refused request queued mail")
	}
	// Another client is not affected; IPv6 clients count by /64.
	if rec := f.subscribe("203.0.113.6", "v@example.org", nil); rec.Code != http.StatusOK {
		t.Errorf("other client: %d", rec.Code)
	}
	for i := range 5 {
		f.subscribe(fmt.Sprintf("2001:db8:1:2::%x", i+1), fmt.Sprintf("w%d@example.org", i), nil)
	}
	if rec := f.subscribe("2001:db8:1:2:ffff::1", "w9@example.org", nil); rec.Code != http.StatusTooManyRequests {
		t.Errorf("6th request from one IPv6 /64: %d", rec.Code)
	}
	// The day's limit: 20, then 429 until the day is over.
	for range 3 {
		f.advance(time.Minute)
		for i := range 5 {
			f.subscribe(ip, fmt.Sprintf("d%d@example.org", i), nil)
		}
	}
	f.advance(time.Minute)
	rec = f.subscribe(ip, "late@example.org", nil)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("21st request in a day: %d", rec.Code)
	}
	if ra, _ := strconv.Atoi(rec.Header().Get("Retry-After")); ra < 23*3600 {
		t.Errorf("Retry-After %q, want the rest of the day", rec.Header().Get("Retry-After"))
	}
	f.advance(24 * time.Hour)
	if rec := f.subscribe(ip, "next-day@example.org", nil); rec.Code != http.StatusOK {
		t.Errorf("next day: %d", rec.Code)
	}
}

func TestSubscribeLimitsMemoryIsBounded(t *testing.T) {
	l := newSubscribeLimits(5, 20, nil)
	l.max = 100
	now := t0
	for i := range 100 {
		if ok, _ := l.allow(strconv.Itoa(i), now); !ok {
			t.Fatalf("client %d refused", i)
		}
	}
	if ok, wait := l.allow("one more", now); ok || wait != time.Minute {
		t.Errorf("a full table admitted a new client (wait %v)", wait)
	}
	if ok, _ := l.allow("7", now); !ok {
		t.Error("a known client was refused")
	}
	// A day later the old entries are swept and new clients fit.
	if ok, _ := l.allow("one more", now.Add(24*time.Hour)); !ok || len(l.clients) != 1 {
		t.Errorf("after a day: %d clients tracked", len(l.clients))
	}
}

// BenchmarkSubscribeFlood: the form's answer to a flood for one address
// already at its limit, each request from another client address: the
// whole path (limiter, body, CSRF, validation, the store's transaction,
// the page).
func BenchmarkSubscribeFlood(b *testing.B) {
	f := newSubFixture(b, subscriptionsOn())
	f.openForm()
	for i := range maxConfirmsPerDay {
		f.subscribe(fmt.Sprintf("10.255.0.%d", i+1), "victim@example.org", nil)
		f.advance(time.Second)
	}
	// 5,000 client addresses in turn, one request each a minute: within
	// every per-client limit for 100,000 requests.
	i := 0
	for b.Loop() {
		if i%5000 == 0 {
			f.advance(time.Minute)
		}
		n := i % 5000
		if rec := f.subscribe(fmt.Sprintf("10.0.%d.%d", n/250, n%250), "victim@example.org", nil); rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
		i++
	}
	if n := f.confirmMails()["victim@example.org"]; n != maxConfirmsPerDay {
		b.Fatalf("%d confirmation mails", n)
	}
}
