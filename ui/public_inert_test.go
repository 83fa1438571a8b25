package ui

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// pageElements are the elements a whole public page may contain: the
// templates' and what the Markdown policy lets through. Anything else
// (script beyond the site's own, iframe, object, embed, style, base,
// math, template…) fails.
var pageElements = map[string]bool{
	"html": true, "head": true, "meta": true, "title": true, "link": true, "script": true, "body": true,
	"header": true, "nav": true, "main": true, "footer": true, "section": true, "article": true, "figure": true, "figcaption": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "p": true, "span": true, "div": true, "a": true, "img": true,
	"ol": true, "ul": true, "li": true, "dl": true, "dt": true, "dd": true, "details": true, "summary": true,
	"strong": true, "em": true, "code": true, "pre": true, "del": true, "blockquote": true, "br": true, "hr": true,
	"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "time": true,
	"form": true, "button": true, "svg": true, "rect": true, "line": true, "polyline": true, "path": true,
}

// ownScript is the one script a page may load: the site's own.
var ownScript = regexp.MustCompile(`^/static/app\.[0-9a-f]+\.js$`)

// checkPage fails when a whole page has anything executable: an element
// outside pageElements, a script other than the site's own or with inline
// code, an event handler or style attribute, a link or source with a
// scheme other than http, https or mailto, a meta refresh. It returns
// the page's text, entities decoded.
func checkPage(t *testing.T, what, src string) string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(src))
	var text strings.Builder
	scripts, inScript := 0, false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if scripts != 1 {
				t.Errorf("%s: %d script elements, want the site's one", what, scripts)
			}
			return text.String()
		case html.TextToken:
			if inScript && strings.TrimSpace(string(z.Text())) != "" {
				t.Errorf("%s: inline script", what)
			}
			text.Write(z.Text())
			continue
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "script" {
				inScript = false
			}
			continue
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		tok := z.Token()
		if !pageElements[tok.Data] {
			t.Errorf("%s: <%s> in the page", what, tok.Data)
		}
		checkAttrs(t, what, tok)
		switch tok.Data {
		case "script":
			scripts++
			inScript = tt == html.StartTagToken
			if src := attr(tok, "src"); !ownScript.MatchString(src) {
				t.Errorf("%s: script src %q", what, src)
			}
		case "meta":
			if attr(tok, "http-equiv") != "" {
				t.Errorf("%s: meta http-equiv", what)
			}
		}
	}
}

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// checkAttrs fails on event handlers, inline style, and URLs in any
// attribute that takes one with a scheme other than http(s) or mailto.
func checkAttrs(t *testing.T, what string, tok html.Token) {
	t.Helper()
	for _, a := range tok.Attr {
		key := strings.ToLower(a.Key)
		switch {
		case strings.HasPrefix(key, "on"), key == "style", key == "srcdoc", key == "formaction", key == "srcset":
			t.Errorf("%s: attribute %s on <%s>", what, key, tok.Data)
		case key == "href" || key == "src" || key == "action" || key == "xlink:href" || key == "data" || key == "poster" || key == "background":
			u, err := url.Parse(strings.TrimSpace(a.Val))
			if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
				t.Errorf("%s: %s=%q on <%s>", what, key, a.Val, tok.Data)
			}
		}
	}
}

// checkFragment is checkPage for a piece of HTML from a feed: only what
// the Markdown policy allows, no script at all.
func checkFragment(t *testing.T, what, src string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !safeElements[tok.Data] {
			t.Errorf("%s: <%s> in feed content", what, tok.Data)
		}
		checkAttrs(t, what, tok)
	}
}
