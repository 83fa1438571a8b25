package ui

import (
	"testing"

	"github.com/ampelstatus/ampel/pkg/live"
	"github.com/ampelstatus/ampel/pkg/state"
)

// TestFeedTouch: a change the state does not see (automation editing an
// incident) still moves the page cache's version.
func TestFeedTouch(t *testing.T) {
	f := NewFeed(state.New(siteConfig(t)), live.New("e", 8))
	before := f.Revision()
	f.Touch()
	if got := f.Revision(); got != before+1 {
		t.Errorf("revision %d after Touch, want %d", got, before+1)
	}
}
