package ui

import (
	"html/template"
	"log/slog"

	"github.com/ampelstatus/ampel/pkg/markdown"
)

// mdCacheSize bounds the rendered texts kept: far more than the updates a
// console or status page shows at once, and at most about 64 KiB each
// (incident.MaxBodyLen bounds the source; the HTML is of that order).
const mdCacheSize = 512

// mdCache renders each distinct Markdown text of the pages once.
type mdCache struct {
	c      *markdown.Cache
	logger *slog.Logger
}

func newMDCache(logger *slog.Logger) *mdCache {
	return &mdCache{c: markdown.NewCache(mdCacheSize), logger: logger}
}

// render returns the safe HTML of src; text that does not convert is
// shown escaped rather than failing the page.
func (m *mdCache) render(src string) template.HTML {
	if src == "" {
		return ""
	}
	h, err := m.c.Render(src)
	if err != nil {
		m.logger.Warn("markdown not rendered", "err", err)
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return h
}
