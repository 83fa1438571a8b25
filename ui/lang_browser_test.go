package ui

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// command runs one DevTools command in the tab.
func command[P any](cmd cdp.Command[P, cdp.Empty], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cmd, params)
		return err
	})
}

// TestBrowserGermanAndSpanish loads the status page and a component page
// in headless Chromium in German and in Spanish, at 1,280 px and at
// 390 px (a phone): reached by the language switch's plain links with
// JavaScript off and by the browser's Accept-Language with it on, each
// reads in its language (the banner, the statuses, the script's local
// times), keeps the language in its links, and never scrolls sideways.
// Screenshots are left in testdata/screenshots.
func TestBrowserGermanAndSpanish(t *testing.T) {
	f := newFixture(t)
	seedPublicPages(t, f)
	srv := httptest.NewServer(f.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	tab, _ := newTab(t)

	// Without JavaScript, the switch is a link to the same page.
	if err := chromedp.Do(tab, command(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})); err != nil {
		t.Fatal(err)
	}
	visit(t, tab, srv.URL+"/components/web")
	if err := chromedp.Do(tab, chromedp.Click(`nav.langs a[hreflang="de"]`, chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	pollPage(t, tab, "the switch leads to the German page", `document.documentElement.lang === "de" && location.pathname === "/components/web"`, 15*time.Second)
	if err := chromedp.Do(tab, chromedp.Click(`p.crumbs a`, chromedp.NodeVisible)); err != nil {
		t.Fatal(err)
	}
	pollPage(t, tab, "links keep ?lang=de", `document.documentElement.lang === "de" && location.search === "?lang=de" && location.pathname === "/"`, 15*time.Second)
	if err := chromedp.Do(tab, command(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})); err != nil {
		t.Fatal(err)
	}

	words := map[string]struct {
		banner, level, nav, month, yourZone string
		english                             []string
	}{
		"de": {"Leichte Dienststörung", "Betriebsbereit", "Verfügbarkeit", "Nov.", "(Ihre Zeitzone)", []string{"Operational", "Last updated", "Uptime", "Active incidents", "Response time"}},
		"es": {"Interrupción leve del servicio", "Operativo", "Disponibilidad", "nov", "(tu zona horaria)", []string{"Operational", "Last updated", "Uptime", "Active incidents", "Response time"}},
	}
	for _, size := range []struct {
		width  int64
		mobile bool
	}{{1280, false}, {390, true}} {
		opts := []chromedp.EmulateViewportOption{}
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		if err := chromedp.Do(tab, chromedp.EmulateViewport(size.width, 900, opts...)); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"de", "es"} {
			w := words[lang]
			if err := chromedp.Do(tab, command(network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang + ";q=0.9, en;q=0.5"}})); err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/", "/components/web"} {
				where := fmt.Sprintf("%s in %s at %d px", path, lang, size.width)
				visit(t, tab, srv.URL+path)
				// The script has rewritten the times in the page's language.
				pollPage(t, tab, where+": the script's words", `document.querySelector(".tz").textContent.indexOf("`+w.yourZone+`") > 0`, 15*time.Second)
				times := evalString(t, tab, `Array.from(document.querySelectorAll("time")).map(function (e) { return e.textContent; }).join(" | ")`)
				if !strings.Contains(times, w.month) || strings.Contains(times, "Nov 2") {
					t.Errorf("%s: times not in %s: %.300s", where, lang, times)
				}
				text := evalString(t, tab, `document.documentElement.lang + "\n" + document.body.innerText`)
				if !strings.HasPrefix(text, lang+"\n") {
					t.Errorf("%s: <html lang> %q", where, strings.SplitN(text, "\n", 2)[0])
				}
				for _, want := range []string{w.level, w.nav} {
					if !strings.Contains(text, want) {
						t.Errorf("%s: no %q in %.400s", where, want, text)
					}
				}
				if path == "/" && !strings.Contains(text, w.banner) {
					t.Errorf("%s: banner is not %q", where, w.banner)
				}
				for _, en := range w.english {
					if strings.Contains(text, en) {
						t.Errorf("%s shows %q", where, en)
					}
				}
				overflow := evalString(t, tab, `(function () {
					var vw = document.documentElement.clientWidth, out = [];
					if (document.documentElement.scrollWidth > vw) { out.push("page " + document.documentElement.scrollWidth + " > " + vw); }
					document.querySelectorAll("body *").forEach(function (e) {
						var r = e.getBoundingClientRect();
						if (r.width > 0 && r.right > vw + 0.5 && !e.closest(".scroll")) { out.push(e.tagName + "." + e.className + " right " + Math.round(r.right)); }
					});
					return out.slice(0, 5).join("; ");
				})()`)
				if overflow != "" {
					t.Errorf("%s overflows sideways: %s", where, overflow)
				}
				name := map[string]string{"/": "home", "/components/web": "component"}[path]
				shot(t, tab, fmt.Sprintf("i18n-%s-%s-%d.png", lang, name, size.width))
			}
		}
	}
}
