package probes

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// certReason names a certificate verification failure, or returns "".
func certReason(err error) string {
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var roots x509.SystemRootsError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return "certificate expired"
		}
		return "certificate invalid"
	case errors.As(err, &unknown), errors.As(err, &roots):
		return "certificate not trusted"
	case errors.As(err, &hostname):
		return "certificate name mismatch"
	case errors.As(err, &verify):
		return "certificate invalid"
	}
	return ""
}

// netReason names a network or protocol failure, or returns "".
func netReason(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return "DNS: no such host"
		}
		if dnsErr.IsTimeout {
			return "DNS: timeout"
		}
		// The resolver keeps only the text of what went wrong.
		switch {
		case strings.Contains(dnsErr.Err, "connection refused"):
			return "DNS: connection refused"
		case strings.Contains(dnsErr.Err, "server misbehaving"):
			return "DNS: server failure"
		}
		return "DNS lookup failed"
	}
	if r := errnoReason(err); r != "" {
		return r
	}
	var record tls.RecordHeaderError
	var alert tls.AlertError
	var opErr *net.OpError
	switch {
	case errors.As(err, &record), errors.As(err, &alert):
		return "TLS handshake failed"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return "proxy connection failed"
	}
	// net/http and crypto/tls report some failures only as text; the text
	// picks the public reason and is never shown itself.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "malformed HTTP"):
		return "invalid HTTP response"
	case strings.Contains(msg, "TLS handshake timeout"):
		return "TLS handshake timeout"
	case strings.Contains(msg, "tls: "):
		return "TLS handshake failed"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return ""
}

// errnoReason names the usual socket errors, or returns "".
func errnoReason(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return ""
	}
	switch errno {
	case syscall.ECONNREFUSED:
		return "connection refused"
	case syscall.ECONNRESET, syscall.EPIPE:
		return "connection reset"
	case syscall.EHOSTUNREACH:
		return "host unreachable"
	case syscall.ENETUNREACH:
		return "network unreachable"
	case syscall.ETIMEDOUT:
		return "connection timed out"
	}
	return ""
}

// formatDuration writes a duration the way people read it in a reason:
// "5s", "2.3s", "250ms", "2m".
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return strconv.FormatInt(int64((d+time.Millisecond/2)/time.Millisecond), 10) + "ms"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	tenths := (d + 50*time.Millisecond) / (100 * time.Millisecond)
	return strconv.FormatFloat(float64(tenths)/10, 'f', -1, 64) + "s"
}

// expiryReason says when a certificate that has left of its validity
// expires: "certificate expires in 3 days".
func expiryReason(left time.Duration) string {
	if left <= 0 {
		return "certificate expired"
	}
	switch days := int(left / (24 * time.Hour)); days {
	case 0:
		return "certificate expires in less than a day"
	case 1:
		return "certificate expires in 1 day"
	default:
		return "certificate expires in " + strconv.Itoa(days) + " days"
	}
}
