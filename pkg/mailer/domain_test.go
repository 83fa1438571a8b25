package mailer

import "testing"

func TestSenderDomain(t *testing.T) {
	for in, want := range map[string]string{
		"Example Status <status@example.com>": "example.com",
		"status@mail.example.org":             "mail.example.org",
		"nonsense":                            "localhost",
	} {
		if got := SenderDomain(in); got != want {
			t.Errorf("SenderDomain(%q) = %q, want %q", in, got, want)
		}
	}
}
