// Package connlimit keeps inbound connections from starving the rest of
// the process: it derives how many connections and event streams the
// server may hold from the file-descriptor limit, keeping a reserve for
// probes, the store and mail, and it provides a listener that refuses
// connections past those caps, per client and in all.
package connlimit

import (
	"fmt"
	"syscall"
)

// Budget is how the process's file descriptors are shared out.
type Budget struct {
	// Files is the descriptor limit (RLIMIT_NOFILE's soft limit after
	// raising it to the hard limit).
	Files int
	// Reserve is kept for everything but inbound connections: probes,
	// the store, mail, backups, logs, and the refusals themselves.
	Reserve int
	// Connections caps inbound connections in all.
	Connections int
	// PerClient caps one client's connections (see Key).
	PerClient int
	// Streams caps open /events streams in all: fewer than Connections,
	// so pages and /healthz keep a share of the connections when the
	// streams are full.
	Streams int
	// StreamsPerClient caps one client's /events streams.
	StreamsPerClient int
}

// Plan shares out files descriptors for a process that runs up to probes
// probes at once and lets one client hold streamsPerClient streams.
//
// The reserve covers each probe twice (its connection and a resolver's
// socket or an idle keep-alive), the store's connections (each holds the
// database, its WAL and its shared memory), mail, backups and
// logs. Inbound connections get the rest; an eighth of them (at least
// 16) is kept from the streams for pages and /healthz; one client may
// hold an eighth of all connections, so no single client can fill them.
// A limit too low for the reserve is split in half, and the caller
// should warn.
func Plan(files, probes, streamsPerClient int) Budget {
	b := Budget{Files: files, Reserve: 128 + 2*probes, StreamsPerClient: max(streamsPerClient, 1)}
	if files-b.Reserve < minConnections {
		b.Reserve = files / 2
	}
	b.Connections = max(files-b.Reserve, 1)
	b.Streams = max(b.Connections-max(b.Connections/8, 16), 1)
	b.PerClient = max(b.Connections/8, 2*b.StreamsPerClient)
	b.StreamsPerClient = min(b.StreamsPerClient, b.Streams)
	return b
}

// minConnections is the fewest inbound connections worth serving with:
// below it, the reserve gives way.
const minConnections = 64

// Starved reports whether the reserve had to give way to inbound
// connections: the limit is too low for the configured probes.
func (b Budget) Starved(probes int) bool { return b.Reserve < 128+2*probes }

// RaiseFiles raises the soft descriptor limit to the hard limit, where
// allowed, and returns the soft limit in force. (Go's runtime already
// raises it at start on Linux; this makes it so everywhere and reads
// the result.)
func RaiseFiles() (int, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read the descriptor limit: %w", err)
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = raised.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			lim = raised
		}
	}
	// RLIM_INFINITY and huge limits: a budget beyond what a map of
	// counters and the kernel will give is no budget; cap it.
	return int(min(lim.Cur, maxFiles)), nil
}

// maxFiles bounds the limit taken into account.
const maxFiles = 1 << 24
