package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ampelstatus/ampel/pkg/alert"
	"github.com/ampelstatus/ampel/pkg/config"
	"github.com/ampelstatus/ampel/probes"
)

// configFlag parses the flags of a command that takes --config PATH. ok is
// false after a usage error, which has been reported.
func configFlag(name string, args []string, stderr io.Writer) (fs *flag.FlagSet, path string, code int, ok bool) {
	fs = flag.NewFlagSet("ampel "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	p := fs.String("config", "", "path of the TOML config file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return fs, "", 0, false
		}
		return fs, "", 2, false
	}
	if *p == "" || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ampel %s: --config PATH is required and takes no other arguments\n", name)
		return fs, "", 2, false
	}
	return fs, *p, 0, true
}

// loadConfig loads and validates a config, with the probe kinds this
// binary has and the DSN shapes its store takes.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path, probes.KindNames())
	if err != nil {
		return nil, err
	}
	if err := checkStorage(cfg); err != nil {
		return nil, err
	}
	if _, err := alert.Targets(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// prepareChecks builds every check's prober, so that settings only a probe
// can judge (a CA file that does not parse) fail before serving, reported
// like any other config problem.
func prepareChecks(cfg *config.Config) (map[string]probes.Prober, error) {
	probers := make(map[string]probes.Prober)
	var probs config.Problems
	for ci, comp := range cfg.Components {
		for ki := range comp.Checks {
			chk := &cfg.Components[ci].Checks[ki]
			p, err := probes.Prepare(chk)
			if err != nil {
				probs = append(probs, checkProblems(cfg, fmt.Sprintf("components[%d].checks[%d]", ci, ki), err)...)
				continue
			}
			probers[chk.Name] = p
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return probers, nil
}

// permissionProblems reports the checks that run in a local zone but
// whose kind this process may not probe (icmp without an ICMP socket),
// each saying what to change. Checks of remote zones run in their agents,
// which log the same.
func permissionProblems(cfg *config.Config) config.Problems {
	local := map[string]bool{}
	for _, z := range cfg.Zones {
		local[z.Name] = z.Kind == "local"
	}
	var probs config.Problems
	denied := map[string]error{}
	for ci, comp := range cfg.Components {
		for ki, chk := range comp.Checks {
			if !slices.ContainsFunc(chk.Zones, func(z string) bool { return local[z] }) {
				continue
			}
			err, seen := denied[chk.Kind]
			if !seen {
				err = probes.Permitted(chk.Kind)
				denied[chk.Kind] = err
			}
			if err != nil {
				probs = append(probs, cfg.Problem(fmt.Sprintf("components[%d].checks[%d].kind", ci, ki), err.Error()))
			}
		}
	}
	return probs
}

// checkProblems turns a probe constructor's errors, each "key: message"
// relative to the check, into problems at their lines.
func checkProblems(cfg *config.Config, check string, err error) config.Problems {
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	var probs config.Problems
	for _, e := range errs {
		key, msg := check, e.Error()
		if k, m, ok := strings.Cut(msg, ": "); ok && !strings.ContainsAny(k, " \"") {
			key, msg = check+"."+k, m
		}
		probs = append(probs, cfg.Problem(key, msg))
	}
	return probs
}

func checkConfig(args []string, stdout, stderr io.Writer) int {
	_, path, code, ok := configFlag("check-config", args, stderr)
	if !ok {
		return code
	}
	cfg, err := loadConfig(path)
	if err == nil {
		_, err = prepareChecks(cfg)
	}
	if err == nil {
		if probs := permissionProblems(cfg); len(probs) > 0 {
			err = probs
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok: %s\n", path, cfg.Summary())
	return 0
}
