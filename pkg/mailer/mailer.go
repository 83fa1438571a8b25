// Package mailer delivers composed messages: over SMTP on one connection
// kept open across messages, or, when no server is configured, as .eml
// files in a folder. It tells the failures apart that a sender handles
// differently: a server out of reach, a message deferred, a message or an
// address refused for good.
package mailer

import (
	"errors"

	"github.com/wneessen/go-mail"
)

// Failure classes of a send error.
const (
	// Unreachable: no answer from the server (connection refused or
	// broken, a timeout). Nothing is wrong with the message: wait for the
	// server, then send it again.
	Unreachable = iota
	// Temporary: the server deferred this message (4xx); retry it later.
	Temporary
	// Permanent: the server will never take this message (5xx after the
	// recipient was accepted, such as a rejected body); the address is
	// fine.
	Permanent
	// Bounce: the server permanently refused the recipient address (5xx
	// to RCPT TO).
	Bounce
)

// Classify sorts a Send error. A 5xx to MAIL FROM concerns the sender,
// the same for every message, so it is Temporary: fixing the settings
// must not have cost every subscriber their mail.
func Classify(err error) int {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return Unreachable
	}
	code := se.ErrorCode()
	switch {
	case code == 0:
		return Unreachable
	case code < 500 || code > 599 || se.IsTemp():
		return Temporary
	}
	switch se.Reason {
	case mail.ErrSMTPRcptTo:
		return Bounce
	case mail.ErrSMTPData, mail.ErrSMTPDataClose:
		return Permanent
	}
	return Temporary
}
