package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // site.timezone must load on hosts without a zoneinfo database

	"github.com/pelletier/go-toml/v2"
)

// Load reads the config file at path; see Parse. kinds lists the valid
// check kinds (probes.KindNames()).
//
// A mistake in the file comes back as Problems: one line per problem, in
// the form "config.toml:12: components[1].checks[0].interval: must be at
// least 1s". Any other error (the file cannot be read) is returned as is.
func Load(path string, kinds []string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, kinds)
}

// Parse reads a config document; path names it in problems, and its folder
// is the one relative paths in the document are resolved against.
//
// Defaults are applied first and the document decoded strictly on top:
// unknown keys are problems. Then every check gets its defaults (interval
// 60s, timeout 10s but at most the interval, every zone, thresholds 2 and
// 1, on_down major_outage, on_partial partial_outage, on_degraded
// degraded_performance, on_down_few_zones partial_outage) and the table named after its kind is made non-nil,
// relative file paths are resolved against the file's folder,
// server.metrics_token_file is read into server.metrics_token, and the
// whole is validated. All problems are reported at once, except that a
// syntax error or a value of the wrong type stops the decode and is
// reported alone.
func Parse(path string, data []byte, kinds []string) (*Config, error) {
	// Some editors start files with a byte order mark, which TOML forbids.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	// go-toml locates errors by slice capacity; spare capacity would put
	// an error at the end of the input outside the document.
	data = data[:len(data):len(data)]
	cfg := defaults()
	ix := buildIndex(data)

	var probs Problems
	if err := decode(data, cfg); err != nil {
		probs = decodeProblems(path, ix, err)
		var strict *toml.StrictMissingError
		if !errors.As(err, &strict) {
			// The decode stopped part way: validating the rest would
			// only add noise.
			return nil, probs
		}
	}
	cfg.Path = path
	cfg.Dir = folder(path)
	cfg.index = ix
	v := &checker{file: path, ix: ix, kinds: kinds}
	v.complete(cfg)
	v.validate(cfg)
	probs = append(probs, v.probs...)
	if len(probs) > 0 {
		sortProblems(probs)
		return nil, probs
	}
	return cfg, nil
}

// decode is go-toml's strict decode, turning a panic in it into an error so
// that no input can crash check-config.
func decode(data []byte, cfg *Config) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot parse the file: %v", r)
		}
	}()
	return toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().Decode(cfg)
}

// defaults returns the configuration an empty file gives, bar the zone,
// which complete adds when the file declares none.
func defaults() *Config {
	return &Config{
		Site:    Site{Title: "Status", Timezone: "UTC", Language: "en", SLO: 99.9},
		Server:  Server{Listen: "127.0.0.1:8080", ShutdownTimeout: Duration(10 * time.Second), StreamsPerClient: 32},
		Storage: defaultStorage(),
		Backup:  defaultBackup(),
		Cluster: defaultCluster(),
		Console: defaultConsole(),

		Availability:  defaultAvailability(),
		Notify:        defaultNotify(),
		Subscriptions: defaultSubscriptions(),
		Alerts:        defaultAlerts(),
	}
}

// folder returns the absolute folder of path, so that resolved paths do not
// depend on the working directory at the time they are used.
func folder(path string) string {
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// resolve makes a relative file path relative to the config's folder.
func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// maxSecret bounds what ReadSecretFile reads, so that a wrong path such
// as /dev/zero cannot exhaust memory.
const maxSecret = 64 << 10

// ReadSecretFile reads a password or token from a file; surrounding white
// space, such as the newline editors add, is not part of it. A file larger
// than 64 KiB or holding only white space is an error. The config, the
// probes and the mailer all read their secret files through it, so that
// each file is judged alike.
func ReadSecretFile(path string) (Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecret+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecret {
		return "", fmt.Errorf("%s is larger than %d KiB: not a secret", path, maxSecret>>10)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return Secret(s), nil
}
