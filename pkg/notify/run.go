package notify

import (
	"context"
	"time"
)

// Run sends the outbox until ctx ends: at every wake-up from the store,
// when the next retry is due, and every Poll anyway. When ctx ends the
// message in flight is finished and recorded, then Run returns.
func (d *Dispatcher) Run(ctx context.Context) {
	wake := d.st.OutboxWake()
	for {
		_, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.opt.Logger.Error("outbox_pass_failed", "err", err)
		}
		wait := d.opt.Poll
		paused := d.paused()
		if paused {
			wait = d.pausedUntil.Sub(d.opt.Now())
		} else if next, nerr := d.st.NextMailAt(ctx); err == nil && nerr == nil && !next.IsZero() {
			// After a failed pass rows are still due: Poll keeps a broken
			// database from turning this into a busy loop.
			wait = min(wait, max(next.Sub(d.opt.Now()), 0))
		}
		if !sleep(ctx, wait, wake, paused) {
			return
		}
	}
}

// sleep waits for d, or for a wake-up unless ignoreWake; it reports false
// when ctx ended first.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}, ignoreWake bool) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-wake:
			if !ignoreWake {
				return true
			}
		}
	}
}

// paused reports whether sending waits for an unreachable server.
func (d *Dispatcher) paused() bool { return d.opt.Now().Before(d.pausedUntil) }

// RunOnce enqueues due maintenance reminders and sends every due row,
// batch by batch, until none is due, the server cannot be reached or ctx
// ends. It returns the number of mails sent.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	if err := d.remind(ctx); err != nil {
		return 0, err
	}
	if d.c.install == "" {
		id, err := d.st.InstallID(ctx)
		if err != nil {
			return 0, err
		}
		d.c.install = id
	}
	sent := 0
	for !d.paused() && ctx.Err() == nil {
		rows, err := d.st.DueMail(ctx, d.opt.Now(), d.opt.Batch)
		if err != nil || len(rows) == 0 {
			return sent, err
		}
		n, err := d.batch(ctx, rows)
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// remind enqueues maintenance reminders, at most every reminderEvery,
// and prunes the outbox of old rows once an hour.
func (d *Dispatcher) remind(ctx context.Context) error {
	now := d.opt.Now()
	if now.Sub(d.prunedAt) >= time.Hour {
		if _, err := d.st.PruneOutbox(ctx, now.Add(-KeepSent)); err != nil {
			return err
		}
		d.prunedAt = now
	}
	if d.opt.ReminderLead <= 0 || now.Sub(d.remindedAt) < reminderEvery {
		return nil
	}
	if _, err := d.st.EnqueueReminders(ctx, d.opt.ReminderLead, now); err != nil {
		return err
	}
	d.remindedAt = now
	return nil
}
