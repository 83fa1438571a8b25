package markdown

import (
	"bufio"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// safeTags are the only elements rendered Markdown may contain.
var safeTags = []string{"p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
	"ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "a"}

// safeAttrs are the only attributes it may carry.
var safeAttrs = []string{"href", "rel", "target", "start"}

// checkSafe parses out as a browser would and fails on anything that could
// run script or restyle the page.
func checkSafe(t *testing.T, payload, out string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken && tt != html.EndTagToken {
			continue
		}
		tok := z.Token()
		if !slices.Contains(safeTags, tok.Data) {
			t.Errorf("payload %.80q: element <%s> survived in %q", payload, tok.Data, out)
		}
		for _, a := range tok.Attr {
			if !slices.Contains(safeAttrs, a.Key) {
				t.Errorf("payload %.80q: attribute %s survived in %q", payload, a.Key, out)
			}
			if a.Key == "href" {
				u, err := url.Parse(a.Val)
				if err != nil || !slices.Contains([]string{"http", "https", "mailto"}, strings.ToLower(u.Scheme)) {
					t.Errorf("payload %.80q: href %q survived", payload, a.Val)
				}
			}
		}
	}
}

func payloads(t *testing.T) []string {
	f, err := os.Open("testdata/xss.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ps []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); strings.TrimSpace(l) != "" {
			ps = append(ps, l)
		}
	}
	if len(ps) < 100 {
		t.Fatalf("%d payloads, want at least 100", len(ps))
	}
	return ps
}

func TestRenderLeavesNothingExecutable(t *testing.T) {
	ps := payloads(t)
	whole, _ := os.ReadFile("testdata/xss.txt")
	ps = append(ps, string(whole))
	// Each payload alone and in the Markdown contexts an operator could
	// put it in.
	contexts := []string{"%s", "*%s*", "[%s](https://example.com)", "[x](%s)", "- %s", "> %s", "# %s", "text %s text"}
	for _, p := range ps {
		for _, c := range contexts {
			src := strings.Replace(c, "%s", p, 1)
			out, err := Render(src)
			if err != nil {
				t.Fatalf("payload %.80q: %v", src, err)
			}
			checkSafe(t, src, string(out))
			// Text is escaped, so a literal "<" only starts markup.
			low := strings.ToLower(string(out))
			for _, bad := range []string{"<script", "<iframe", "<object", "<embed", "<svg", "<style", "<img", "<math"} {
				if strings.Contains(low, bad) {
					t.Errorf("payload %.80q: %s survived", src, bad)
				}
			}
		}
	}
}

func TestRenderKeepsFormattingAndSafeLinks(t *testing.T) {
	out, err := Render("We are **investigating** errors on the [API](https://example.com/api) — mail <ops@example.com>.\n\n- one\n- `two`\n\n~~old~~")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<strong>investigating</strong>", `href="https://example.com/api"`, `href="mailto:ops@example.com"`, "<li>one</li>", "<code>two</code>", "<del>old</del>", `rel="nofollow noreferrer`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
	out, _ = Render("[x](javascript:alert(1)) [y](http://ok.example)")
	if strings.Contains(string(out), "javascript") || !strings.Contains(string(out), `href="http://ok.example"`) {
		t.Errorf("links: %s", out)
	}
	out, _ = Render("<b>raw</b> & <i>html</i>")
	if strings.Contains(string(out), "<b>") || strings.Contains(string(out), "<i>") {
		t.Errorf("raw HTML passed: %s", out)
	}
}

func FuzzRender(f *testing.F) {
	f.Add("**x** [a](https://a) <script>alert(1)</script>")
	f.Add("[x](javascript:alert(1))")
	f.Fuzz(func(t *testing.T, src string) {
		out, err := Render(src)
		if err != nil {
			return
		}
		checkSafe(t, src, string(out))
	})
}
