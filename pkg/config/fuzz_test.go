package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad: no input may panic Load, and a rejected input comes back as
// one line per problem.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.toml")
	seeds = append(seeds, "../../config.example.toml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("[[components]]\nchecks = [{name = \"a\", http = {headers = {\"x\" = \"y\"}}}]\n"))
	// One file per fuzzing process, rewritten for each input: a temporary
	// folder per input costs more than Load itself.
	path := filepath.Join(f.TempDir(), "config.toml")
	f.Fuzz(func(t *testing.T, doc []byte) {
		if err := os.WriteFile(path, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path, kinds)
		if err == nil {
			_ = cfg.Summary()
			return
		}
		var ps Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("error %T is not Problems: %v", err, err)
		}
		for _, p := range ps {
			if strings.Contains(p.Error(), "\n") {
				t.Fatalf("a problem spans lines: %q", p.Error())
			}
		}
	})
}
