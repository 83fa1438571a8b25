package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// tableFit is how one report table sits in its page.
type tableFit struct {
	Table      int     `json:"table"`
	Width      float64 `json:"width"`      // the table's full width
	Box        float64 `json:"box"`        // the width it is shown in
	Scrolls    bool    `json:"scrolls"`    // its box scrolls sideways
	Scrollbar  float64 `json:"scrollbar"`  // height of the box's visible scrollbar
	Right      float64 `json:"right"`      // right edge of the box
	Viewport   float64 `json:"viewport"`   // the page's width
	PageScroll float64 `json:"pageScroll"` // how far the page itself scrolls sideways
}

const measureTables = `JSON.stringify(Array.from(document.querySelectorAll("table.report")).map(function (t, i) {
	var box = t.closest(".scroll") || t.parentElement;
	var cs = getComputedStyle(box);
	return {table: i, width: t.scrollWidth, box: box.clientWidth,
		scrolls: cs.overflowX === "auto" || cs.overflowX === "scroll",
		scrollbar: box.offsetHeight - box.clientHeight - parseFloat(cs.borderTopWidth) - parseFloat(cs.borderBottomWidth),
		right: box.getBoundingClientRect().right, viewport: document.documentElement.clientWidth,
		pageScroll: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}))`

// TestAvailabilityTablesFit measures the availability pages' tables in
// headless Chromium at 1,280 px and at 390 px (a phone): at 1,280 this
// month's table fits whole; any table wider than its page scrolls in its
// own box with a scrollbar one can see, and the page itself never scrolls
// sideways (nothing is clipped), in English and in the longer German and
// Spanish headings. Screenshots are left in
// testdata/screenshots.
func TestAvailabilityTablesFit(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	tab, _ := newTab(t)
	pages := map[string]string{"availability": "/availability", "print": "/api/v1/availability?from=2026-01-01&to=2026-11-23&format=html",
		"availability-de": "/availability?lang=de", "print-es": "/api/v1/availability?from=2026-01-01&to=2026-11-23&format=html&lang=es"}
	for _, size := range []struct {
		name   string
		width  int64
		mobile bool
	}{{"desktop", 1280, false}, {"phone", 390, true}} {
		opts := []chromedp.EmulateViewportOption{}
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		if err := chromedp.Do(tab, chromedp.EmulateViewport(size.width, 900, opts...)); err != nil {
			t.Fatal(err)
		}
		for name, path := range pages {
			visit(t, tab, srv.URL+path)
			shot(t, tab, fmt.Sprintf("availability-%s-%d.png", name, size.width))
			var fits []tableFit
			if err := json.Unmarshal([]byte(evalString(t, tab, measureTables)), &fits); err != nil {
				t.Fatal(err)
			}
			if len(fits) == 0 {
				t.Fatalf("%s at %d px: no tables", path, size.width)
			}
			for _, m := range fits {
				where := fmt.Sprintf("%s at %d px, table %d", path, size.width, m.Table)
				t.Logf("%s: %+v", where, m)
				if m.PageScroll > 0 || m.Right > m.Viewport {
					t.Errorf("%s: the page is wider than the screen (%+v)", where, m)
				}
				switch {
				case m.Width <= m.Box:
				case size.mobile || m.Table > 0:
					// The twelve months may scroll, visibly: a
					// scrollbar, or (on phones, whose scrollbars
					// overlay and hide) a shadow on the side with more.
					if !m.Scrolls {
						t.Errorf("%s: %v px of table in %v px, not scrolling (%+v)", where, m.Width, m.Box, m)
					} else if m.Scrollbar <= 0 {
						rightShadow(t, tab, where, m.Table)
					}
				default:
					t.Errorf("%s: this month's table (%v px) does not fit in %v px (%+v)", where, m.Width, m.Box, m)
				}
			}
		}
	}
}

// rightShadow checks that the box of table i shows a shadow at its right
// edge while there is more table to the right, and none once scrolled to
// the end: the same strip, screenshot with the box's background and with
// a plain one, differs only by the shadow.
func rightShadow(t *testing.T, tab context.Context, where string, i int) {
	t.Helper()
	strip := func(plain bool, end bool) float64 {
		t.Helper()
		rect := evalString(t, tab, fmt.Sprintf(`(function () {
			var box = document.querySelectorAll("table.report")[%d].closest(".scroll");
			box.style.background = %t ? getComputedStyle(document.documentElement).getPropertyValue("--card") : "";
			box.scrollLeft = %t ? box.scrollWidth : 0;
			box.scrollIntoView({block: "center"});
			var r = box.getBoundingClientRect();
			return JSON.stringify([r.right - 7 + scrollX, r.top + 4 + scrollY, 5, r.height - 8]);
		})()`, i, plain, end))
		var r [4]float64
		if err := json.Unmarshal([]byte(rect), &r); err != nil {
			t.Fatal(err)
		}
		shotPNG, err := chromedp.Call(tab, cdppage.CaptureScreenshot, cdppage.CaptureScreenshotParams{
			Clip: &cdppage.Viewport{X: r[0], Y: r[1], Width: r[2], Height: r[3], Scale: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return meanLuma(t, shotPNG.Data)
	}
	shadowed, plain := strip(false, false), strip(true, false)
	if plain-shadowed < 4 {
		t.Errorf("%s: no shadow at the right edge while the table goes on (luma %.1f, plain %.1f)", where, shadowed, plain)
	}
	if endShadowed, endPlain := strip(false, true), strip(true, true); endPlain-endShadowed > 1 {
		t.Errorf("%s: a shadow at the right edge after scrolling to the end (luma %.1f, plain %.1f)", where, endShadowed, endPlain)
	}
	strip(false, false) // as it was
}

// meanLuma is the mean brightness (0-255) of a PNG.
func meanLuma(t *testing.T, b []byte) float64 {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var sum, n float64
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			n++
		}
	}
	if n == 0 {
		t.Fatal("empty screenshot")
	}
	return sum / n
}

// TestPrintedReportAligns: the printable report's tables, one per
// component, put each column at the same place, on screen and printed,
// and no cell's text runs into the next column.
func TestPrintedReportAligns(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	tab, _ := newTab(t)
	visit(t, tab, srv.URL+"/api/v1/availability?from=2026-01-01&to=2026-11-23&format=html")
	const columns = `JSON.stringify(Array.from(document.querySelectorAll("table.report")).map(function (t) {
		return Array.from(t.rows[0].cells).map(function (c) { var r = c.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.right)]; });
	}))`
	for _, media := range []string{"screen", "print"} {
		if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media}); err != nil {
			t.Fatal(err)
		}
		const overflowing = `JSON.stringify(Array.from(document.querySelectorAll("table.report th, table.report td")).filter(function (c) {
			return c.scrollWidth > c.clientWidth + 1;
		}).map(function (c) { return c.textContent; }))`
		if over := evalString(t, tab, overflowing); over != "[]" {
			t.Errorf("%s: cells wider than their column: %s", media, over)
		}
		var tables [][][2]int
		if err := json.Unmarshal([]byte(evalString(t, tab, columns)), &tables); err != nil {
			t.Fatal(err)
		}
		if len(tables) != 3 {
			t.Fatalf("%s: %d tables, want one per component", media, len(tables))
		}
		for i, cols := range tables[1:] {
			if fmt.Sprint(cols) != fmt.Sprint(tables[0]) {
				t.Errorf("%s: table %d's columns %v, the first table's %v", media, i+1, cols, tables[0])
			}
		}
	}
	shot(t, tab, "availability-print.png")
}
