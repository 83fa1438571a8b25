package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ampelstatus/ampel/pkg/spool"
	"github.com/ampelstatus/ampel/pkg/status"
)

// Options configure an Agent. Server, Zone, Token and SpoolDir are
// required.
type Options struct {
	Server, Zone, Token string
	SpoolDir            string
	Spool               spool.Options
	// PullInterval is how often the checks are re-pulled (default 30s).
	PullInterval time.Duration
	// BatchSize is the most results per push (default 500).
	BatchSize int
	// PushGap is the least time from one push to the next unless a full
	// batch waits (default 250ms): at a thousand results a second,
	// pushing each as it is spooled costs the server more than storing
	// the results. It delays no result by more than itself.
	PushGap time.Duration
	// MaxConcurrent caps probes running at once; when 0, one second's
	// worth of the checks' runs, 256 to 4,096 (config.ProbePool).
	MaxConcurrent int
	// OnStart is told how late each probe run started against its due
	// time, and OnSkip of each run skipped; both optional.
	OnStart func(lag time.Duration)
	OnSkip  func()
	Version string
	Logger  *slog.Logger
	// HTTPClient talks to the server; a client with a 30s timeout when nil.
	HTTPClient *http.Client
}

// Agent runs one zone's checks and ships their results.
type Agent struct {
	opts   Options
	log    *slog.Logger
	spool  *spool.Spool
	client *client
	// results carries results from the scheduler to the spool writer.
	results chan status.Result
	// spooled is signalled after each append, waking the pusher.
	spooled chan struct{}
	// mu guards closed: a probe abandoned at shutdown may finish after
	// the results channel is closed.
	mu     sync.Mutex
	closed bool
}

// ErrRefused is returned by Run when the server refuses the token or the
// agent itself: retrying cannot help until an operator fixes it.
var ErrRefused = errors.New("the server refused this agent's token")

// New opens the spool and prepares the agent.
func New(opts Options) (*Agent, error) {
	if opts.Server == "" || opts.Zone == "" || opts.Token == "" || opts.SpoolDir == "" {
		return nil, errors.New("agent: server, zone, token and spool folder are required")
	}
	if opts.PullInterval <= 0 {
		opts.PullInterval = 30 * time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	opts.BatchSize = min(opts.BatchSize, MaxPushResults)
	if opts.PushGap <= 0 {
		opts.PushGap = 250 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	sp, err := spool.Open(opts.SpoolDir, opts.Spool)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	a := &Agent{
		opts: opts, log: opts.Logger.With("zone", opts.Zone, "agent", sp.ID()), spool: sp,
		client: &client{
			base: strings.TrimRight(opts.Server, "/"), zone: opts.Zone, token: opts.Token,
			http: opts.HTTPClient, ua: "ampel-agent/" + opts.Version + " (zone " + opts.Zone + ")",
		},
		results: make(chan status.Result, 4096),
		spooled: make(chan struct{}, 1),
	}
	return a, nil
}

// Spool returns the agent's spool, for its counters.
func (a *Agent) Spool() *spool.Spool { return a.spool }

// Run probes and pushes until ctx ends, then stops the probes, spools
// what they produced and tries once more, for a few seconds, to push what
// is left; the rest stays in the spool for the next start. It returns
// ErrRefused (wrapped) when the server refuses the token.
func (a *Agent) Run(ctx context.Context) error {
	defer a.spool.Close()
	fatal := make(chan error, 2)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	spoolDone := make(chan struct{})
	go func() { a.writeSpool(); close(spoolDone) }()
	pushCtx, stopPush := context.WithCancel(context.Background())
	pushDone := make(chan struct{})
	go func() {
		defer close(pushDone)
		if err := a.pushLoop(pushCtx, ctx); err != nil {
			fatal <- err
			cancel()
		}
	}()

	a.log.Info("agent started", "server", a.opts.Server, "spool", a.opts.SpoolDir)
	err := a.runChecks(ctx)
	if err != nil {
		fatal <- err
	}
	a.mu.Lock()
	a.closed = true
	close(a.results)
	a.mu.Unlock()
	<-spoolDone
	// The pusher sees ctx end and makes its last attempt.
	cancel()
	select {
	case <-pushDone:
	case <-time.After(10 * time.Second):
		stopPush()
		<-pushDone
	}
	stopPush()
	st := a.spool.Stats()
	a.log.Info("agent stopped", "spooled", st.Depth, "last_seq", st.LastSeq, "acked", st.Acked, "dropped", st.Dropped)
	select {
	case err := <-fatal:
		return err
	default:
		return nil
	}
}

// emit hands a result from the scheduler to the spool writer.
func (a *Agent) emit(r status.Result) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.closed {
		a.results <- r
	}
}

// writeSpool appends results to the spool, as many as are waiting in one
// synced write, until the results channel is closed.
func (a *Agent) writeSpool() {
	var batch [][]byte
	for r := range a.results {
		batch = append(batch[:0], encodeResult(r))
	drain:
		for len(batch) < 1000 {
			select {
			case r, ok := <-a.results:
				if !ok {
					break drain
				}
				batch = append(batch, encodeResult(r))
			default:
				break drain
			}
		}
		if _, err := a.spool.Append(batch...); err != nil {
			a.log.Error("agent: results lost: cannot write the spool", "err", err, "results", len(batch))
			continue
		}
		select {
		case a.spooled <- struct{}{}:
		default:
		}
	}
}
