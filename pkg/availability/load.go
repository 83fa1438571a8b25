package availability

import (
	"context"

	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// Load reads a component's timeline over span from its raw state changes:
// the level it was in when the span began and every change within it.
func Load(ctx context.Context, st *store.Store, slug string, span Span) (Timeline, error) {
	tl := Timeline{From: span.From, To: span.To}
	var err error
	if tl.Start, tl.HasStart, err = st.ChangeBefore(ctx, status.Component, slug, span.From); err != nil {
		return tl, err
	}
	if span.To.After(span.From) {
		tl.Changes, err = st.Changes(ctx, status.Component, slug, span.From, span.To)
	}
	return tl, err
}
