package remote

import (
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestInboxKeepsNotice: a result stored in the cluster inbox by one node
// keeps its operator notice for the leader, and an entry stored by a node
// older than the notice reads as none.
func TestInboxKeepsNotice(t *testing.T) {
	r := status.Result{Check: "api-health", Zone: "eu", Start: time.UnixMilli(1_700_000_000_000).UTC(),
		Outcome: status.Up, Notice: "certificate expires in 3 days"}
	got, err := decodeResult(encodeResult(r))
	if err != nil || got.Notice != r.Notice || got.Outcome != status.Up {
		t.Fatalf("round trip %+v, %v", got, err)
	}
	old := `{"check":"api-health","zone":"eu","start_ms":1700000000000,"duration_us":1500,"outcome":"up"}`
	got, err = decodeResult([]byte(old))
	if err != nil || got.Notice != "" || got.Check != "api-health" {
		t.Fatalf("old entry %+v, %v", got, err)
	}
}
