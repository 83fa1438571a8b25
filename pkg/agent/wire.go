// Package agent is the remote probe agent: it pulls the checks of its zone
// from the server, runs them with the same probes and scheduler as the
// server, keeps every result in a disk spool and pushes them in batches
// until the server acknowledges them after commit. This file holds the
// wire format both sides use.
package agent

import (
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
)

// API paths.
const (
	ChecksPath  = "/api/v1/agent/checks"
	ResultsPath = "/api/v1/agent/results"
)

// Checks is the body of GET ChecksPath: the checks assigned to the zone,
// with secrets that were in files on the server inlined.
type Checks struct {
	Zone   string         `json:"zone"`
	Checks []config.Check `json:"checks"`
}

// MaxSeq is the largest sequence number an agent may send: 2^53-1, the
// largest integer every JSON reader holds exactly. At a million results a
// second an agent reaches it after 285 years.
const MaxSeq int64 = 1<<53 - 1

// Result is one probe result on the wire.
type Result struct {
	// Seq is the agent's sequence number, 1 to MaxSeq, increasing by one
	// per result; it is not in the spooled copy.
	Seq      int64     `json:"seq,omitempty"`
	Check    string    `json:"check"`
	Instance string    `json:"instance,omitempty"`
	Start    time.Time `json:"start"`
	// DurationUS is the round trip in microseconds.
	DurationUS int64 `json:"duration_us"`
	// Outcome is "up", "degraded" or "down"; "no_data" when the agent
	// could not probe for a reason of its own (out of descriptors).
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
	// Notice is the operators' notice (status.Result.Notice). Agents
	// older than it leave it out, which reads as none.
	Notice string `json:"notice,omitempty"`
	// Value is the measured number (status.Result.Value); absent when
	// the probe measured none.
	Value *float64 `json:"value,omitempty"`
}

// Push is the body of POST ResultsPath.
type Push struct {
	// Agent identifies the agent process (kept in its spool); sequence
	// numbers are per agent.
	Agent   string `json:"agent"`
	Zone    string `json:"zone"`
	Version string `json:"version,omitempty"`
	// SentAt is the agent's clock when it sent the push.
	SentAt time.Time `json:"sent_at"`
	// SpoolDepth is how many results wait in the spool, this batch
	// included; SpoolDropped how many the spool ever dropped at its bound.
	SpoolDepth   int64    `json:"spool_depth"`
	SpoolDropped int64    `json:"spool_dropped"`
	Results      []Result `json:"results"`
}

// Ack is the answer to a push: every sequence up to Acked is committed.
type Ack struct {
	Acked      int64     `json:"acked"`
	ServerTime time.Time `json:"server_time"`
}

// MaxPushResults is the most results one push may carry.
const MaxPushResults = 5000
