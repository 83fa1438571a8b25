package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"strings"
	"time"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/store"
)

const userUsage = `Usage:
  ampel user add --config PATH --email ADDR --role admin|operator   (password on stdin)
  ampel user passwd --config PATH --email ADDR                      (password on stdin)
  ampel user disable --config PATH --email ADDR`

// userCmd runs "ampel user add|passwd|disable ...". Passwords come from
// stdin, never from argv, where other users of the machine could read them.
func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "add" && args[0] != "passwd" && args[0] != "disable") {
		fmt.Fprintln(stderr, userUsage)
		return 2
	}
	sub := args[0]
	fs := flag.NewFlagSet("ampel user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "path of the TOML config file")
	email := fs.String("email", "", "the operator's email address, their login")
	role := new(string)
	if sub == "add" {
		role = fs.String("role", "", "admin (everything) or operator (incidents and maintenance)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *cfgPath == "" || *email == "" || fs.NArg() > 0 || (sub == "add" && *role == "") {
		fmt.Fprintln(stderr, userUsage)
		return 2
	}
	if sub == "add" && !store.ValidRole(*role) {
		fmt.Fprintf(stderr, "ampel user add: --role %q: want admin or operator\n", *role)
		return 2
	}
	if !strings.Contains(*email, "@") || len(*email) > 254 {
		fmt.Fprintf(stderr, "ampel user %s: --email %q is not an email address\n", sub, *email)
		return 2
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var hash string
	if sub != "disable" {
		if hash, err = readNewPassword(ctx, stdin, stderr); err != nil {
			fmt.Fprintf(stderr, "ampel user %s: %v\n", sub, err)
			return 1
		}
	}
	st, err := openHistory(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer st.Close()
	now := time.Now()
	switch sub {
	case "add":
		_, err = st.CreateUser(ctx, *email, *role, hash, cliActor(), now)
	case "passwd":
		err = st.SetPassword(ctx, *email, hash, cliActor(), now)
	case "disable":
		err = st.DisableUser(ctx, *email, cliActor(), now)
	}
	switch {
	case errors.Is(err, store.ErrUserExists):
		fmt.Fprintf(stderr, "ampel user add: a user with email %s exists already\n", *email)
		return 1
	case errors.Is(err, store.ErrNoUser):
		fmt.Fprintf(stderr, "ampel user %s: no user with email %s\n", sub, *email)
		return 1
	case err != nil:
		fmt.Fprintln(stderr, err)
		return 1
	}
	done := map[string]string{
		"add":     "User %s created with role " + *role + ".\n",
		"passwd":  "Password of %s changed; its sessions are logged out.\n",
		"disable": "User %s disabled; its sessions are logged out.\n",
	}
	fmt.Fprintf(stdout, done[sub], *email)
	return 0
}

// readNewPassword reads one line from stdin, checks it against the policy
// and returns its argon2id hash.
func readNewPassword(ctx context.Context, stdin io.Reader, stderr io.Writer) (string, error) {
	fmt.Fprintf(stderr, "Password (at least %d characters), then Enter:\n", auth.MinPasswordLen)
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := auth.CheckPasswordPolicy(pw); err != nil {
		return "", err
	}
	return auth.HashPassword(ctx, pw, auth.DefaultParams)
}

// cliActor is the audit log's name for changes made with these commands:
// the operating-system account that ran them.
func cliActor() store.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return store.Actor{Kind: store.ActorCLI, Name: "cli:" + name}
}

// hintFirstAdmin logs, once at start, how to create the first console
// account when there is none: a fresh install has no default account.
func hintFirstAdmin(ctx context.Context, st *store.Store, logger *slog.Logger) {
	n, err := st.CountUsers(ctx)
	if err != nil {
		logger.Warn("count console users", "err", err)
		return
	}
	if n == 0 {
		logger.Info("no console account yet: create the first admin",
			"command", "ampel user add --config PATH --email ADDR --role admin")
	}
}
