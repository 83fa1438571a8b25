package main

import (
	"context"
	"time"
)

// runUntilStopped runs loop in its own goroutine until the returned stop
// is called; stop cancels loop's context and waits for it to return, so
// nothing the loop does follows the stop. loop's context derives from
// parent, so it carries what parent carries (a leader's fence) and ends
// with it too.
func runUntilStopped(parent context.Context, loop func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop(ctx)
	}()
	return func() { cancel(); <-done }
}

// everySecond calls tick with the time once a second until ctx ends: the
// clocks that notice what did not happen (silent zones, missing
// heartbeats).
func everySecond(ctx context.Context, tick func(time.Time)) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			tick(now)
		}
	}
}
