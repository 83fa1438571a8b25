package main

import (
	"strconv"
	"time"

	"github.com/ampelstatus/ampel/pkg/live"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/ui"
)

// liveReplay is how many page updates /events keeps for clients that
// reconnect, as many as fit in live.DefaultMaxBytes (8 MiB: about 78
// whole-page updates at 1,000 components).
const liveReplay = 1024

// liveFeed returns the feed behind /events and the page cache, and an
// ingest observer that feeds it after observe (the metrics) has seen each
// result.
func liveFeed(engine *state.Engine, observe func(status.Result, []status.Change)) (*ui.Feed, func(status.Result, []status.Change)) {
	// The epoch tells a browser that reconnects after a restart that its
	// last event id means nothing here any more.
	hub := live.New(strconv.FormatInt(time.Now().UnixMilli(), 36), liveReplay)
	feed := ui.NewFeed(engine, hub)
	return feed, func(r status.Result, changes []status.Change) {
		observe(r, changes)
		feed.Observe(r, changes)
	}
}
