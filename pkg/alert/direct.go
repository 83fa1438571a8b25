package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/backoff"
	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// directTries is how many attempts SendNow makes per channel: it cannot
// keep an alert for later, so it retries a little in place.
const directTries = 4

// SendNow sends the start (firing) or the end of a problem of Ampel's own,
// named key, to every channel at once, without the outbox: for the
// problem that the store itself cannot be written. began names the
// problem (the end carries the same, so a PagerDuty incident is resolved
// by it); channels are sent to concurrently, each retried in place after
// 5xx answers and timeouts up to directTries attempts. Nothing is
// recorded in the store; each attempt is counted through OnAttempt. It
// reports how many channels took the alert.
func (d *Dispatcher) SendNow(ctx context.Context, key, cause string, firing bool, began time.Time) int {
	h := sha256.Sum256([]byte(key + "\x00" + strconv.FormatInt(began.UnixMilli(), 10) + "\x00" + strconv.FormatBool(firing)))
	a := store.Alert{EventID: "evt_" + hex.EncodeToString(h[:12]), Subject: store.OperatorEvent + ":" + key,
		Kind: store.AlertResolve, From: status.Down, To: status.Up, Cause: cause, At: d.opt.Now()}
	if firing {
		a.Kind, a.From, a.To = store.AlertTrigger, status.Up, status.Down
	}
	var mu sync.Mutex
	took := 0
	var wg sync.WaitGroup
	for name, t := range d.opt.Targets {
		wg.Go(func() {
			a := a
			a.Channel = name
			if d.sendNow(ctx, t, a) {
				mu.Lock()
				took++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return took
}

// sendNow makes up to directTries attempts of a on t.
func (d *Dispatcher) sendNow(ctx context.Context, t *Target, a store.Alert) bool {
	for n := 0; ; n++ {
		at := d.attempt(ctx, t, []store.Alert{a})
		if d.opt.OnAttempt != nil {
			d.opt.OnAttempt(t.Name, at.Outcome.String(), at.Latency)
		}
		switch {
		case at.Outcome == channel.Delivered:
			return true
		case at.Outcome == channel.Permanent || n+1 >= directTries:
			d.opt.Logger.Warn("direct_alert_failed", "channel", t.Name, "subject", a.Subject, "status", at.Status, "err", at.Err)
			return false
		}
		wait := time.NewTimer(channel.Wait(at, backoff.Exp(d.opt.RetryBase, d.opt.RetryMax, n), d.opt.RetryMax))
		select {
		case <-ctx.Done():
			wait.Stop()
			return false
		case <-wait.C:
		}
	}
}
