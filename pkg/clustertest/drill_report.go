package clustertest

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Report is what a drill measured.
type Report struct {
	Kills     int
	Failovers []time.Duration // kill to a new leader, per kill
	Load      LoadReport
	// Retried and Redispatched are the requests HAProxy retried after a
	// node failed them, and sent to another node: failures it hid.
	Retried, Redispatched int

	AgentProbes     int // probes of the agent the remote target answered before the end
	AgentLost       int // of those, not in the history
	AgentDuplicated int // results in the history more than once
	LocalResults    int
	DoubleProbes    int // local results of one check less than half an interval apart: two leaders probing

	FalseChanges []string // state changes after settling to anything but up or no data
	NoDataGaps   int      // changes to no data after settling: the failover gaps

	Mails, ExpectedMails, DuplicateMails, MissingMails int

	Leaders int // nodes leading at the end
}

// KillLeader posts an incident update (so mail is in flight), kills the
// leader with SIGKILL, and returns the time until another node leads.
// It then starts the killed node again and waits until HAProxy has it.
func (d *Drill) KillLeader(ctx context.Context) (time.Duration, error) {
	leader, err := d.C.WaitLeader(ctx)
	if err != nil {
		return 0, err
	}
	if err := d.PostUpdate(ctx); err != nil {
		return 0, err
	}
	killed := time.Now()
	if err := leader.Kill(); err != nil {
		return 0, err
	}
	if _, err := d.C.WaitLeader(ctx, leader); err != nil {
		return 0, err
	}
	failover := time.Since(killed)
	if err := leader.Start(); err != nil {
		return 0, err
	}
	return failover, d.C.WaitReady(ctx)
}

// Finish stops the load, waits (within ctx) for the agent's results and
// the mails to arrive, and measures.
func (d *Drill) Finish(ctx context.Context, failovers []time.Duration) (Report, error) {
	r := Report{Kills: len(failovers), Failovers: failovers}
	r.Load = d.Load.Stop()
	d.Load = nil
	end := time.Now()
	r.Leaders = len(d.C.Leaders())
	r.Retried, r.Redispatched, _ = d.C.LB.Retries()

	st, err := store.OpenPostgres(ctx, d.C.DSN, store.PostgresOptions{MaxReadConns: 2})
	if err != nil {
		return r, err
	}
	defer st.Close()
	// The agent's results before the end arrive: it pushes every second
	// or so, and retries what a dead node did not take.
	waitFor(ctx, nil, func() bool { d.agentResults(ctx, st, end, &r); return r.AgentLost == 0 })
	d.agentResults(ctx, st, end, &r)
	if err := d.localResults(ctx, st, end, &r); err != nil {
		return r, err
	}
	if err := d.changes(ctx, st, end, &r); err != nil {
		return r, err
	}
	r.ExpectedMails = d.updates * d.opts.Subscribers
	waitFor(ctx, nil, func() bool { d.mails(&r); return r.MissingMails == 0 })
	d.mails(&r)
	return r, nil
}

// agentResults matches every answered agent probe to a stored result
// (the nearest within half a second: one probe a second per check).
func (d *Drill) agentResults(ctx context.Context, st *store.Store, end time.Time, r *Report) {
	r.AgentProbes, r.AgentLost, r.AgentDuplicated = 0, 0, 0
	d.hitsMu.Lock()
	hits := map[string][]time.Time{}
	for check, ts := range d.hits {
		hits[check] = slices.Clone(ts)
	}
	d.hitsMu.Unlock()
	for i := range d.opts.AgentChecks {
		check := fmt.Sprintf("edge-%d", i+1)
		res, err := st.Results(ctx, check, d.start.Add(-time.Minute), end.Add(time.Minute), 1_000_000)
		if err != nil {
			r.AgentLost = -1
			return
		}
		var starts []time.Time
		seen := map[time.Time]bool{}
		for _, x := range res {
			if seen[x.Start] {
				r.AgentDuplicated++
				continue
			}
			seen[x.Start] = true
			starts = append(starts, x.Start)
		}
		slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
		used := make([]bool, len(starts))
		for _, h := range hits[check] {
			if h.After(end) {
				continue
			}
			r.AgentProbes++
			if !match(starts, used, h) {
				r.AgentLost++
			}
		}
	}
}

// match marks the unused start nearest before hit (within 500 ms) used.
func match(starts []time.Time, used []bool, hit time.Time) bool {
	i, _ := slices.BinarySearchFunc(starts, hit, func(a, b time.Time) int { return a.Compare(b) })
	for j := min(i, len(starts)-1); j >= 0 && hit.Sub(starts[j]) < 500*time.Millisecond; j-- {
		if !used[j] && hit.Sub(starts[j]) > -500*time.Millisecond {
			used[j] = true
			return true
		}
	}
	return false
}

