package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// TestGroupCountSingular: a group of one says "1 component".
func TestGroupCountSingular(t *testing.T) {
	cfg := siteConfig(t)
	cfg.Components[2].Group = "Guides"
	h := New(Deps{Config: cfg, Engine: state.New(cfg), Gatherer: prometheus.NewRegistry(), Health: func() error { return nil },
		Now: func() time.Time { return t0 }, Started: t0})
	body := get(h, "/", "192.0.2.1:1", nil).Body.String()
	contains(t, "home", body, `<span class="count">1 component</span>`, `<span class="count">2 components</span>`)
	lacks(t, "home", body, "1 components")
}

// TestRecentChangesFold: a flapping component's page lists its newest
// changes and folds the earlier ones, counted, into a details element
// that opens without JavaScript.
func TestRecentChangesFold(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	h, set := clockedSite(t, f)
	at := t0
	for i := range 12 {
		level := status.Down
		if i%2 == 1 {
			level = status.Up
		}
		at = t0.Add(time.Duration(i+1) * time.Minute)
		for _, zone := range []string{"eu", "us"} {
			f.in.Handle(result("api-health", zone, at, 50*time.Millisecond, level))
		}
	}
	if err := f.writer.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	set(at.Add(time.Minute))
	body := getBody(t, h, "/components/api")
	_, changes, ok := strings.Cut(body, `id="changes-title"`)
	if !ok {
		t.Fatal("no Recent changes section")
	}
	changes, _, _ = strings.Cut(changes, "</section>")
	open, folded, ok := strings.Cut(changes, `<details class="more-changes">`)
	if !ok {
		t.Fatalf("no folded changes in %s", changes)
	}
	if n := strings.Count(open, "<li>"); n != shownChanges {
		t.Errorf("%d changes open, want %d", n, shownChanges)
	}
	n := strings.Count(folded, "<li>")
	contains(t, "folded changes", folded, fmt.Sprintf("<summary>%d earlier changes</summary>", n))
	if n < 12-shownChanges {
		t.Errorf("%d changes folded, want at least %d", n, 12-shownChanges)
	}
}

// TestActorText: the audit log names people, tokens and Ampel's own
// actors once each, never "cli cli".
func TestActorText(t *testing.T) {
	for _, c := range []struct {
		a    store.Actor
		want string
	}{
		{store.Actor{Kind: store.ActorUser, Name: "ops@example.com"}, "ops@example.com"},
		{store.Actor{Kind: store.ActorToken, Name: "deploy bot"}, `API token "deploy bot"`},
		{store.Actor{Kind: store.ActorCLI, Name: "cli"}, "the command line"},
		{store.Actor{Kind: store.ActorCLI, Name: "cli:admin@example.com"}, "the command line (admin@example.com)"},
		{store.Actor{Kind: store.ActorCLI, Name: "ampel (scheduler)"}, "ampel (scheduler)"},
	} {
		if got := actorText(c.a); got != c.want {
			t.Errorf("%+v: %q, want %q", c.a, got, c.want)
		}
	}
}
