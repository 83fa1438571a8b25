package mailer

import (
	"net/mail"
	"strings"
)

// SenderDomain is the domain of a sender address, for the Message-IDs of
// the mails sent from it ("localhost" when it has none).
func SenderDomain(from string) string {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return "localhost"
	}
	_, d, ok := strings.Cut(a.Address, "@")
	if !ok || d == "" {
		return "localhost"
	}
	return d
}
