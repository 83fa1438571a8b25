package notify

import (
	"fmt"
	"sync"
	"time"
)

// Refusals counts, minute by minute over the last hour, the mails the
// dispatcher delivered and those it gave up for good: bounced addresses,
// other permanent refusals, and mails given up after RetryFor of
// temporary failures (a relay that stayed away). The operators' alert on
// mail bouncing reads it. It lives in the leader's memory: a new leader
// starts counting afresh, which at worst delays that alert by the time
// it takes to see the refusals again. Safe for concurrent use.
type Refusals struct {
	mu      sync.Mutex
	minutes [60]refusalMinute
}

type refusalMinute struct {
	at            int64 // Unix minute the counts belong to
	sent, refused int
}

// add counts one mail delivered (refused false) or given up.
func (r *Refusals) add(now time.Time, refused bool) {
	if r == nil {
		return
	}
	m := now.Unix() / 60
	r.mu.Lock()
	defer r.mu.Unlock()
	b := &r.minutes[m%60]
	if b.at != m {
		*b = refusalMinute{at: m}
	}
	if refused {
		b.refused++
	} else {
		b.sent++
	}
}

// LastHour returns the mails delivered and given up in the hour up to now.
func (r *Refusals) LastHour(now time.Time) (sent, refused int) {
	m := now.Unix() / 60
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.minutes {
		if b.at > m-60 && b.at <= m {
			sent += b.sent
			refused += b.refused
		}
	}
	return sent, refused
}

// Bouncing is the alert's rule: at least atLeast mails given up in the last
// hour, and at least a tenth of those finished. A few bounces a day are
// normal on a long list; a tenth of the mail is a relay, a DNS or a
// reputation problem. cause says what is wrong or, when nothing is, that
// mail goes out again.
func (r *Refusals) Bouncing(now time.Time, atLeast int) (bad bool, cause string) {
	sent, refused := r.LastHour(now)
	if refused >= atLeast && refused*10 >= sent+refused {
		return true, fmt.Sprintf("%d of %d subscriber mails in the last hour were refused or given up (bounced addresses, a relay refusing or away): see the log's mail_bounced and mail_refused lines", refused, sent+refused)
	}
	return false, "subscriber mail goes out again"
}
