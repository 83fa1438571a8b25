package alert

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Notices keeps the latest operator notice (status.Result.Notice: a
// certificate expiring soon) of each check, per zone and instance, from
// the results ingest sees, and makes a Condition of each check: the
// operators hear of it, the status page does not. Safe for concurrent
// use.
type Notices struct {
	mu sync.Mutex
	// by maps a check to "zone/instance" to the notice of its latest
	// judged result ("" for none); a check is in it once a result of it
	// was judged. Guarded by mu.
	by map[string]map[string]string
}

// NewNotices returns an empty set.
func NewNotices() *Notices {
	return &Notices{by: map[string]map[string]string{}}
}

// Observe takes a result in. Only a result that got an answer (up or
// degraded) says whether the notice still holds: a target that is down
// or a probe that could not run says nothing about its certificate, and
// must not end the notice only for it to start again on recovery.
func (n *Notices) Observe(r status.Result) {
	if r.Outcome != status.Up && r.Outcome != status.Degraded {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	m := n.by[r.Check]
	if m == nil {
		m = map[string]string{}
		n.by[r.Check] = m
	}
	m[r.Zone+"/"+r.Instance] = r.Notice
}

// NoticeKey is the Condition key of a check's notices.
func NoticeKey(check string) string { return "notice-" + check }

// Conditions returns one condition per check with a judged result: bad
// while any zone or instance has a notice. A check not yet judged since
// the start (or the takeover) has none, so an alert that went out before
// is neither ended nor sent again until a result says which.
func (n *Notices) Conditions() []Condition {
	n.mu.Lock()
	checks := make([]string, 0, len(n.by))
	for c := range n.by {
		checks = append(checks, c)
	}
	n.mu.Unlock()
	slices.Sort(checks)
	out := make([]Condition, 0, len(checks))
	for _, c := range checks {
		out = append(out, Condition{Key: NoticeKey(c), Check: func() (bool, string) { return n.state(c) }})
	}
	return out
}

// state is whether check has a notice anywhere, and the first (by zone
// and instance) with where it was seen.
func (n *Notices) state(check string) (bool, string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	m := n.by[check]
	where := make([]string, 0, len(m))
	for w, notice := range m {
		if notice != "" {
			where = append(where, w)
		}
	}
	if len(where) == 0 {
		return false, check + ": no notice any more"
	}
	slices.Sort(where)
	zone, inst, _ := strings.Cut(where[0], "/") // zones are slugs: no slash
	cause := fmt.Sprintf("%s: %s (zone %s", check, m[where[0]], zone)
	if inst != "" {
		cause += ", " + inst
	}
	if len(where) > 1 {
		cause += fmt.Sprintf(", and %d more", len(where)-1)
	}
	return true, cause + ")"
}
