package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// The channels nodes of a cluster tell each other on. A notification
// carries no data: it says "look", and the listener reads what changed
// since what it last applied, so a lost or merged notification loses
// nothing.
const (
	// ChannelState: the batch writer committed results or state changes.
	ChannelState = "ampel_state"
	// ChannelOverlay: an incident or maintenance window changed, so every
	// node reloads its overlay and its cached pages.
	ChannelOverlay = "ampel_overlay"
	// ChannelInbox: a node stored an agent's push or a heartbeat call for
	// the leader to apply.
	ChannelInbox = "ampel_inbox"
)

// notify sends a notification on channel from inside tx: PostgreSQL
// delivers it when tx commits, and never when it rolls back. Its payload
// is the sender's clock in Unix ms, so a listener can tell how late it
// hears (see NotifiedAt). On SQLite, where one process is everything, it
// does nothing.
func (s *Store) notify(ctx context.Context, tx *sql.Tx, channel string) error {
	if s.d != postgresDialect {
		return nil
	}
	at := strconv.FormatInt(time.Now().UnixMilli(), 10)
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify(?1, ?2)`, channel, at); err != nil {
		return fmt.Errorf("notify %s: %w", channel, err)
	}
	return nil
}

// ListenOptions tune Listen. Zero values take the defaults.
type ListenOptions struct {
	// Logger receives the loss and the return of the connection;
	// default: discard.
	Logger *slog.Logger
	// Ping is how long the connection may stay silent before it is
	// pinged, so a connection cut without a word (a partition, a paused
	// proxy) is noticed; default 10s.
	Ping time.Duration
	// RetryMax bounds the backoff between attempts to reconnect (from
	// 100ms); default 2s.
	RetryMax time.Duration
}

// Listen runs until ctx ends: it listens on channels over a connection of
// its own (LISTEN holds a session, which a pooled connection does not
// keep), and calls wake with the channel and payload of every
// notification. After every connect, the first and each reconnect, it
// calls wake("", "") once:
// notifications sent while nobody listened are gone, so the caller
// catches up by reading what changed since what it last applied. wake
// runs on Listen's goroutine and should return quickly.
//
// On SQLite, where nobody else writes, Listen only waits for ctx.
func (s *Store) Listen(ctx context.Context, opts ListenOptions, wake func(channel, payload string), channels ...string) {
	if s.pgcfg == nil {
		<-ctx.Done()
		return
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Ping <= 0 {
		opts.Ping = 10 * time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 2 * time.Second
	}
	const retryMin = 100 * time.Millisecond
	wait, lost := retryMin, false
	for ctx.Err() == nil {
		connected, err := s.listenOnce(ctx, opts.Ping, wake, channels)
		if ctx.Err() != nil {
			return
		}
		if connected {
			wait = retryMin
		}
		if !lost {
			opts.Logger.Warn("listen connection lost", "channels", channels, "err", err)
			lost = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, opts.RetryMax)
		if connected {
			lost = false
		}
	}
}

// listenOnce connects, listens and waits for notifications until the
// connection fails; connected says whether it got as far as listening.
func (s *Store) listenOnce(ctx context.Context, ping time.Duration, wake func(channel, payload string), channels []string) (connected bool, err error) {
	cfg := s.pgcfg.Copy()
	// Named, so an operator can tell it in pg_stat_activity.
	cfg.RuntimeParams["application_name"] = "ampel listen"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("store: listen: connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(closeCtx)
	}()
	for _, ch := range channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return false, fmt.Errorf("store: listen on %s: %w", ch, err)
		}
	}
	wake("", "")
	for {
		waitCtx, cancel := context.WithTimeout(ctx, ping)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			wake(n.Channel, n.Payload)
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			// Silence: make sure the connection still answers.
			pingCtx, cancel := context.WithTimeout(ctx, ping)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return true, fmt.Errorf("store: listen: ping: %w", err)
			}
		default:
			return true, fmt.Errorf("store: listen: %w", err)
		}
	}
}

// NotifiedAt reads the sender's clock from a notification's payload; ok
// is false for an empty or foreign payload.
func NotifiedAt(payload string) (at time.Time, ok bool) {
	v, err := strconv.ParseInt(payload, 10, 64)
	if err != nil || v <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(v), true
}
