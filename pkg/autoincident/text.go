package autoincident

import (
	"strings"

	"github.com/ampelstatus/ampel/pkg/config"
)

// markdownEscaper backslash-escapes the ASCII punctuation CommonMark
// gives a meaning to, so a component's name shows as written in a
// Markdown body ("api_v2" does not turn italic).
var markdownEscaper = func() *strings.Replacer {
	var pairs []string
	for _, c := range "\\`*_{}[]()<>#+-.!|~&" {
		pairs = append(pairs, string(c), "\\"+string(c))
	}
	return strings.NewReplacer(pairs...)
}()

// body expands a body template: Markdown around the component's name,
// which is text.
func body(template, component string) string {
	return config.Expand(template, markdownEscaper.Replace(component))
}
