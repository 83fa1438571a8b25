package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.want from the current output")

var kinds = []string{"dns", "grpc", "heartbeat", "http", "icmp", "tcp", "tls"}

// TestInvalid loads every testdata/invalid-<rule>.toml and compares the
// error, line for line, with invalid-<rule>.want next to it. Run with
// -update to rewrite the .want files, then review the diff.
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid-*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".toml")
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(file, kinds)
			if err == nil {
				t.Fatalf("Load succeeded (%s), want problems", cfg.Summary())
			}
			// Paths resolved against the file's folder differ between
			// machines.
			got := strings.ReplaceAll(err.Error(), dir, "$DIR") + "\n"
			assertProblems(t, err)
			if strings.Contains(got, "SECRET") {
				t.Errorf("a secret value is printed:\n%s", got)
			}
			wantFile := strings.TrimSuffix(file, ".toml") + ".want"
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("problems differ\ngot:\n%swant:\n%s", got, want)
			}
		})
	}
}

// assertProblems checks the error's shape: Problems, one line each, each
// naming the file.
func assertProblems(t *testing.T, err error) {
	t.Helper()
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error is %T, want Problems: %v", err, err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(ps) {
		t.Errorf("%d lines for %d problems:\n%v", len(lines), len(ps), err)
	}
	for i, p := range ps {
		if lines[i] != p.Error() || !strings.HasPrefix(lines[i], p.File+":") {
			t.Errorf("line %d is %q, want %q starting with the file name", i, lines[i], p.Error())
		}
	}
}

// TestProblemLines pins the form of a few problems independently of the
// .want files: file, line, key path with indices, message. Each wanted line
// must be among the problems; with exact, they must be all of them.
func TestProblemLines(t *testing.T) {
	tests := []struct {
		name, file string
		exact      bool
		want       []string
	}{
		{"unknown key", "invalid-unknown-key.toml", false, []string{
			"testdata/invalid-unknown-key.toml:10: components[0].checks[0].intervall: unknown key",
		}},
		{"type error", "invalid-type.toml", false, []string{
			"testdata/invalid-type.toml:9: components[0].checks[0].failures_to_down: must be an integer, not a string",
		}},
		{"syntax error", "invalid-syntax.toml", false, []string{
			"testdata/invalid-syntax.toml:3:5: syntax error: expected '=' after key",
		}},
		{"timeout longer than interval", "invalid-timeout-interval.toml", false, []string{
			"testdata/invalid-timeout-interval.toml:10: components[0].checks[0].timeout: timeout 20s is longer than interval 10s",
		}},
		{"duplicate check across components", "invalid-duplicate-check.toml", false, []string{
			`testdata/invalid-duplicate-check.toml:16: components[1].checks[0].name: duplicate check name "health" (first used at components[0].checks[0].name, line 7)`,
		}},
		{"unknown zone", "invalid-unknown-zone.toml", false, []string{
			`testdata/invalid-unknown-zone.toml:19: components[0].checks[0].zones[1]: unknown zone "eu-west" (declared: eu-central, us-east)`,
		}},
		{"wrong kind table", "invalid-kind-table.toml", false, []string{
			`testdata/invalid-kind-table.toml:14: components[0].checks[1].tcp: not allowed for kind "http"`,
		}},
		{"several at once", "invalid-multiple.toml", true, []string{
			"testdata/invalid-multiple.toml:3: site.slo: must be a percentage above 0 and below 100, got 100",
			`testdata/invalid-multiple.toml:4: site.timezone: unknown time zone "Mars/Olympus" (use an IANA name such as "Europe/Berlin" or "UTC")`,
			`testdata/invalid-multiple.toml:7: server.listen: must be host:port, such as "127.0.0.1:8080" or ":8080"`,
			`testdata/invalid-multiple.toml:14: components[0].slug: "API" must be lowercase letters, digits and dashes, starting with a letter or digit`,
			`testdata/invalid-multiple.toml:19: components[0].checks[0].kind: unknown kind "htp" (valid kinds: dns, grpc, heartbeat, http, icmp, tcp, tls)`,
			"testdata/invalid-multiple.toml:22: components[0].checks[0].timeout: timeout 20s is longer than interval 10s",
			`testdata/invalid-multiple.toml:23: components[0].checks[0].zones[0]: unknown zone "us" (declared: eu)`,
			"testdata/invalid-multiple.toml:25: components[1].name: required",
			`testdata/invalid-multiple.toml:31: components[1].checks[0].target: must be an absolute http:// or https:// URL for kind "http"`,
			"testdata/invalid-multiple.toml:32: components[1].checks[0].intervall: unknown key",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(filepath.Join("testdata", tt.file), kinds)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			assertProblems(t, err)
			got := strings.Split(err.Error(), "\n")
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing problem %q in:\n%v", w, err)
				}
			}
			if tt.exact && len(got) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(got), len(tt.want), err)
			}
		})
	}
}

// TestSecretsNeverPrinted asserts, beyond the SECRET marker TestInvalid
// looks for, that %v of the error holds none of the secret values.
func TestSecretsNeverPrinted(t *testing.T) {
	_, err := Load("testdata/invalid-secret.toml", kinds)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	msg := err.Error()
	for _, secret := range []string{
		"metrics-SECRET-value", "url-SECRET-value", "bearer-SECRET-value",
		"header-SECRET-value", "password-SECRET-value",
	} {
		if strings.Contains(msg, secret) {
			t.Errorf("error shows %q:\n%s", secret, msg)
		}
	}
	for _, want := range []string{"bearer_token_file: set either", "password_file: set either", "metrics_token_file: set either", "line break"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}
