package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// maxOutput bounds the command output kept for the log.
const maxOutput = 4 << 10

// runCommands runs the off-site command for each snapshot handed over,
// retrying a failure with a growing wait until it succeeds or a newer
// snapshot replaces it.
func (b *Backups) runCommands(ctx context.Context) {
	for {
		var path string
		select {
		case <-ctx.Done():
			return
		case path = <-b.cmdCh:
		}
		wait := b.opts.retryMin
		for attempt := 1; ; attempt++ {
			err := b.runCommand(ctx, path)
			if err == nil {
				b.setCommandOK(true)
				break
			}
			b.mu.Lock()
			b.status.CommandFailures++
			b.status.CommandOK = false
			b.mu.Unlock()
			if ctx.Err() != nil {
				return
			}
			b.log.Warn("backup command failed; retrying", "err", err, "snapshot", path, "attempt", attempt, "retry_in", wait.String())
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case newer := <-b.cmdCh:
				t.Stop()
				path, wait = newer, b.opts.retryMin
				continue
			case <-t.C:
			}
			wait = min(2*wait, b.opts.Interval)
		}
	}
}

func (b *Backups) setCommandOK(ok bool) {
	b.mu.Lock()
	b.status.CommandOK = ok
	b.mu.Unlock()
}

// runCommand runs the command once with path as its last argument and
// logs its exit status and output.
func (b *Backups) runCommand(ctx context.Context, path string) error {
	ctx, cancel := context.WithTimeout(ctx, b.opts.CommandTimeout)
	defer cancel()
	args := append(append([]string(nil), b.opts.Command[1:]...), path)
	cmd := exec.CommandContext(ctx, b.opts.Command[0], args...)
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// A command that leaves children holding its output must not hang us.
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	if err == nil {
		b.log.Info("backup command done", "snapshot", path, "exit", code, "took", time.Since(start).Round(time.Millisecond).String(), "output", out.String())
		return nil
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("timed out after %s", b.opts.CommandTimeout)
	}
	return fmt.Errorf("%s: %w (exit %d, output %q)", b.opts.Command[0], err, code, out.String())
}

// limitedBuffer keeps the first maxOutput bytes written to it.
type limitedBuffer struct{ buf bytes.Buffer }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return strings.TrimSpace(l.buf.String()) }
