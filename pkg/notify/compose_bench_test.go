package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/markdown"
	"github.com/ampelstatus/ampel/store"
)

// BenchmarkComposeLongUpdate composes one subscriber's mail of an update
// with a long body (a detailed postmortem-sized text, about 20 KiB): the
// work the dispatcher repeats for every subscriber of the event.
func BenchmarkComposeLongUpdate(b *testing.B) {
	body := strings.Repeat("We are **investigating** elevated [errors](https://example.com/status) on the `api`.\n\n- one cause\n- another\n\n> a quote from the vendor\n\n", 180)
	inc := &store.Incident{ID: 7, Name: "Elevated errors", Status: "investigating", Components: map[string]string{},
		Updates: []store.IncidentUpdate{{ID: 11, Status: "investigating", Body: body}}}
	c := composer{site: Site{Title: "Example", URL: "https://status.example.com"}, from: "status@example.com", domain: "example.com", md: markdown.NewCache(mdCacheSize)}
	row := store.OutboxMail{ID: 1, EventKey: "incident:7:update:11", Kind: store.MailIncidentUpdate, ObjectType: "incident",
		ObjectID: 7, UpdateID: 11, SubscriberID: 1, Email: "a@example.org", Lang: "en", Active: true}
	l := links{manage: "https://status.example.com/manage/x", unsubscribe: "https://status.example.com/unsubscribe/x"}
	b.Logf("body %d bytes", len(body))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.compose(row, topic{incident: inc}, l, time.Unix(0, 0)); err != nil {
			b.Fatal(err)
		}
	}
}
