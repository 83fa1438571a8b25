package store

import (
	"strings"
	"testing"
)

func TestCheckPostgresDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://ampel:pw@db.example.com:5432/ampel?sslmode=verify-full",
		"host=db.example.com port=5432 user=ampel password=pw dbname=ampel",
		"postgresql:///ampel?host=/run/postgresql",
	} {
		if err := CheckPostgresDSN(dsn); err != nil {
			t.Errorf("CheckPostgresDSN(%q) = %v, want nil", dsn, err)
		}
	}
	for _, dsn := range []string{
		"",
		"postgres://ampel:s3cret@db.example.com:notaport/ampel",
		"host=db.example.com password=s3cret sslmode=sometimes",
		"postgres://ampel:s3cret@db.example.com/ampel?connect_timeout=soon",
	} {
		err := CheckPostgresDSN(dsn)
		if err == nil {
			t.Errorf("CheckPostgresDSN(%q) = nil, want an error", dsn)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("CheckPostgresDSN(%q) = %v: shows the password", dsn, err)
		}
	}
}
