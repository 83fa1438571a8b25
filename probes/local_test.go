package probes

import (
	"context"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// TestLocalFailureIsNoData: a probe that fails for a reason of Ampel's
// own machine records no data with a reason for operators; the same
// sort of failure from the target's side stays down.
func TestLocalFailureIsNoData(t *testing.T) {
	dial := func(errno syscall.Errno) error {
		return fmt.Errorf("GET http://api/: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", errno)})
	}
	cases := []struct {
		name    string
		err     error
		outcome status.Level
		reason  string
	}{
		{"out of descriptors", dial(syscall.EMFILE), status.NoData, "not probed: Ampel is out of file descriptors"},
		{"system out of descriptors", dial(syscall.ENFILE), status.NoData, "not probed: Ampel is out of file descriptors"},
		{"out of socket buffers", dial(syscall.ENOBUFS), status.NoData, "not probed: Ampel is out of memory for sockets"},
		{"no free local port", dial(syscall.EADDRNOTAVAIL), status.NoData, "not probed: Ampel has no free local port"},
		{"resolver out of descriptors", &net.DNSError{Err: "dial udp 10.0.0.2:53: socket: too many open files", Name: "api"}, status.NoData, "not probed: Ampel is out of file descriptors"},
		{"the target refuses", dial(syscall.ECONNREFUSED), status.Down, "connection refused"},
		{"no such host", &net.DNSError{Err: "no such host", Name: "api", IsNotFound: true}, status.Down, "DNS: no such host"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, cancel, a := begin(context.Background(), time.Second)
			defer cancel()
			obs := a.fail(context.Background(), c.err, "connection failed")
			if obs.Outcome != c.outcome || obs.Reason != c.reason || obs.Detail != c.err.Error() {
				t.Fatalf("%+v, want %s %q with the error as detail", obs, c.outcome, c.reason)
			}
		})
	}
}

// TestPodsJudgeSkipsUnprobed: instances Ampel could not probe count
// neither for nor against the set; a set with none probed is no data.
func TestPodsJudgeSkipsUnprobed(t *testing.T) {
	p := &podsProbe{minPct: 50}
	up := Observation{Outcome: status.Up}
	down := Observation{Outcome: status.Down, Reason: "HTTP 503"}
	local := Observation{Outcome: status.NoData, Reason: "not probed: Ampel is out of file descriptors", Detail: "socket: too many open files"}
	if got := p.judge([]Observation{up, local, local, local}); got.Outcome != status.Up {
		t.Fatalf("one up, three not probed: %+v, want up", got)
	}
	if got := p.judge([]Observation{up, down, local}); got.Outcome != status.Degraded || got.Reason != "1/2 pods healthy" {
		t.Fatalf("one up, one down, one not probed: %+v, want degraded 1/2", got)
	}
	if got := p.judge([]Observation{local, local}); got.Outcome != status.NoData || got.Reason != local.Reason {
		t.Fatalf("none probed: %+v, want no data", got)
	}
}
