package alert

import (
	"strings"
	"testing"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestNotices: a check's notice holds while any zone reports it; a down
// result says nothing about the certificate and does not end it; an
// answered result without one in every zone does.
func TestNotices(t *testing.T) {
	n := NewNotices()
	if len(n.Conditions()) != 0 {
		t.Fatal("conditions before any result")
	}
	state := func() (bool, string) {
		t.Helper()
		cs := n.Conditions()
		if len(cs) != 1 || cs[0].Key != "notice-api-health" {
			t.Fatalf("conditions %+v", cs)
		}
		return cs[0].Check()
	}
	n.Observe(status.Result{Check: "api-health", Zone: "us", Outcome: status.Up})
	if bad, _ := state(); bad {
		t.Fatal("bad without a notice")
	}
	n.Observe(status.Result{Check: "api-health", Zone: "eu", Outcome: status.Up, Notice: "certificate expires in 3 days"})
	if bad, cause := state(); !bad || cause != "api-health: certificate expires in 3 days (zone eu)" {
		t.Fatalf("got %v %q", bad, cause)
	}
	n.Observe(status.Result{Check: "api-health", Zone: "eu", Outcome: status.Down, Reason: "HTTP 503"})
	if bad, _ := state(); !bad {
		t.Fatal("a down result ended the notice")
	}
	n.Observe(status.Result{Check: "api-health", Zone: "us", Instance: "10.0.0.2:443", Outcome: status.Degraded, Notice: "certificate expires in 2 days"})
	if bad, cause := state(); !bad || !strings.HasSuffix(cause, "(zone eu, and 1 more)") {
		t.Fatalf("got %v %q", bad, cause)
	}
	n.Observe(status.Result{Check: "api-health", Zone: "eu", Outcome: status.Up})
	n.Observe(status.Result{Check: "api-health", Zone: "us", Instance: "10.0.0.2:443", Outcome: status.Up})
	if bad, _ := state(); bad {
		t.Fatal("still bad after every zone reported a renewed certificate")
	}
}
