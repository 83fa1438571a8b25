package ui

import (
	"encoding/xml"
	"time"

	"github.com/labstack/echo/v4"
)

// rssDoc is an RSS 2.0 document, with Atom's self link as the RSS
// Advisory Board recommends.
type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Self          rssSelf   `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type rssSelf struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate"`
	Description string  `xml:"description"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	ID          string `xml:",chardata"`
}

// rssType is the RSS media type.
const rssType = "application/rss+xml; charset=utf-8"

func (s *site) rss(c echo.Context) error {
	b, l := s.baseOf(c), s.feedLang(c)
	return s.serveFor(c, b, "feed.rss"+l.key(), rssType, false, func(b base) ([]byte, error) {
		es, err := s.feedEntries(c.Request().Context(), b, l)
		if err != nil {
			return nil, err
		}
		title := s.d.Config.Site.Title
		doc := rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", Channel: rssChannel{
			Title: title, Link: l.href(b.URL + "/"), Description: l.T("feed.rss_description", "Title", title), Language: l.Lang,
			LastBuildDate: s.feedUpdated(es).UTC().Format(time.RFC1123Z),
			Self:          rssSelf{Href: b.URL + "/feed.rss", Rel: "self", Type: "application/rss+xml"},
		}}
		for _, e := range es {
			doc.Channel.Items = append(doc.Channel.Items, rssItem{
				Title: e.Title, Link: e.Link, GUID: rssGUID{IsPermaLink: "false", ID: e.ID},
				PubDate: e.At.UTC().Format(time.RFC1123Z), Description: e.HTML,
			})
		}
		return marshalXML(doc)
	})
}
