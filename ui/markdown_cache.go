package ui

import (
	"crypto/sha256"
	"html/template"
	"log/slog"
	"sync"

	"github.com/ampelstatus/ampel/pkg/markdown"
)

// mdCacheSize bounds the rendered texts kept: far more than the updates a
// console or status page shows at once, and at most about 64 KiB each
// (incident.MaxBodyLen bounds the source; the HTML is of that order).
const mdCacheSize = 512

// mdCache renders each distinct Markdown text once: stored updates never
// change, so their HTML need not be rebuilt on every view, and a slow
// pathological text costs its rendering time once, not per page view.
// When full it starts over, which is cheaper than tracking use.
type mdCache struct {
	mu     sync.Mutex
	html   map[[sha256.Size]byte]template.HTML
	logger *slog.Logger
}

func newMDCache(logger *slog.Logger) *mdCache {
	return &mdCache{html: map[[sha256.Size]byte]template.HTML{}, logger: logger}
}

// render returns the safe HTML of src; text that does not convert is
// shown escaped rather than failing the page.
func (m *mdCache) render(src string) template.HTML {
	if src == "" {
		return ""
	}
	key := sha256.Sum256([]byte(src))
	m.mu.Lock()
	h, ok := m.html[key]
	m.mu.Unlock()
	if ok {
		return h
	}
	h, err := markdown.Render(src)
	if err != nil {
		m.logger.Warn("markdown not rendered", "err", err)
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	m.mu.Lock()
	if len(m.html) >= mdCacheSize {
		clear(m.html)
	}
	m.html[key] = h
	m.mu.Unlock()
	return h
}
