package markdown

import (
	"fmt"
	"strings"
	"testing"
)

func TestCache(t *testing.T) {
	c := NewCache(8)
	got, err := c.Render("**bold** <script>alert(1)</script>")
	if err != nil || !strings.Contains(string(got), "<strong>bold</strong>") || strings.Contains(string(got), "<script") {
		t.Fatalf("rendered %q, %v", got, err)
	}
	// The same text is served from the cache: one entry, same HTML.
	a, _ := c.Render("_same_")
	b, _ := c.Render("_same_")
	if a != b || c.Len() != 2 {
		t.Fatalf("cache holds %d entries (%q, %q)", c.Len(), a, b)
	}
	// It stays bounded.
	for i := range 20 {
		if _, err := c.Render(fmt.Sprintf("text %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if c.Len() > 8 {
		t.Fatalf("cache grew to %d entries", c.Len())
	}
}
