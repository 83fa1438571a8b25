package alert

import (
	"bytes"
	"context"
	"encoding/json"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/mailer"
	"github.com/ampelstatus/ampel/pkg/status"
)

// TestPagerDutyTestAlertResolved: the console's test alert opens a
// PagerDuty incident; the resolve with the same dedup_key follows at once,
// so nobody stays paged for a test. The key is the test's own, no real
// component's.
func TestPagerDutyTestAlertResolved(t *testing.T) {
	rcv := startReceiver(t, 202)
	f := newFixture(t, channelTOML(t.TempDir(), "pager", "pagerduty", rcv.URL), Options{})
	if err := f.st.EnqueueTestAlert(context.Background(), "pager", "test_1", f.clock.now()); err != nil {
		t.Fatal(err)
	}
	f.pass()
	reqs := rcv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the trigger and its resolve", len(reqs))
	}
	var evs [2]struct {
		Action string `json:"event_action"`
		Key    string `json:"dedup_key"`
	}
	for i, r := range reqs {
		if err := json.Unmarshal([]byte(r.body), &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if evs[0].Action != "trigger" || evs[1].Action != "resolve" || evs[0].Key != evs[1].Key || evs[0].Key != "ampel/ampel-test" {
		t.Fatalf("events %+v", evs)
	}
}

// TestAlertMailMessageID: an alert mail's Message-ID carries the
// install's id and the sender's domain, as subscriber mail does, not a
// made-up domain.
func TestAlertMailMessageID(t *testing.T) {
	dir := t.TempDir()
	box, err := mailer.NewDir(filepath.Join(dir, "mail"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, "[[alerts.channels]]\nname = \"oncall\"\nkind = \"email\"\nto = [\"oncall@example.org\"]\n",
		Options{Mail: box, From: "Example Status <status@mail.example.com>"})
	f.change("api", status.Up, status.Down)
	f.pass()
	install, err := f.st.InstallID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(box.Path(), "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d mails", len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	id := msg.Header.Get("Message-Id")
	if !strings.HasPrefix(id, "<ampel."+install+".alert.") || !strings.HasSuffix(id, "@mail.example.com>") {
		t.Fatalf("Message-ID %q, want the install %s and the sender's domain\n%s", id, install, b)
	}
}

// TestLateAlertSaysSo: an alert that goes out long after its change (the
// dispatcher was down) says when the change happened and how late it is;
// one sent in time does not.
func TestLateAlertSaysSo(t *testing.T) {
	rcv := startReceiver(t)
	f := newFixture(t, "[alerts]\ngroup_window = \"0s\"\n"+channelTOML(t.TempDir(), "ops", "ntfy", rcv.URL), Options{})
	f.change("api", status.Up, status.Down)
	f.clock.add(2 * time.Hour)
	f.pass()
	f.change("web", status.Up, status.Down)
	f.pass()
	reqs := rcv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if !strings.Contains(reqs[0].body, "[sent late: this happened at ") || !strings.Contains(reqs[0].body, "2h0m0s before Ampel could send it]") {
		t.Errorf("late alert does not say so: %s", reqs[0].body)
	}
	if strings.Contains(reqs[1].body, "sent late") {
		t.Errorf("a timely alert says it is late: %s", reqs[1].body)
	}
}

// TestEndedBeforeSentPagesNobody: a problem that began and ended while
// the dispatcher could not send (its trigger never tried) pages nobody:
// neither the old trigger nor a resolve goes out.
func TestEndedBeforeSentPagesNobody(t *testing.T) {
	rcv := startReceiver(t)
	f := newFixture(t, "[alerts]\ngroup_window = \"0s\"\n"+channelTOML(t.TempDir(), "ops", "ntfy", rcv.URL), Options{})
	f.change("api", status.Up, status.Down)
	f.clock.add(time.Hour)
	f.change("api", status.Down, status.Up)
	f.clock.add(time.Hour)
	f.pass()
	if reqs := rcv.requests(); len(reqs) != 0 {
		t.Fatalf("%d requests for a problem already over: %s", len(reqs), reqs[0].body)
	}
}
