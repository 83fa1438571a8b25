package ui

import (
	"encoding/xml"
	"time"

	"github.com/labstack/echo/v4"
)

// atomFeed is an Atom 1.0 document (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string   `xml:"id"`
	Title     string   `xml:"title"`
	Updated   string   `xml:"updated"`
	Published string   `xml:"published"`
	Link      atomLink `xml:"link"`
	Content   atomText `xml:"content"`
}

// atomText is a text construct; with Type "html" its body is HTML,
// escaped by the encoder.
type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// atomType is the Atom media type.
const atomType = "application/atom+xml; charset=utf-8"

func (s *site) atom(c echo.Context) error {
	b, l := s.baseOf(c), s.feedLang(c)
	return s.serveFor(c, b, "feed.atom"+l.key(), atomType, false, func(b base) ([]byte, error) {
		es, err := s.feedEntries(c.Request().Context(), b, l)
		if err != nil {
			return nil, err
		}
		f := atomFeed{
			ID: b.URL + "/", Lang: l.Lang, Title: s.d.Config.Site.Title, Updated: s.feedUpdated(es).UTC().Format(time.RFC3339),
			Links: []atomLink{
				{Rel: "self", Type: "application/atom+xml", Href: b.URL + "/feed.atom"},
				{Rel: "alternate", Type: "text/html", Href: l.href(b.URL + "/")},
			},
			Author: atomPerson{Name: s.d.Config.Site.Title},
		}
		for _, e := range es {
			at := e.At.UTC().Format(time.RFC3339)
			f.Entries = append(f.Entries, atomEntry{
				ID: e.ID, Title: e.Title, Updated: at, Published: at,
				Link: atomLink{Rel: "alternate", Type: "text/html", Href: e.Link}, Content: atomText{Type: "html", Body: e.HTML},
			})
		}
		return marshalXML(f)
	})
}

// marshalXML encodes v with the XML declaration.
func marshalXML(v any) ([]byte, error) {
	out, err := xml.MarshalIndent(v, "", " ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}
