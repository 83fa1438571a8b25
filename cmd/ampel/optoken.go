package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ampelstatus/ampel/pkg/auth"
	"github.com/ampelstatus/ampel/store"
)

// operatorTokenPrefix starts every operator API token, so a leaked one is
// recognisable (and secret scanners can match it).
const operatorTokenPrefix = "ampel_op_"

// operatorToken runs "ampel token create --role ...": it stores the hash
// of a new operator API token and prints the token once.
func operatorToken(ctx context.Context, cfgPath, role, name string, stdout, stderr io.Writer) int {
	if role != store.RoleOperator && role != store.RoleAdmin {
		fmt.Fprintf(stderr, "ampel token create: --role %q: want operator or admin\n", role)
		return 2
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	st, err := store.Open(ctx, cfg.Storage.Path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer st.Close()
	secret := auth.NewSecret(operatorTokenPrefix)
	_, err = st.CreateToken(ctx, store.Token{Kind: store.TokenOperator, Role: role, Name: name}, secret, time.Now())
	if errors.Is(err, store.ErrTokenName) {
		fmt.Fprintf(stderr, "ampel token create: an operator token named %q exists already\n", name)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, secret)
	fmt.Fprintf(stderr, "Operator token %q (role %s) created. It is shown only this once: send it as \"Authorization: Bearer TOKEN\".\n", name, role)
	return 0
}
