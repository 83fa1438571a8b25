package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/ampelstatus/ampel/pkg/i18n"
	"github.com/ampelstatus/ampel/pkg/markdown"
	"github.com/ampelstatus/ampel/store"
)

//go:embed templates
var templates embed.FS

var (
	textMail = texttemplate.Must(texttemplate.ParseFS(templates, "templates/mail.txt"))
	htmlMail = htmltemplate.Must(htmltemplate.ParseFS(templates, "templates/mail.html"))
)

// Site is what mails say about the status page.
type Site struct {
	Title string
	// URL is the public base URL of the page, without a trailing slash.
	URL string
	// Location is the zone times are shown in.
	Location *time.Location
	// Components maps component slugs to the names customers see.
	Components map[string]string
}

// topic is what a mail is about, as stored: one of the two is set, or
// neither for a confirmation.
type topic struct {
	incident    *store.Incident
	maintenance *store.Maintenance
}

// links are the personal links of one mail, with the tokens in them.
type links struct {
	confirm, manage, unsubscribe string
}

// fact is one labelled line ("Status: Investigating").
type fact struct{ Label, Value string }

// view is what both templates show.
type view struct {
	Lang, Site, Title, Intro string
	Facts                    []fact
	Body                     string
	BodyHTML                 htmltemplate.HTML
	ActionURL, ActionLabel   string
	Notes                    []string
	Why                      string
	ManageLabel, ManageURL   string
	UnsubscribeLabel         string
	UnsubscribeURL           string
}

// composer builds messages for one site and sender.
type composer struct {
	site   Site
	from   string
	domain string // of from: the right side of every Message-ID
	// install is the install's random part of every Message-ID
	// (store.InstallID), read by the dispatcher before its first mail.
	install string
	// md renders an event's body once for all its subscribers' mails.
	md *markdown.Cache
}

// mdCacheSize is how many bodies the composer keeps rendered: the
// dispatcher works through a few events at a time.
const mdCacheSize = 64

// compose builds the message of one outbox row: multipart text and HTML,
// a Message-ID stable per (event, subscriber), threading headers and the
// RFC 8058 one-click unsubscribe headers.
func (c *composer) compose(row store.OutboxMail, tp topic, l links, now time.Time) (*mail.Msg, error) {
	v, err := c.view(row, tp, l)
	if err != nil {
		return nil, err
	}
	var text, html bytes.Buffer
	if err := textMail.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("notify: text template: %w", err)
	}
	if err := htmlMail.Execute(&html, v); err != nil {
		return nil, fmt.Errorf("notify: html template: %w", err)
	}
	m := mail.NewMsg()
	if err := m.From(c.from); err != nil {
		return nil, fmt.Errorf("notify: from: %w", err)
	}
	if err := m.To(row.Email); err != nil {
		return nil, fmt.Errorf("notify: to %q: %w", row.Email, err)
	}
	m.Subject(subjectLine(i18n.T(row.Lang, "mail.subject", map[string]any{"Site": c.site.Title, "Title": v.Title})))
	m.SetDateWithValue(now)
	m.SetMessageIDWithValue(c.messageID(row))
	if root := c.threadRoot(row); root != "" {
		m.SetGenHeader(mail.HeaderInReplyTo, "<"+root+">")
		m.SetGenHeader(mail.HeaderReferences, "<"+root+">")
	}
	// The https form is what RFC 8058 asks for; a plain-http site (a test
	// or a demo on localhost) still gets working headers.
	m.SetGenHeaderPreformatted(mail.HeaderListUnsubscribe, "<"+l.unsubscribe+">")
	m.SetListUnsubscribePost()
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetUserAgent("Ampel")
	m.SetBodyString(mail.TypeTextPlain, text.String())
	m.AddAlternativeString(mail.TypeTextHTML, html.String())
	return m, nil
}

