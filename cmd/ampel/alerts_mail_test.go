package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/smtptest"
)

// TestMailBouncingAlertsOperators: a real serve sends an incident's mail
// to 20 subscribers through the test SMTP server, which refuses 6 of them
// for good; the operators' webhook channel gets the mail-bouncing alert,
// which names the count, and the public page never shows it.
func TestMailBouncingAlertsOperators(t *testing.T) {
	srv, err := smtptest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for i := range 6 {
		srv.Reject(fmt.Sprintf("s%04d@example.org", i), 550)
	}
	hook := startHookReceiver(t, 0, 200)
	target, _ := flipTarget(t)
	dir := t.TempDir()
	writeSecret(t, dir, "whsec", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=")
	cfgPath := writeMailConfig(t, dir, srv.Port(), target.URL, "127.0.0.1:0", "https://status.example.com")
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, `
[alerts]
allow_networks = ["127.0.0.1/32"]
group_window = "0s"

[[alerts.channels]]
name = "hook"
kind = "webhook"
url = %q
secret_file = "whsec"
`, hook.URL)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	seedSubscribers(t, filepath.Join(dir, "ampel.db"), 20)

	_, base, stderr := startAmpel(t, cfgPath)
	var alert string
	eventually(t, 60*time.Second, "the mail-bouncing alert", func() bool {
		_, bodies, _ := hook.got()
		for _, b := range bodies {
			if strings.Contains(b, "mail-bouncing") || strings.Contains(b, "subscriber mails in the last hour were refused") {
				alert = b
				return true
			}
		}
		return false
	})
	if !strings.Contains(alert, "6 of 20 subscriber mails") {
		t.Errorf("the alert does not say 6 of 20 mails were refused:\n%s\n%s", alert, stderr.String())
	}
	if got := len(srv.Messages()); got != 14 {
		t.Errorf("%d mails delivered, want 14", got)
	}
	if _, page := get(t, base+"/"); strings.Contains(page, "refused") || strings.Contains(page, "bouncing") {
		t.Error("the public page mentions the mail problem")
	}
}
