package subhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/backoff"
	"github.com/ampelstatus/ampel/pkg/channel"
	"github.com/ampelstatus/ampel/store"
)

// Run sends the hook outbox until ctx ends: at every wake-up from the
// store, when the next retry is due, and every Poll anyway. When ctx ends
// the deliveries in flight finish and are recorded, then Run returns.
func (d *Dispatcher) Run(ctx context.Context) {
	wake := d.st.HookWake()
	for {
		_, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.opt.Logger.Error("hook_outbox_pass_failed", "err", err)
		}
		wait := d.opt.Poll
		if next, nerr := d.st.NextHookAt(ctx); err == nil && nerr == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(d.opt.Now()), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-wake:
			t.Stop()
		}
	}
}

// RunOnce sends every due row, batch by batch, until none is due or ctx
// ends, and returns how many were delivered.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	sent := 0
	for ctx.Err() == nil {
		rows, err := d.st.DueHooks(ctx, d.opt.Now(), d.opt.Batch)
		if err != nil {
			return sent, err
		}
		if len(rows) == 0 {
			return sent, nil
		}
		n, err := d.pass(ctx, rows)
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// pass sends rows with Workers in flight. Each result is committed
// before its worker takes the next row (results finishing together share
// a commit), so a crash repeats at most Workers deliveries.
func (d *Dispatcher) pass(ctx context.Context, rows []store.HookDelivery) (int, error) {
	rec := d.startRecorder()
	work := make(chan store.HookDelivery)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sent := 0
	for range min(d.opt.Workers, len(rows)) {
		wg.Go(func() {
			for row := range work {
				res := d.deliver(ctx, row)
				if err := rec.record(res); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					continue
				}
				if res.Outcome == store.HookDelivered {
					mu.Lock()
					sent++
					mu.Unlock()
				}
			}
		})
	}
	for _, row := range rows {
		// Once ctx ends no new delivery starts; those in flight finish.
		if ctx.Err() != nil {
			break
		}
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		work <- row
	}
	close(work)
	wg.Wait()
	rec.stop()
	return sent, firstErr
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// MaxPayload bounds a request's body: an incident with a very long
// timeline fails rather than posting megabytes to a stranger's endpoint.
const MaxPayload = 1 << 20

// deliver makes one attempt of a row (or drops it, when its subscriber
// may no longer get it) and says what became of it.
func (d *Dispatcher) deliver(ctx context.Context, row store.HookDelivery) store.HookResult {
	res := store.HookResult{RowID: row.ID, HookID: row.Hook.ID}
	if !row.Active {
		res.Err = "subscription " + row.Hook.State
		if row.Kind == store.HookVerify {
			res.Err = "verification no longer wanted: " + row.Hook.State
		}
		return res
	}
	now := d.opt.Now()
	req, challenge, toks, err := d.render(ctx, row, now)
	if err != nil {
		res.Outcome, res.Err = store.HookFailed, "render: "+err.Error()
		d.opt.Logger.Error("hook_render_failed", "hook", row.Hook.ID, "row", row.ID, "err", err)
		return res
	}
	if len(req.Body) > MaxPayload {
		res.Outcome, res.Err = store.HookFailed, fmt.Sprintf("payload of %d bytes is over the %d-byte bound", len(req.Body), MaxPayload)
		return res
	}
	if len(toks) > 0 {
		// Stored before sending: a link that arrives must work.
		if err := d.st.AddHookTokens(context.WithoutCancel(ctx), toks, now); err != nil {
			res.Outcome, res.Err, res.Next = store.HookRetry, "store tokens: "+err.Error(), now.Add(d.opt.BackoffMin)
			return res
		}
	}
	// The attempt is not cut short by the end of ctx: Client's timeout
	// bounds it, and an attempt abandoned half-way would be sent again.
	a := channel.Send(context.WithoutCancel(ctx), d.opt.Client, req, d.opt.Now)
	d.opt.OnAttempt(row.Hook.Kind, a)
	res.Status, res.Latency = a.Status, a.Latency
	if a.Err != nil {
		res.Err = a.Err.Error()
	}
	switch a.Outcome {
	case channel.Delivered:
		res.Outcome = store.HookDelivered
		res.Confirm = echoed(a.Answer, challenge)
	case channel.Retry:
		first := row.FirstTry
		if first.IsZero() {
			first = now
		}
		next := now.Add(channel.Wait(a, backoff.Exp(d.opt.BackoffMin, d.opt.BackoffMax, row.Attempts), d.opt.BackoffMax))
		if next.Sub(first) > d.opt.RetryFor {
			res.Outcome = store.HookFailed
			res.Err = fmt.Sprintf("given up after %s: %s", d.opt.RetryFor, res.Err)
		} else {
			res.Outcome, res.Next = store.HookRetry, next
		}
	default:
		res.Outcome = store.HookFailed
	}
	return res
}

// recorder commits results: whatever has arrived while the previous
// commit ran goes into the next one, and each sender waits for the commit
// of its own result.
type recorder struct {
	d    *Dispatcher
	in   chan recorded
	done chan struct{}
}

type recorded struct {
	res  store.HookResult
	errc chan error
}

func (d *Dispatcher) startRecorder() *recorder {
	r := &recorder{d: d, in: make(chan recorded, d.opt.Workers), done: make(chan struct{})}
	go r.loop()
	return r
}

func (r *recorder) record(res store.HookResult) error {
	errc := make(chan error, 1)
	r.in <- recorded{res: res, errc: errc}
	return <-errc
}

func (r *recorder) stop() {
	close(r.in)
	<-r.done
}

func (r *recorder) loop() {
	defer close(r.done)
	for first := range r.in {
		batch := []recorded{first}
	more:
		for {
			select {
			case x, ok := <-r.in:
				if !ok {
					break more
				}
				batch = append(batch, x)
			default:
				break more
			}
		}
		results := make([]store.HookResult, len(batch))
		for i, x := range batch {
			results[i] = x.res
		}
		// A result must be recorded even while the node stops: the
		// delivery happened.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		quarantined, err := r.d.st.RecordHooks(ctx, results, r.d.opt.Quarantine, r.d.opt.Now())
		if err == nil && len(quarantined) > 0 {
			r.d.opt.Logger.Warn("hook_subscribers_quarantined", "count", len(quarantined), "ids", quarantined)
			r.d.opt.OnQuarantine(ctx, quarantined)
		}
		cancel()
		if err != nil {
			err = errors.Join(errors.New("record hook deliveries"), err)
		}
		for _, x := range batch {
			x.errc <- err
		}
	}
}
