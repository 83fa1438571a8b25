package ingest

import (
	"time"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
)

// Override replaces what operators say about components (open incidents,
// maintenance in progress; see state.Engine.SetOverrides), records the
// component changes that causes, so history shows incident and
// maintenance time, and shows them to the observer with a zero Result.
func (in *Ingest) Override(o state.Overrides, at time.Time) []status.Change {
	in.mu.Lock()
	changes := in.engine.SetOverrides(o, at)
	if len(changes) > 0 {
		in.writer.Write(nil, changes)
	}
	in.mu.Unlock()
	if len(changes) > 0 && in.observer != nil {
		in.observer(status.Result{}, changes)
	}
	return changes
}
