package autoincident

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

// BenchmarkPeriodicPass is the pass ampel serve makes every few seconds
// over 200 components with automation, all up, none with an incident: its
// cost is the floor automation adds to a quiet server.
func BenchmarkPeriodicPass(b *testing.B) {
	var doc strings.Builder
	for i := range 200 {
		fmt.Fprintf(&doc, "[[components]]\nslug = \"c%d\"\nname = \"C%d\"\n  [components.auto_incident]\n"+
			"  [[components.checks]]\n  name = \"k%d\"\n  kind = \"http\"\n  target = \"http://127.0.0.1:1/\"\n", i, i, i)
	}
	cfg, err := config.Parse(filepath.Join(b.TempDir(), "a.toml"), []byte(doc.String()), []string{"http"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "ampel.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng := state.New(cfg)
	for i := range 200 {
		eng.Apply(status.Result{Check: fmt.Sprintf("k%d", i), Zone: "local", Start: t0, Outcome: status.Up})
	}
	a := New(cfg, eng, st, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	for b.Loop() {
		if n, err := a.Evaluate(ctx, a.order, t0); err != nil || n != 0 {
			b.Fatalf("%d changes, %v", n, err)
		}
	}
}
