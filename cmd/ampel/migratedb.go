package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ampelstatus/ampel/pkg/availability"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/pkg/dbcopy"
	"github.com/ampelstatus/ampel/store"
)

// migrateDB runs "ampel migrate-db --config NEW.toml --from OLD.db": it
// copies a SQLite history into the empty PostgreSQL database NEW.toml
// names, then verifies the copy.
func migrateDB(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ampel migrate-db", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config naming the PostgreSQL database (storage.driver = \"postgres\")")
	from := fs.String("from", "", "the SQLite database to copy (ampel serve must be stopped)")
	chunk := fs.Int("chunk", dbcopy.DefaultChunk, "rows per transaction")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *cfgPath == "" || *from == "" || fs.NArg() > 0 || *chunk < 1 {
		fmt.Fprintln(stderr, "Usage: ampel migrate-db --config NEW.toml --from OLD.db [--chunk N]")
		return 2
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if !cfg.Storage.Postgres() {
		fmt.Fprintf(stderr, "ampel migrate-db: %s does not use PostgreSQL: set [storage] driver = \"postgres\" and dsn_file (see docs/operations.md)\n", *cfgPath)
		return 1
	}
	if err := runMigrateDB(ctx, cfg, *from, *chunk, stdout); err != nil {
		fmt.Fprintf(stderr, "ampel migrate-db: %v\n", err)
		return 1
	}
	return 0
}

func runMigrateDB(ctx context.Context, cfg *config.Config, from string, chunk int, stdout io.Writer) error {
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	// The lock keeps ampel serve (and restore) off the source while it is
	// read: a copy of a history still being written would not verify.
	lock, err := store.AcquireLock(from)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%s is in use: %w; stop ampel serve first", from, err)
	}
	if err != nil {
		return err
	}
	defer lock.Release()
	src, err := store.Open(ctx, from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openPostgres(ctx, cfg)
	if err != nil {
		return err
	}
	defer dst.Close()

	target := historyName(cfg)
	fmt.Fprintf(stdout, "Copying %s into %s ...\n", from, target)
	sum, err := dbcopy.Copy(ctx, dst, src, dbcopy.Options{Chunk: chunk, Progress: progressPrinter(stdout)})
	if dbcopy.IsNotEmpty(err) {
		return fmt.Errorf("%w.\nmigrate-db copies into an empty database only. If an earlier migrate-db into it was interrupted, this is its partial copy: "+
			"drop the database, create it again empty and run migrate-db again (docs/operations.md, \"Moving from SQLite\")", err)
	}
	if err != nil {
		return fmt.Errorf("%w\nThe copy is incomplete: drop the database, create it again empty and run migrate-db again (docs/operations.md, \"Moving from SQLite\")", err)
	}
	fmt.Fprintf(stdout, "Copied %d rows of %d tables in %s (%.0f rows/s).\n", sum.Rows, sum.Tables, sum.Took.Round(time.Millisecond), sum.Rate())

	fmt.Fprintln(stdout, "Verifying: row counts, and the availability report of every component for every month ...")
	tg := targets(cfg)
	v, err := dbcopy.Verify(ctx, dst, src, cfg.Location, time.Now(), tg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Verified: %d tables hold the same %d rows; %d components × %d months give the same availability figures (from the rollups and from the state changes) on both sides.\n",
		v.Tables, v.Rows, v.Components, v.Months)
	fmt.Fprintf(stdout, "Start the server on PostgreSQL: ampel serve --config %s\n", cfg.Path)
	return nil
}

// progressPrinter writes a line per table and, within a long table, at
// most one a second: table, rows done of the total, rate.
func progressPrinter(w io.Writer) func(dbcopy.Progress) {
	var last time.Time
	return func(p dbcopy.Progress) {
		if p.Done < p.Total && time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		pct := 100.0
		if p.Total > 0 {
			pct = 100 * float64(p.Done) / float64(p.Total)
		}
		fmt.Fprintf(w, "  %-22s %10d / %-10d rows %5.1f %%  %8.0f rows/s\n", p.Table, p.Done, p.Total, pct, p.Rate())
	}
}

// targets judges each component as the availability pages do: its SLO
// (or the site's), the partial weight and the credit tiers.
func targets(cfg *config.Config) dbcopy.Target {
	byslug := map[string]*config.Component{}
	for i := range cfg.Components {
		byslug[cfg.Components[i].Slug] = &cfg.Components[i]
	}
	var tiers []availability.Tier
	for _, t := range cfg.Availability.Credits {
		tiers = append(tiers, availability.Tier{Below: t.Below, Credit: t.Credit})
	}
	return func(slug string) availability.Target {
		slo := cfg.Site.SLO
		if c := byslug[slug]; c != nil {
			slo = cfg.ComponentSLO(c)
		}
		return availability.Target{SLO: slo, Weight: cfg.Availability.PartialWeight, Credits: tiers}
	}
}