// view fills the strings of a mail in the subscriber's language.
func (c *composer) view(row store.OutboxMail, tp topic, l links) (view, error) {
	lang := row.Lang
	key := strings.ReplaceAll(row.Kind, ".", "_")
	args := map[string]any{"Site": c.site.Title, "Email": row.Email}
	v := view{Lang: lang, Site: c.site.Title,
		Why: i18n.T(lang, "mail.why", args), ManageLabel: i18n.T(lang, "mail.manage", nil), ManageURL: l.manage,
		UnsubscribeLabel: i18n.T(lang, "mail.unsubscribe", nil), UnsubscribeURL: l.unsubscribe}
	var body string
	switch {
	case row.Kind == store.MailConfirm:
		v.ActionURL, v.ActionLabel = l.confirm, i18n.T(lang, "mail.confirm.button", nil)
		v.Notes = append(v.Notes, i18n.T(lang, "mail.confirm.valid", map[string]any{"Until": c.when(row.Expires)}),
			i18n.T(lang, "mail.confirm.ignore", nil))
	case row.Kind == store.MailManage:
		v.ActionURL, v.ActionLabel = l.manage, i18n.T(lang, "mail.manage_link.button", nil)
		v.Notes = append(v.Notes, i18n.T(lang, "mail.manage_link.ignore", nil))
	case tp.incident != nil:
		body = c.incidentView(&v, row, tp.incident, args)
	case tp.maintenance != nil:
		body = c.maintenanceView(&v, row, tp.maintenance, args)
	default:
		return view{}, fmt.Errorf("notify: %s: nothing to tell", row.EventKey)
	}
	v.Title = i18n.T(lang, "mail.title."+key, args)
	v.Intro = i18n.T(lang, "mail.intro."+key, args)
	if body != "" {
		html, err := c.md.Render(body)
		if err != nil {
			return view{}, err
		}
		v.Body, v.BodyHTML = body, html
	}
	return v, nil
}

func (c *composer) incidentView(v *view, row store.OutboxMail, inc *store.Incident, args map[string]any) string {
	args["Name"] = inc.Name
	v.Facts = append(v.Facts,
		fact{i18n.T(row.Lang, "mail.status", nil), i18n.T(row.Lang, "mail.state."+inc.Status, nil)},
		fact{i18n.T(row.Lang, "mail.affected", nil), c.componentNames(row.Lang, keys(inc.Components))})
	v.ActionURL = c.site.URL + "/incidents/" + fmt.Sprint(inc.ID)
	v.ActionLabel = i18n.T(row.Lang, "mail.view", nil)
	if row.Kind == store.MailIncidentPostmortem {
		return inc.Postmortem
	}
	for _, u := range inc.Updates {
		if u.ID == row.UpdateID {
			v.Facts[0].Value = i18n.T(row.Lang, "mail.state."+u.Status, nil)
			return u.Body
		}
	}
	return ""
}

func (c *composer) maintenanceView(v *view, row store.OutboxMail, m *store.Maintenance, args map[string]any) string {
	args["Name"] = m.Name
	// The window in the zone it was planned in (the page's when none was
	// given), with UTC beside it for readers elsewhere.
	loc := c.windowLoc(m)
	args["From"], args["Until"] = whenIn(m.ScheduledFor, loc), whenIn(m.ScheduledUntil, loc)
	window := i18n.T(row.Lang, "mail.window_value", args)
	if loc.String() != "UTC" {
		window += " (" + i18n.T(row.Lang, "mail.window_value", map[string]any{
			"From": whenIn(m.ScheduledFor, time.UTC), "Until": whenIn(m.ScheduledUntil, time.UTC)}) + ")"
	}
	v.Facts = append(v.Facts,
		fact{i18n.T(row.Lang, "mail.window", nil), window},
		fact{i18n.T(row.Lang, "mail.affected", nil), c.componentNames(row.Lang, m.ComponentIDs)})
	v.ActionURL = c.site.URL + "/maintenance/" + fmt.Sprint(m.ID)
	v.ActionLabel = i18n.T(row.Lang, "mail.view", nil)
	for _, u := range m.Updates {
		if u.ID == row.UpdateID && row.UpdateID != 0 && u.Body != "" {
			return u.Body
		}
	}
	return m.Description
}

// when formats an instant in the site's zone, the same in every language.
func (c *composer) when(t time.Time) string { return whenIn(t, c.siteLoc()) }

// whenIn formats an instant in loc.
func whenIn(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04 MST") }

func (c *composer) siteLoc() *time.Location {
	if c.site.Location == nil {
		return time.UTC
	}
	return c.site.Location
}

// windowLoc is the zone a window was planned in; the site's when it names
// none (or one this machine does not know).
func (c *composer) windowLoc(m *store.Maintenance) *time.Location {
	if m.TimeZone != "" {
		if loc, err := time.LoadLocation(m.TimeZone); err == nil {
			return loc
		}
	}
	return c.siteLoc()
}

// componentNames lists components by the names customers know.
func (c *composer) componentNames(lang string, slugs []string) string {
	if len(slugs) == 0 {
		return i18n.T(lang, "mail.all_components", nil)
	}
	names := make([]string, len(slugs))
	for i, s := range slugs {
		names[i] = s
		if n := c.site.Components[s]; n != "" {
			names[i] = n
		}
	}
	return strings.Join(names, ", ")
}
