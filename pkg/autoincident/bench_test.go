package autoincident

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/pgtest"
	"github.com/ampelstatus/ampel/pkg/state"
	"github.com/ampelstatus/ampel/pkg/status"
	"github.com/ampelstatus/ampel/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// BenchmarkPeriodicPass is the pass ampel serve makes every few seconds
// over every component with automation, all up, none with an incident:
// its cost is the floor automation adds to a quiet server. 1,000
// components of 100 checks is the 100,000-check fleet.
func BenchmarkPeriodicPass(b *testing.B) {
	for _, n := range []int{200, 1000} {
		for _, db := range []string{"sqlite", "postgres"} {
			b.Run(fmt.Sprintf("%s/components=%d", db, n), func(b *testing.B) { benchPass(b, db, n) })
		}
	}
}

func benchPass(b *testing.B, db string, n int) {
	var doc strings.Builder
	for i := range n {
		fmt.Fprintf(&doc, "[[components]]\nslug = \"c%d\"\nname = \"C%d\"\n  [components.auto_incident]\n"+
			"  [[components.checks]]\n  name = \"k%d\"\n  kind = \"http\"\n  target = \"http://127.0.0.1:1/\"\n", i, i, i)
	}
	cfg, err := config.Parse(filepath.Join(b.TempDir(), "a.toml"), []byte(doc.String()), []string{"http"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var st *store.Store
	if db == "postgres" {
		st, err = store.OpenPostgres(ctx, pgtest.DB(b), store.PostgresOptions{})
	} else {
		st, err = store.Open(ctx, filepath.Join(b.TempDir(), "ampel.db"))
	}
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng := state.New(cfg)
	for i := range n {
		eng.Apply(status.Result{Check: fmt.Sprintf("k%d", i), Zone: "local", Start: t0, Outcome: status.Up})
	}
	a := New(cfg, eng, st, slog.New(slog.DiscardHandler))
	for b.Loop() {
		if n, err := a.Evaluate(ctx, a.order, t0); err != nil || n != 0 {
			b.Fatalf("%d changes, %v", n, err)
		}
	}
}
