// Package markdown renders operator-written Markdown (incident updates,
// maintenance descriptions) to HTML that is safe to show to anyone: goldmark
// without raw HTML, then a bluemonday allow-list that keeps formatting and
// links to http, https and mailto only.
package markdown

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// md never passes raw HTML through (no WithUnsafe): goldmark replaces it
// with a comment, and the policy below removes what is left.
var md = goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Table, extension.Linkify))

// policy is the allow-list of what rendered Markdown may contain.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
		"ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	// Links leave the status page: no referrer, no window.opener.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// Render returns the safe HTML of src.
func Render(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("markdown: %w", err)
	}
	// The policy is what makes the output safe; goldmark's own escaping
	// is not relied on.
	return template.HTML(policy.SanitizeBytes(buf.Bytes())), nil
}
