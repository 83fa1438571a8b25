package probes

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/ampelstatus/ampel/pkg/status"
)

// localReason names a failure of Ampel's own machine (out of descriptors,
// socket buffers or local ports: Ampel overloaded), which says nothing about the
// target, or returns "". Such a failure is no data, never down: counting
// it against the target would turn every component red whenever Ampel
// itself is starved.
func localReason(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.EMFILE, syscall.ENFILE:
			return "not probed: Ampel is out of file descriptors"
		case syscall.ENOBUFS, syscall.ENOMEM:
			return "not probed: Ampel is out of memory for sockets"
		case syscall.EADDRNOTAVAIL:
			return "not probed: Ampel has no free local port"
		}
	}
	// The resolver keeps only the text of a socket error.
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch msg := dnsErr.Err; {
		case strings.Contains(msg, syscall.EMFILE.Error()), strings.Contains(msg, syscall.ENFILE.Error()):
			return "not probed: Ampel is out of file descriptors"
		case strings.Contains(msg, syscall.ENOBUFS.Error()):
			return "not probed: Ampel is out of memory for sockets"
		}
	}
	return ""
}

// notProbed is the observation of a run that failed for a local reason
// (see localReason): no data, with the reason for operators.
func notProbed(reason string, err error, took time.Duration) Observation {
	return Observation{Outcome: status.NoData, Reason: reason, Detail: err.Error(), Duration: took}
}
