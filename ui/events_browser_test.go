package ui

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// navWait bounds one navigation: a page that waits for a connection
// held by a page it no longer shows never completes.
const navWait = 15 * time.Second

// TestBackForwardCache: with the back/forward cache on, as browsers ship
// it, a visitor clicks through 20 pages in one tab (two pages in turn,
// then back and forward): every navigation completes, and the page shown
// has its live stream open again. A page kept in the cache must not hold
// its /events stream: six of them would use up the browser's connections
// to the host over HTTP/1.1, and the next page would hang.
func TestBackForwardCache(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	tab := startChromiumWith(t, true)
	pages := []string{"/", "/history"}

	type step struct {
		how  string // "go", "back" or "forward"
		want string // the page shown after it
	}
	var steps []step
	for i := range 12 {
		steps = append(steps, step{"go", fmt.Sprintf("%s?visit=%d", pages[i%2], i)})
	}
	for i := 10; i >= 7; i-- {
		steps = append(steps, step{"back", fmt.Sprintf("%s?visit=%d", pages[i%2], i)})
	}
	for i := 8; i <= 11; i++ {
		steps = append(steps, step{"forward", fmt.Sprintf("%s?visit=%d", pages[i%2], i)})
	}
	for n, s := range steps {
		ctx, cancel := context.WithTimeout(tab, navWait)
		var err error
		switch s.how {
		case "go":
			_, err = chromedp.Run(ctx, chromedp.Navigate(srv.URL+s.want))
		case "back":
			err = goHistory(ctx, -1)
		case "forward":
			err = goHistory(ctx, +1)
		}
		if err == nil {
			err = shown(ctx, srv.URL+s.want)
		}
		cancel()
		if err != nil {
			where, _ := chromedp.Run(tab, chromedp.Evaluate[string](`location.href + " " + document.readyState + " classes=" + document.documentElement.className`))
			t.Fatalf("navigation %d (%s to %s) did not complete within %v: %v (shown: %s)", n+1, s.how, s.want, navWait, err, where)
		}
	}
	if len(steps) != 20 {
		t.Fatalf("%d navigations, want 20", len(steps))
	}
}

// goHistory moves by one entry in the tab's history (back or forward, as
// the browser's buttons do) without waiting for a load: a page restored
// from the back/forward cache does not load again.
func goHistory(ctx context.Context, by int64) error {
	h, err := chromedp.Run(ctx, chromedp.NavigationEntries())
	if err != nil {
		return err
	}
	i := h.CurrentIndex + by
	if i < 0 || i >= int64(len(h.Entries)) {
		return fmt.Errorf("no history entry %d of %d", i, len(h.Entries))
	}
	_, err = chromedp.Call(ctx, cdppage.NavigateToHistoryEntry, cdppage.NavigateToHistoryEntryParams{EntryID: h.Entries[i].ID})
	return err
}

// shown waits until the tab shows url, loaded, with its live stream
// open (the script marks the page js-live when the stream opens). It
// asks from here, one short evaluation at a time: a poll running inside
// the page would freeze with it when the page goes into the cache.
func shown(ctx context.Context, url string) error {
	cond := fmt.Sprintf(`location.href === %q && document.readyState === "complete" && document.documentElement.classList.contains("js-live")`, url)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ask, cancel := context.WithTimeout(ctx, time.Second)
		ok, err := chromedp.Run(ask, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}
