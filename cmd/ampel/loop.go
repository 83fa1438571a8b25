package main

import "context"

// runUntilStopped runs loop in its own goroutine until the returned stop
// is called; stop cancels loop's context and waits for it to return, so
// nothing the loop does follows the stop.
func runUntilStopped(loop func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop(ctx)
	}()
	return func() { cancel(); <-done }
}
