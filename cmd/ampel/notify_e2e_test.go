package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/smtptest"
)

// freeAddr reserves a loopback port for a server that must know its own
// URL before it starts (site.public_url).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// mailText is the text part and the headers of a received mail.
func mailText(t *testing.T, raw []byte) (mail.Header, string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err != nil {
			t.Fatalf("no text part: %v", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			b, _ := io.ReadAll(p)
			return m.Header, string(b)
		}
	}
}

// TestSubscribeToUnsubscribeEndToEnd drives the whole flow through a
// real ampel serve and a real SMTP server: subscribe, confirmation mail,
// GET of its link (changes nothing), confirm by POST, subscribing again
// (a mail with the manage link, nothing changed), an incident posted
// through the operator API, its mail with the right links, one-click
// unsubscribe without cookies, and no more mail.
func TestSubscribeToUnsubscribeEndToEnd(t *testing.T) {
	srv, err := smtptest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	target, _ := flipTarget(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	cfgPath := writeMailConfig(t, dir, srv.Port(), target.URL, addr, base)
	var tokOut, tokErr syncBuffer
	if code := run(t.Context(), []string{"token", "create", "--config", cfgPath, "--name", "e2e", "--role", "operator"}, nil, &tokOut, &tokErr); code != 0 {
		t.Fatalf("token create: %s", tokErr.String())
	}
	apiToken := strings.TrimSpace(tokOut.String())
	if got, stop := serveInProcess(t, cfgPath); got != base {
		t.Fatalf("serving on %s, want %s", got, base)
	} else {
		defer stop()
	}
	db := readDB(t, filepath.Join(dir, "ampel.db"))
	state := func() string {
		var s string
		db.QueryRow(`SELECT CASE WHEN unsubscribed_at_ms IS NOT NULL THEN 'unsubscribed' WHEN confirmed_at_ms IS NOT NULL THEN 'confirmed' ELSE 'pending' END
FROM subscribers WHERE email = 'e2e@example.org'`).Scan(&s)
		return s
	}

	subscribe(t, base, "e2e@example.org")
	msgs := srv.Wait(1, 20*time.Second)
	if len(msgs) != 1 || msgs[0].To[0] != "e2e@example.org" {
		t.Fatalf("confirmation mail: %d mails", len(msgs))
	}
	_, text := mailText(t, msgs[0].Data)
	confirmURL := regexp.MustCompile(regexp.QuoteMeta(base) + `/subscribe/confirm/[A-Za-z0-9_-]+`).FindString(text)
	if confirmURL == "" {
		t.Fatalf("no confirm link in:\n%s", text)
	}
	if resp := do(t, http.DefaultClient, "GET", confirmURL, "", nil); resp.StatusCode != 200 || state() != "pending" {
		t.Fatalf("GET of the confirm link: %d, state %s", resp.StatusCode, state())
	}
	if resp := do(t, http.DefaultClient, "POST", confirmURL, "application/x-www-form-urlencoded", strings.NewReader("")); resp.StatusCode != 200 || state() != "confirmed" {
		t.Fatalf("POST of the confirm link: %d, state %s", resp.StatusCode, state())
	}

	// Subscribing again, having lost the links: a mail with the manage
	// link, and the subscription stays confirmed.
	subscribe(t, base, "e2e@example.org")
	msgs = srv.Wait(2, 20*time.Second)
	if len(msgs) != 2 || msgs[1].To[0] != "e2e@example.org" {
		t.Fatalf("manage-link mail: %d mails", len(msgs))
	}
	_, text = mailText(t, msgs[1].Data)
	manageURL := regexp.MustCompile(regexp.QuoteMeta(base) + `/subscribe/manage/[A-Za-z0-9_-]+`).FindString(text)
	if manageURL == "" || strings.Contains(text, "/subscribe/confirm/") {
		t.Fatalf("manage-link mail:\n%s", text)
	}
	if resp := do(t, http.DefaultClient, "GET", manageURL, "", nil); resp.StatusCode != 200 || state() != "confirmed" {
		t.Fatalf("GET of the manage link: %d, state %s", resp.StatusCode, state())
	}

	postIncident(t, base, apiToken, `{"name": "API errors", "status": "investigating", "body": "Looking into it.", "component_ids": ["api"], "deliver_notifications": true}`)
	msgs = srv.Wait(3, 20*time.Second)
	if len(msgs) != 3 {
		t.Fatalf("incident mail: %d mails", len(msgs))
	}
	h, text := mailText(t, msgs[2].Data)
	lu := strings.Trim(h.Get("List-Unsubscribe"), "<>")
	if !strings.HasPrefix(lu, base+"/unsubscribe/") || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		!strings.Contains(text, "API errors") || !strings.Contains(text, base+"/subscribe/manage/") {
		t.Fatalf("incident mail headers %v\n%s", h, text)
	}
	// One-click: a mail provider's POST, no cookie, no CSRF token.
	if resp := do(t, &http.Client{}, "POST", lu, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click")); resp.StatusCode != 200 || state() != "unsubscribed" {
		t.Fatalf("one-click unsubscribe: %d, state %s", resp.StatusCode, state())
	}

	postIncident(t, base, apiToken, `{"name": "More errors", "status": "investigating", "body": "Again.", "deliver_notifications": true}`)
	// A fence: the next subscriber's confirmation goes out after
	// anything the second incident could have queued.
	subscribe(t, base, "fence@example.org")
	msgs = srv.Wait(4, 20*time.Second)
	for _, m := range msgs[3:] {
		if m.To[0] != "fence@example.org" {
			t.Fatalf("mail to %s after the unsubscribe", m.To[0])
		}
	}
	if len(msgs) != 4 {
		t.Fatalf("%d mails, want 4", len(msgs))
	}
}

// subscribe fills in the subscribe form as a browser would: the page
// sets the form's cookie, the form repeats its token.
func subscribe(t *testing.T, base, email string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp := do(t, c, "GET", base+"/subscribe", "", nil)
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no form token in /subscribe:\n%s", body)
	}
	form := url.Values{"email": {email}, "csrf": {string(m[1])}, "lang": {"en"}}
	if resp := do(t, c, "POST", base+"/subscribe", "application/x-www-form-urlencoded", strings.NewReader(form.Encode())); resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("subscribe %s: %d\n%s", email, resp.StatusCode, b)
	}
}

func postIncident(t *testing.T, base, token, body string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/incidents", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		var e map[string]any
		json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("create incident: %d %v", resp.StatusCode, e)
	}
}

func do(t *testing.T, c *http.Client, method, u, contentType string, body io.Reader) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
