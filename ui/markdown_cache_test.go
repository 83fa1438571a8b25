package ui

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestMDCache(t *testing.T) {
	m := newMDCache(slog.New(slog.DiscardHandler))
	if got := m.render("**bold** <script>alert(1)</script>"); !strings.Contains(string(got), "<strong>bold</strong>") || strings.Contains(string(got), "<script") {
		t.Fatalf("rendered %q", got)
	}
	if m.render("") != "" {
		t.Fatal("empty text rendered to something")
	}
	// The same text is served from the cache: one entry, same HTML.
	a, b := m.render("_same_"), m.render("_same_")
	if a != b || m.c.Len() != 2 {
		t.Fatalf("cache holds %d entries (%q, %q)", m.c.Len(), a, b)
	}
	// It stays bounded.
	for i := range 2 * mdCacheSize {
		m.render(fmt.Sprintf("text %d", i))
	}
	if m.c.Len() > mdCacheSize {
		t.Fatalf("cache grew to %d entries", m.c.Len())
	}
}

// BenchmarkMDCache compares rendering a typical incident update with
// serving it from the cache.
func BenchmarkMDCache(b *testing.B) {
	src := strings.Repeat("We are **investigating** [errors](https://example.com) on the `api`.\n\n- one\n- two\n\n", 20)
	b.Run("render", func(b *testing.B) {
		for range b.N {
			m := newMDCache(slog.New(slog.DiscardHandler))
			m.render(src)
		}
	})
	b.Run("cached", func(b *testing.B) {
		m := newMDCache(slog.New(slog.DiscardHandler))
		m.render(src)
		b.ResetTimer()
		for range b.N {
			m.render(src)
		}
	})
}
