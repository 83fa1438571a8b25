package notify

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/smtptest"
)

// TestBouncingCountsRefusedMail: a real dispatcher sending through the
// test SMTP server counts what the relay refused for good; a tenth of the
// hour's mail refused (and at least the threshold) is mail bouncing, a
// bounce or two on a long list is not, and an hour later the refusals
// have aged out.
func TestBouncingCountsRefusedMail(t *testing.T) {
	f := newFixture(t)
	clk := &clock{now: t0}
	for i := range 20 {
		f.subscriber(t, fmt.Sprintf("ok%d@example.org", i), "en")
	}
	for i := range 6 {
		addr := fmt.Sprintf("gone%d@example.org", i)
		f.subscriber(t, addr, "en")
		f.srv.Reject(addr, 550)
	}
	refusals := &Refusals{}
	opt := options(clk)
	opt.Refusals = refusals
	d := New(f.st, f.smtpSender(t, "plain", smtptest.Password, 5*time.Second), opt)

	if bad, cause := refusals.Bouncing(clk.Now(), 5); bad {
		t.Fatalf("bouncing before any mail: %s", cause)
	}
	f.incident(t, "Outage", t0)
	if n, err := d.RunOnce(context.Background()); err != nil || n != 20 {
		t.Fatalf("sent %d, %v", n, err)
	}
	if sent, refused := refusals.LastHour(clk.Now()); sent != 20 || refused != 6 {
		t.Fatalf("counted %d sent and %d refused, want 20 and 6", sent, refused)
	}
	bad, cause := refusals.Bouncing(clk.Now(), 5)
	if !bad {
		t.Fatalf("6 of 26 mails refused is not bouncing: %s", cause)
	}
	t.Log(cause)
	if bad, _ := refusals.Bouncing(clk.Now(), 7); bad {
		t.Error("6 refusals alert with a threshold of 7")
	}

	// A long list with the same six refusals is a normal day.
	for range 60 {
		refusals.add(clk.Now(), false)
	}
	if bad, cause := refusals.Bouncing(clk.Now(), 5); bad {
		t.Errorf("6 of 86 refused alerts: %s", cause)
	}
	clk.Advance(time.Hour)
	if sent, refused := refusals.LastHour(clk.Now()); sent != 0 || refused != 0 {
		t.Errorf("an hour later still %d sent and %d refused", sent, refused)
	}
}
