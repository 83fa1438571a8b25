package notify

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/smtptest"
	"github.com/ampelstatus/ampel/store"
)

// TestIncidentMailsThreadAndCarryLinks: an incident and its update reach
// the subscribers of the affected component, over OAUTHBEARER, as
// multipart mails in their language, threaded, with working personal
// links and RFC 8058 headers; running again sends nothing more.
func TestIncidentMailsThreadAndCarryLinks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clk := &clock{now: t0}
	ann := f.subscriber(t, "ann@example.org", "en")
	f.subscriber(t, "bea@example.org", "de", "api")
	f.subscriber(t, "web@example.org", "en", "web") // not affected
	d := New(f.st, f.smtpSender(t, "oauthbearer", smtptest.Token, 5*time.Second), options(clk))

	inc := f.incident(t, "API errors\r\nBcc: victim@example.org", t0, "api")
	if n, err := d.RunOnce(ctx); err != nil || n != 2 {
		t.Fatalf("first pass sent %d, %v", n, err)
	}
	if _, err := f.st.EditIncident(ctx, inc.ID, store.Actor{Kind: store.ActorToken, ID: 1, Name: "ops"}, "incident.update", t0,
		func(i *store.Incident) (*store.IncidentUpdate, error) {
			i.Status = "identified"
			return &store.IncidentUpdate{Status: "identified", Body: "Found it.", DeliverNotifications: true, At: t0}, nil
		}); err != nil {
		t.Fatal(err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 2 {
		t.Fatalf("second pass sent %d, %v", n, err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("third pass sent %d, %v", n, err)
	}
	msgs := f.srv.Messages()
	if len(msgs) != 4 || f.srv.Sessions() != 1 || msgs[0].Mech != "OAUTHBEARER" {
		t.Fatalf("%d mails over %d sessions (mech %q), want 4 over 1", len(msgs), f.srv.Sessions(), msgs[0].Mech)
	}
	got := byRecipient(t, msgs)
	if len(got["web@example.org"]) != 0 || len(got["victim@example.org"]) != 0 {
		t.Fatalf("mail to an unaffected or injected address: %v", got)
	}
	a := got["ann@example.org"]
	if len(a) != 2 {
		t.Fatalf("ann got %d mails", len(a))
	}
	first, second := a[0], a[1]
	wantRoot := "<ampel." + f.install(t) + ".incident." + itoa(inc.ID) + ".s" + itoa(ann) + "@example.com>"
	if id := first.header.Get("Message-Id"); id != wantRoot || first.header.Get("In-Reply-To") != "" {
		t.Errorf("first mail Message-ID %q In-Reply-To %q, want %q and none", id, first.header.Get("In-Reply-To"), wantRoot)
	}
	if second.header.Get("In-Reply-To") != wantRoot || second.header.Get("References") != wantRoot ||
		second.header.Get("Message-Id") == wantRoot {
		t.Errorf("update threading: %q / %q / %q", second.header.Get("Message-Id"), second.header.Get("In-Reply-To"), second.header.Get("References"))
	}
	if first.subject != "[Example Status] New incident: API errors Bcc: victim@example.org" {
		t.Errorf("subject %q", first.subject)
	}
	if second.subject != "[Example Status] Update: API errors Bcc: victim@example.org" {
		t.Errorf("update subject %q", second.subject)
	}
	if de := got["bea@example.org"]; len(de) != 2 || !strings.HasPrefix(de[0].subject, "[Example Status] Neue Störung: ") ||
		!strings.Contains(de[1].text, "Ursache gefunden") {
		t.Errorf("German mails: %+v", de)
	}
	// Bodies: Markdown rendered and sanitised for HTML, as written for text.
	if !strings.Contains(first.html, "<strong>looking</strong>") || strings.Contains(first.html, "<script>") ||
		!strings.Contains(first.text, "We are **looking** into it.") || !strings.Contains(first.text, "Public API") {
		t.Errorf("bodies:\n%s\n%s", first.text, first.html)
	}
	if !strings.Contains(first.text, siteURL+"/incidents/"+itoa(inc.ID)) {
		t.Errorf("no link to the incident in:\n%s", first.text)
	}
	checkLinks(t, f, first, ann)
}

// checkLinks: the one-click headers name the unsubscribe URL, the body
// names it and the manage page, and their token belongs to the
// subscriber as a manage token.
func checkLinks(t *testing.T, f *fixture, p parsed, sub int64) {
	t.Helper()
	lu := p.header.Get("List-Unsubscribe")
	if p.header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		!strings.HasPrefix(lu, "<"+siteURL+"/unsubscribe/") || !strings.HasSuffix(lu, ">") {
		t.Fatalf("List-Unsubscribe %q, -Post %q", lu, p.header.Get("List-Unsubscribe-Post"))
	}
	token := strings.TrimSuffix(strings.TrimPrefix(lu, "<"+siteURL+"/unsubscribe/"), ">")
	if len(token) < 22 { // 128 bits in base64
		t.Fatalf("token %q too short", token)
	}
	if !strings.Contains(p.text, siteURL+"/subscribe/manage/"+token) || !strings.Contains(p.html, siteURL+"/unsubscribe/"+token) {
		t.Errorf("manage and unsubscribe links missing from the bodies:\n%s", p.text)
	}
	s, err := f.st.SubscriberByToken(context.Background(), store.PurposeManage, token, time.Now())
	if err != nil || s.ID != sub {
		t.Errorf("token resolves to %+v, %v; want subscriber %d", s, err, sub)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestManageLinkMail: a confirmed subscriber who subscribes again gets,
// in their language, a mail with a working manage link and no
// confirmation link, and the subscription stays as it was.
func TestManageLinkMail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clk := &clock{now: t0}
	ann := f.subscriber(t, "ann@example.org", "de", "api")
	d := New(f.st, f.smtpSender(t, "plain", smtptest.Password, 5*time.Second), options(clk))
	out, err := f.st.Subscribe(ctx, store.SubscribeRequest{Email: "ann@example.org", Lang: "en", ConfirmWithin: time.Hour, MaxConfirms: 3}, t0)
	if err != nil || out != store.Reminded {
		t.Fatalf("subscribe: %v %v", out, err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("sent %d, %v", n, err)
	}
	got := byRecipient(t, f.srv.Messages())["ann@example.org"]
	if len(got) != 1 {
		t.Fatalf("ann got %d mails", len(got))
	}
	m := got[0]
	if m.subject != "[Example Status] Ihr Abonnement" || !strings.Contains(m.text, "Abonnement ändern oder beenden") ||
		strings.Contains(m.text, "/subscribe/confirm/") {
		t.Errorf("manage-link mail:\n%s\n%s", m.subject, m.text)
	}
	checkLinks(t, f, m, ann)
	if s, err := f.st.Subscriber(ctx, ann); err != nil || s.State != store.SubscriberConfirmed || s.All || s.Lang != "de" {
		t.Errorf("the subscription changed: %+v %v", s, err)
	}
}
