// Package remote is the server's side of remote zones: it authenticates
// agents by their zone token, hands each zone its checks, and accepts
// pushed results exactly once per agent and sequence number, answering
// only after they are committed.
package remote

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/ingest"
	"github.com/ampelstatus/ampel/store"
)

// MaxClockOffset is how far an agent's clock may differ from the server's
// before it is flagged, and how far in the future a result may start.
const MaxClockOffset = 30 * time.Second

// Options wire a Receiver.
type Options struct {
	Config *config.Config
	Store  *store.Store
	Writer *store.Writer
	Ingest *ingest.Ingest
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// OnPush, when set, sees every agent's row after a committed push
	// (metrics).
	OnPush func(store.Agent)
	// MaxQueued is the writer backlog beyond which pushes are refused with
	// 503 and Retry-After (default 200,000 results).
	MaxQueued int
	// Inbox, in a cluster, stores pushes in the store's inbox, deduplicated
	// by agent and sequence, and acknowledges them once committed there:
	// any node may receive them, and the leader applies them in order
	// (RunInbox). Writer and Ingest are then not used.
	Inbox bool
}

// Receiver serves the agent API's logic. It is safe for concurrent use.
type Receiver struct {
	opts   Options
	log    *slog.Logger
	checks map[string]zoneChecks // by remote zone name
	// runs holds each check in each remote zone it runs in.
	runs map[checkZone]bool

	mu      sync.Mutex
	agents  map[string]*agentState // guarded by mu
	stopped bool                   // guarded by mu
}

// Stop refuses pushes from now on (503, retry later): the server is
// shutting down and has recorded that observation ended. Safe on nil.
func (r *Receiver) Stop() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
}

// agentState serialises one agent's pushes and remembers its acknowledged
// sequence.
type agentState struct {
	mu     sync.Mutex
	loaded bool
	zone   string
	acked  int64
	skewed bool // logged as skewed; logged again once it is back
}

// Error is a refusal for the HTTP layer to answer: a status, a message
// safe to show the agent, the field at fault, and for 429/503 how long to
// wait.
type Error struct {
	Status     int
	Msg, Field string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Msg) }

func refuse(status int, field, format string, args ...any) *Error {
	return &Error{Status: status, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// New prepares a Receiver: it builds every remote zone's check list now,
// reading the secret files they name, so a missing file fails at start.
func New(opts Options) (*Receiver, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = 200_000
	}
	checks, runs, err := buildZoneChecks(opts.Config)
	if err != nil {
		return nil, err
	}
	return &Receiver{opts: opts, log: opts.Logger, agents: map[string]*agentState{}, checks: checks, runs: runs}, nil
}

var errUnavailable = &Error{Status: http.StatusServiceUnavailable, Msg: "the server cannot record results right now", RetryAfter: 2 * time.Second}
