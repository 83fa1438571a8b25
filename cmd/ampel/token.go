package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/pkg/incident"
	"github.com/ampelstatus/ampel/pkg/remote"
	"github.com/ampelstatus/ampel/store"
)

// token runs "ampel token create ...".
func token(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "Usage: ampel token create --config PATH (--zone NAME | --role operator|admin | --heartbeat CHECK) --name NAME")
		return 2
	}
	fs := flag.NewFlagSet("ampel token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "path of the TOML config file")
	zone := fs.String("zone", "", "remote zone whose agents use the token")
	name := fs.String("name", "", "name of the token, to recognise and revoke it")
	role := fs.String("role", "", "operator or admin: an operator API token instead of a zone token")
	check := fs.String("heartbeat", "", "heartbeat check whose job calls with the token (--name defaults to the check's)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *check != "" && *name == "" {
		*name = *check
	}
	kinds := 0
	for _, set := range []bool{*zone != "", *role != "", *check != ""} {
		if set {
			kinds++
		}
	}
	if *cfgPath == "" || kinds != 1 || *name == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "ampel token create: --config, --name and exactly one of --zone, --role or --heartbeat are required")
		return 2
	}
	if *role != "" && !store.ValidRole(*role) {
		fmt.Fprintf(stderr, "ampel token create: --role %q: want operator or admin\n", *role)
		return 2
	}
	if *role != "" && incident.ReservedAuthor(*name) {
		// Automation would take the token's updates for its own.
		fmt.Fprintf(stderr, "ampel token create: --name %q is reserved for the updates Ampel posts itself\n", *name)
		return 2
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	tok := store.Token{Kind: store.TokenOperator, Role: *role, Name: *name}
	prefix, what := auth.OperatorTokenPrefix, "an operator"
	done := fmt.Sprintf("Operator token %q (role %s) created. It is shown only this once: send it as \"Authorization: Bearer TOKEN\".", *name, *role)
	if *zone != "" {
		if !isRemoteZone(cfg.Zones, *zone) {
			fmt.Fprintf(stderr, "ampel token create: %s has no zone %q with kind = \"remote\"\n", *cfgPath, *zone)
			return 1
		}
		tok = store.Token{Kind: store.TokenZone, Zone: *zone, Name: *name}
		prefix, what = remote.TokenPrefix, "a zone"
		done = fmt.Sprintf("Zone token %q for zone %s created. It is shown only this once: store it in the agent's --token-file.", *name, *zone)
	}
	if *check != "" {
		if !heartbeatCheck(cfg, *check) {
			fmt.Fprintf(stderr, "ampel token create: %s has no check %q with kind = \"heartbeat\"\n", *cfgPath, *check)
			return 1
		}
		tok = store.Token{Kind: store.TokenHeartbeat, Check: *check, Name: *name}
		prefix, what = heartbeatTokenPrefix, "a heartbeat"
		done = fmt.Sprintf("Heartbeat token %q for check %s created. It is shown only this once: the job calls %s with it (see config.example.toml).",
			*name, *check, strings.TrimSuffix(cfg.Site.PublicURL, "/")+"/api/v1/heartbeat/TOKEN")
	}
	st, err := openHistory(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer st.Close()
	// 256 random bits behind a recognisable prefix; only the hash is kept.
	secret := auth.NewSecret(prefix)
	_, err = st.CreateToken(ctx, tok, secret, time.Now())
	if errors.Is(err, store.ErrTokenName) {
		fmt.Fprintf(stderr, "ampel token create: %s token named %q exists already\n", what, *name)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, secret)
	fmt.Fprintln(stderr, done)
	return 0
}