// localResults counts the local results and those of one check closer
// together than half its interval, which only two leaders probing at
// once would write.
func (d *Drill) localResults(ctx context.Context, st *store.Store, end time.Time, r *Report) error {
	for i := range d.opts.Checks {
		res, err := st.Results(ctx, fmt.Sprintf("c%02d-health", i+1), d.start.Add(-time.Minute), end.Add(time.Minute), 1_000_000)
		if err != nil {
			return err
		}
		r.LocalResults += len(res)
		slices.SortFunc(res, func(a, b status.Result) int { return a.Start.Compare(b.Start) })
		for j := 1; j < len(res); j++ {
			if res[j].Start.Sub(res[j-1].Start) < 500*time.Millisecond {
				r.DoubleProbes++
			}
		}
	}
	return nil
}

// changes lists the state changes after settling: to no data (a gap) is
// expected around a failover, anything else but up is a false change.
func (d *Drill) changes(ctx context.Context, st *store.Store, end time.Time, r *Report) error {
	subjects := map[status.Kind][]string{status.Component: {"edge"}, status.Check: nil}
	for i := range d.opts.Checks {
		subjects[status.Component] = append(subjects[status.Component], fmt.Sprintf("c%02d", i+1))
		subjects[status.Check] = append(subjects[status.Check], fmt.Sprintf("c%02d-health", i+1))
	}
	for i := range d.opts.AgentChecks {
		subjects[status.Check] = append(subjects[status.Check], fmt.Sprintf("edge-%d", i+1))
	}
	for kind, names := range subjects {
		for _, name := range names {
			cs, err := st.Changes(ctx, kind, name, d.settled, end.Add(time.Minute))
			if err != nil {
				return err
			}
			for _, c := range cs {
				switch c.To {
				case status.Up:
				case status.NoData:
					r.NoDataGaps++
				default:
					r.FalseChanges = append(r.FalseChanges, fmt.Sprintf("%s %s %s: %s>%s (%s)", c.At.UTC().Format("15:04:05.000"), kind, name, c.From, c.To, c.Cause))
				}
			}
		}
	}
	return nil
}

// mails counts the mails received by Message-ID: one per (update,
// subscriber) expected, a repeat is a duplicate.
func (d *Drill) mails(r *Report) {
	ids := map[string]int{}
	msgs := d.SMTP.Messages()
	for _, m := range msgs {
		id := string(m.Data)
		if parsed, err := mail.ReadMessage(strings.NewReader(string(m.Data))); err == nil {
			id = parsed.Header.Get("Message-Id")
		}
		ids[id]++
	}
	r.Mails = len(msgs)
	r.DuplicateMails = len(msgs) - len(ids)
	r.MissingMails = max(r.ExpectedMails-len(ids), 0)
}

// seedSubscribers adds opts.Subscribers confirmed subscribers to every
// component.
func (d *Drill) seedSubscribers(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, d.C.DSN)
	if err != nil {
		return fmt.Errorf("clustertest: seed subscribers: %w", err)
	}
	defer conn.Close(ctx)
	now := time.Now().UnixMilli()
	for i := range d.opts.Subscribers {
		if _, err := conn.Exec(ctx, `INSERT INTO subscribers (email, created_at_ms, confirmed_at_ms) VALUES ($1, $2, $2)`,
			fmt.Sprintf("s%04d@example.org", i), now); err != nil {
			return fmt.Errorf("clustertest: seed subscribers: %w", err)
		}
	}
	return nil
}

// Median is the middle of ds (the mean of the middle two).
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// String prints the figures, one a line.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kills:                     %d\n", r.Kills)
	if len(r.Failovers) > 0 {
		fmt.Fprintf(&b, "failover time:             median %s, max %s\n", Median(r.Failovers).Round(time.Millisecond), slices.Max(r.Failovers).Round(time.Millisecond))
	}
	fmt.Fprintf(&b, "public requests (HAProxy): %d, failed %d (HAProxy retried %d, on another node %d)\n", r.Load.Requests, r.Load.Failed, r.Retried, r.Redispatched)
	fmt.Fprintf(&b, "agent results:             %d probed, %d lost, %d duplicated\n", r.AgentProbes, r.AgentLost, r.AgentDuplicated)
	fmt.Fprintf(&b, "local results:             %d, %d probed twice (two leaders)\n", r.LocalResults, r.DoubleProbes)
	fmt.Fprintf(&b, "false state changes:       %d in the history, %d component reads not operational\n", len(r.FalseChanges), r.Load.NotOperational)
	fmt.Fprintf(&b, "no-data gaps recorded:     %d\n", r.NoDataGaps)
	fmt.Fprintf(&b, "mails:                     %d of %d expected, %d duplicates, %d missing\n", r.Mails, r.ExpectedMails, r.DuplicateMails, r.MissingMails)
	fmt.Fprintf(&b, "leaders at the end:        %d\n", r.Leaders)
	for _, f := range r.Load.Failures {
		fmt.Fprintf(&b, "  failed: %s\n", f)
	}
	for _, f := range r.Load.NotOperationalSeen {
		fmt.Fprintf(&b, "  not operational: %s\n", f)
	}
	for _, f := range r.FalseChanges {
		fmt.Fprintf(&b, "  false change: %s\n", f)
	}
	return b.String()
}
