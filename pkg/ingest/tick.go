package ingest

import (
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// Tick moves zones whose results stopped arriving to no data (see
// state.Engine.Tick), records those changes and shows them to the
// observer with a zero Result. Call it every second.
func (in *Ingest) Tick(now time.Time) {
	in.mu.Lock()
	changes := in.engine.Tick(now)
	if len(changes) > 0 {
		in.writer.Write(nil, changes)
	}
	in.mu.Unlock()
	if len(changes) > 0 && in.observer != nil {
		in.observer(status.Result{}, changes)
	}
}
