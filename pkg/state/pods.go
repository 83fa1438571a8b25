package state

import (
	"slices"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Pod is the last result of one instance of a pod set in one zone.
type Pod struct {
	Instance string
	Outcome  status.Level
	Reason   string
	Start    time.Time
}

// pod keeps the last result of an instance, and forgets instances not
// probed since the set's last result: they left discovery (retired).
// Called with mu held.
func (z *zoneState) pod(r status.Result) {
	if z.pods == nil {
		z.pods = map[string]status.Result{}
	}
	if old, ok := z.pods[r.Instance]; ok && r.Start.Before(old.Start) {
		return
	}
	z.pods[r.Instance] = r
	for id, p := range z.pods {
		if p.Start.Before(z.seen) {
			delete(z.pods, id)
		}
	}
}

// podViews lists, by id, the instances probed in the set's latest run:
// a run records each instance before the set's own result, so an instance
// older than that result was not in it. Called with mu held (read).
func (z *zoneState) podViews() []Pod {
	var out []Pod
	for id, r := range z.pods {
		if r.Start.Before(z.seen) {
			continue
		}
		out = append(out, Pod{Instance: id, Outcome: r.Outcome, Reason: r.Reason, Start: r.Start})
	}
	slices.SortFunc(out, func(a, b Pod) int { return strings.Compare(a.Instance, b.Instance) })
	return out
}
