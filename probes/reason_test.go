package probes

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/status"
)

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{1500 * time.Microsecond, "2ms"},
		{250 * time.Millisecond, "250ms"},
		{999 * time.Millisecond, "999ms"},
		{time.Second, "1s"},
		{2345 * time.Millisecond, "2.3s"},
		{5 * time.Second, "5s"},
		{90 * time.Second, "90s"},
		{2 * time.Minute, "2m"},
	}
	for _, tc := range tests {
		if got := formatDuration(tc.d); got != tc.want {
			t.Errorf("formatDuration(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestExpiryReason(t *testing.T) {
	tests := []struct {
		left time.Duration
		want string
	}{
		{-time.Hour, "certificate expired"},
		{5 * time.Hour, "certificate expires in less than a day"},
		{30 * time.Hour, "certificate expires in 1 day"},
		{3*24*time.Hour + time.Minute, "certificate expires in 3 days"},
	}
	for _, tc := range tests {
		if got := expiryReason(tc.left); got != tc.want {
			t.Errorf("expiryReason(%s) = %q, want %q", tc.left, got, tc.want)
		}
	}
}

// The timeout a reason names: the check's, or what the caller's context
// had left when the check sets none. The check's timeout also bounds a
// context that has no deadline of its own.
func TestTimeoutSource(t *testing.T) {
	srv := startHTTP(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	tests := []struct {
		name     string
		timeout  time.Duration // the check's
		deadline time.Duration // the caller's; 0 for none
		reason   string
	}{
		{"check timeout, no caller deadline", 300 * time.Millisecond, 0, "timeout after 300ms"},
		{"check timeout shorter than caller's", 300 * time.Millisecond, 5 * time.Second, "timeout after 300ms"},
		{"caller's deadline only", 0, 400 * time.Millisecond, "timeout after 400ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chk := httpCheck(srv.URL, nil)
			chk.Timeout = config.Duration(tc.timeout)
			p, err := HTTP(chk)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			done := make(chan Observation, 1)
			go func() { done <- p(ctx, Env{}) }()
			want(t, await(t, done), status.Down, tc.reason)
		})
	}
}

func TestProbeCanceled(t *testing.T) {
	srv := startHTTP(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	p := newProbe(t, HTTP, httpCheck(srv.URL, nil))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan Observation, 1)
	go func() { done <- p(ctx, Env{}) }()
	cancel()
	want(t, await(t, done), status.Down, "probe canceled")
}

// A prepared check is shared by concurrent runs (the race detector
// watches this one).
func TestConcurrentRuns(t *testing.T) {
	srv := startHTTP(t, reply(200, `{"status":"ok"}`))
	p := newProbe(t, HTTP, httpCheck(srv.URL, &config.HTTP{JSONPath: "status", JSONValue: "ok"}))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				want(t, probe(t, p, 2*time.Second, Env{Zone: "eu"}, srv.URL), status.Up, "")
			}
		})
	}
	wg.Wait()
}
