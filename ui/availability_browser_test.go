package ui

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestAvailabilityPrint loads /availability and the printable report in
// headless Chromium: no CSP violation; printed (print media), the report
// drops the site's header, footer and links and keeps its tables; and
// "save as PDF" gives a PDF.
func TestAvailabilityPrint(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	// The page's event stream stays open: end it, or Close waits for it.
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	tab, w := newTab(t)

	if _, csp := visit(t, tab, srv.URL+"/availability"); len(csp) > 0 {
		t.Errorf("/availability: CSP violations %v", csp)
	}
	report := srv.URL + "/api/v1/availability?from=2026-11-01&to=2026-11-23&format=html"
	if _, csp := visit(t, tab, report); len(csp) > 0 {
		t.Errorf("printable report: CSP violations %v", csp)
	}
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`[
		getComputedStyle(document.querySelector("header.top")).display,
		getComputedStyle(document.querySelector("footer.foot")).display,
		getComputedStyle(document.querySelector(".crumbs")).display,
		getComputedStyle(document.querySelector("table.report")).display,
		String(document.querySelectorAll("table.report").length)]`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"none", "none", "none", "table", "3"}; len(shown) != len(want) || shown[0] != want[0] || shown[1] != want[1] || shown[2] != want[2] || shown[3] != want[3] || shown[4] != want[4] {
		t.Errorf("printed: header, footer, links, table, tables = %v, want %v", shown, want)
	}
	pdf, err := chromedp.Call(tab, cdppage.PrintToPDF, cdppage.PrintToPDFParams{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) || len(pdf.Data) < 2000 {
		t.Errorf("PrintToPDF gave %d bytes starting %q", len(pdf.Data), pdf.Data[:min(8, len(pdf.Data))])
	}
	if dialogs, csp := w.seen(); len(dialogs)+len(csp) > 0 {
		t.Errorf("dialogs %v, CSP log %v", dialogs, csp)
	}
}
