package ui

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/store"
)

// Atom and RSS as a reader decodes them, written here independently of
// the structs the feeds are made with.
type testAtom struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Author  string `xml:"author>name"`
	Entries []struct {
		ID        string `xml:"id"`
		Title     string `xml:"title"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Link      struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

type testRSS struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title string `xml:"title"`
		// Links are RSS's link and Atom's self link (a reader tells
		// them apart by namespace).
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Text    string `xml:",chardata"`
		} `xml:"link"`
		Description   string `xml:"description"`
		LastBuildDate string `xml:"lastBuildDate"`
		Items         []struct {
			Title string `xml:"title"`
			Link  string `xml:"link"`
			GUID  struct {
				IsPermaLink string `xml:"isPermaLink,attr"`
				ID          string `xml:",chardata"`
			} `xml:"guid"`
			PubDate     string `xml:"pubDate"`
			Description string `xml:"description"`
		} `xml:"item"`
	} `xml:"channel"`
}

// readFeed gets a feed, checks its type, and decodes it strictly.
func readFeed(t *testing.T, h http.Handler, path, wantType string, v any) *http.Response {
	t.Helper()
	rec := get(h, path, "192.0.2.1:1", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != wantType {
		t.Fatalf("%s: %d, %q", path, rec.Code, rec.Header().Get("Content-Type"))
	}
	dec := xml.NewDecoder(strings.NewReader(rec.Body.String()))
	dec.Strict = true
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, rec.Body)
	}
	return rec.Result()
}

// TestFeeds: every update of a published incident and every window
// update is an entry, with the postmortem, newest first; ids are unique
// tag URIs that stay the same across requests and changes; times parse;
// nothing of a draft shows.
func TestFeeds(t *testing.T) {
	f := newFixture(t)
	p := seedPublicPages(t, f)
	ctx := context.Background()
	incs, err := f.store.PublicIncidents(ctx, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	wins, err := f.store.Maintenances(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := 1 // the postmortem
	for _, inc := range incs {
		want += len(inc.Updates)
	}
	for _, m := range wins {
		want += len(m.Updates)
	}

	var atom testAtom
	readFeed(t, f.h, "/feed.atom", "application/atom+xml; charset=utf-8", &atom)
	var rss testRSS
	readFeed(t, f.h, "/feed.rss", "application/rss+xml; charset=utf-8", &rss)
	if len(atom.Entries) != want || len(rss.Channel.Items) != want {
		t.Fatalf("%d atom entries, %d rss items, want %d", len(atom.Entries), len(rss.Channel.Items), want)
	}
	if atom.Title != "Example <Status>" || atom.Author == "" || atom.ID != "https://status.example.com/" || rss.Version != "2.0" ||
		len(rss.Channel.Links) != 2 || rss.Channel.Links[0].XMLName.Space != "" || rss.Channel.Links[0].Text != "https://status.example.com/" ||
		rss.Channel.Links[1].XMLName.Space != "http://www.w3.org/2005/Atom" || rss.Channel.Links[1].Href != "https://status.example.com/feed.rss" {
		t.Errorf("feed head: %+v / %+v", atom, rss.Channel.Links)
	}
	ids := map[string]bool{}
	var last time.Time
	for i, e := range atom.Entries {
		if ids[e.ID] || !strings.HasPrefix(e.ID, "tag:status.example.com,20") {
			t.Errorf("entry id %q repeated or not a tag URI", e.ID)
		}
		ids[e.ID] = true
		up, err1 := time.Parse(time.RFC3339, e.Updated)
		_, err2 := time.Parse(time.RFC3339, e.Published)
		if err1 != nil || err2 != nil {
			t.Errorf("entry times %q %q", e.Updated, e.Published)
		}
		if i > 0 && up.After(last) {
			t.Errorf("entry %d newer than the one before", i)
		}
		last = up
		if e.Content.Type != "html" || !strings.HasPrefix(e.Link.Href, "https://status.example.com/") {
			t.Errorf("entry %+v", e)
		}
		r := rss.Channel.Items[i]
		pub, err := time.Parse(time.RFC1123Z, r.PubDate)
		if err != nil || !pub.Equal(up) || r.GUID.ID != e.ID || r.GUID.IsPermaLink != "false" || r.Title != e.Title ||
			r.Link != e.Link.Href || r.Description != e.Content.Body {
			t.Errorf("rss item %d differs from atom entry: %+v", i, r)
		}
	}
	if _, err := time.Parse(time.RFC3339, atom.Updated); err != nil {
		t.Error(err)
	}
	if _, err := time.Parse(time.RFC1123Z, rss.Channel.LastBuildDate); err != nil {
		t.Error(err)
	}
	byTitle := map[string]string{}
	for _, e := range atom.Entries {
		byTitle[e.Title] = e.Content.Body + "|" + e.Link.Href + "|" + e.ID
	}
	for title, has := range map[string]string{
		"Web errors — Monitoring":    fmt.Sprintf("<p>Rolled back; watching.</p>|https://status.example.com/incidents/%d|tag:status.example.com,2026-11-23:incident-%d-update-", p.open.ID, p.open.ID),
		"Web errors — Investigating": "<p>We are <strong>investigating</strong>.</p>",
		"Old outage — Postmortem":    fmt.Sprintf("<strong>config push</strong> broke routing.</p>|https://status.example.com/incidents/%d|tag:status.example.com,2026-11-20:incident-%d-postmortem", p.resolved.ID, p.resolved.ID),
		"Network swap — Scheduled":   fmt.Sprintf("<p>Planned.</p>|https://status.example.com/maintenance/%d", p.ny.ID),
		"Called off — Cancelled":     "Window: Called off",
	} {
		if !strings.Contains(byTitle[title], has) {
			t.Errorf("entry %q: %q lacks %q", title, byTitle[title], has)
		}
	}
	for _, body := range []string{get(f.h, "/feed.atom", "192.0.2.1:1", nil).Body.String(), get(f.h, "/feed.rss", "192.0.2.1:1", nil).Body.String()} {
		lacks(t, "feed", body, "Secret draft", "Draft body", "Draft postmortem")
	}

	// A new update adds one entry; the others keep their ids.
	later := t0.Add(time.Minute)
	if _, err := f.store.EditIncident(ctx, p.open.ID, seedActor, "incident.update", later, func(i *store.Incident) (*store.IncidentUpdate, error) {
		i.Status, i.Resolved = "resolved", later
		return &store.IncidentUpdate{Status: "resolved", Body: "All good.", At: later}, nil
	}); err != nil {
		t.Fatal(err)
	}
	bump(f)
	var again testAtom
	readFeed(t, f.h, "/feed.atom", "application/atom+xml; charset=utf-8", &again)
	if len(again.Entries) != want+1 || again.Entries[0].Title != "Web errors — Resolved" {
		t.Fatalf("after an update: %d entries, first %q", len(again.Entries), again.Entries[0].Title)
	}
	for _, e := range again.Entries[1:] {
		if !ids[e.ID] {
			t.Errorf("id %q changed or is new", e.ID)
		}
	}
}

// TestFeedCache: feeds carry an ETag and answer 304 to it, and change
// when an operator's change bumps the version.
func TestFeedCache(t *testing.T) {
	f := newFixture(t)
	seedPublicPages(t, f)
	for _, path := range []string{"/feed.atom", "/feed.rss", "/maintenance.ics", "/history", "/maintenance"} {
		rec := get(f.h, path, "192.0.2.1:1", nil)
		tag := rec.Header().Get("ETag")
		if tag == "" || rec.Header().Get("Cache-Control") != pageCacheControl {
			t.Fatalf("%s: no ETag or cache control", path)
		}
		if again := get(f.h, path, "192.0.2.1:1", map[string]string{"If-None-Match": tag}); again.Code != http.StatusNotModified {
			t.Errorf("%s: %d for a matching ETag", path, again.Code)
		}
		gz := get(f.h, path, "192.0.2.1:1", map[string]string{"Accept-Encoding": "gzip"})
		if gz.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not gzipped", path)
		}
	}
}

// TestFeedLimit: at most feedLimit entries, the newest.
func TestFeedLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := range feedLimit + 5 {
		at := t0.Add(-time.Duration(i) * time.Hour)
		if _, err := f.store.CreateIncident(ctx, store.Incident{Name: fmt.Sprintf("n%02d", i), Status: "investigating", Impact: "none", Started: at},
			store.IncidentUpdate{Status: "investigating", Body: "x", At: at}, seedActor, t0); err != nil {
			t.Fatal(err)
		}
	}
	bump(f)
	var atom testAtom
	readFeed(t, f.h, "/feed.atom", "application/atom+xml; charset=utf-8", &atom)
	if len(atom.Entries) != feedLimit || atom.Entries[0].Title != "n00 — Investigating" || atom.Entries[feedLimit-1].Title != "n49 — Investigating" {
		t.Fatalf("%d entries, first %q", len(atom.Entries), atom.Entries[0].Title)
	}
}

// TestFeedBaseFromHost: without site.public_url, links use the request's
// host (each its own copy; see TestUnknownHostsDoNotGrowTheCache for which
// are cached), and a forged Host cannot inject markup.
func TestFeedBaseFromHost(t *testing.T) {
	f := newFixture(t)
	f.cfg.Site.PublicURL = ""
	f.h = f.handler()
	seedPublicPages(t, f)
	req := func(host string) string {
		r, _ := http.NewRequest(http.MethodGet, "/feed.rss", nil)
		r.Host, r.RemoteAddr = host, "192.0.2.1:1"
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, r)
		return rec.Body.String()
	}
	contains(t, "feed for a.example", req("a.example:8080"), "<link>http://a.example:8080/</link>", "tag:a.example,")
	contains(t, "feed for b.example", req("b.example"), "<link>http://b.example/</link>")
	bad := req(`evil"><script>x</script>`)
	contains(t, "feed for a bad host", bad, "<link>http://localhost/</link>")
	lacks(t, "feed for a bad host", bad, "evil", "<script>")
}
