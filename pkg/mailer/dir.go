package mailer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wneessen/go-mail"
)

// Dir writes each message as an .eml file into a folder: the delivery
// when no SMTP server is configured, so the whole flow can be tried on a
// fresh machine.
type Dir struct {
	path string
}

// NewDir creates the folder if needed.
func NewDir(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("mailer: create %s: %w", path, err)
	}
	return &Dir{path: path}, nil
}

// Path is the folder mails go into.
func (d *Dir) Path() string { return d.path }

// Send writes m to <folder>/<Message-ID>.eml through a temporary file and
// a rename, so a reader never sees half a mail and sending the same
// message again replaces the file instead of adding one.
func (d *Dir) Send(_ context.Context, m *mail.Msg) error {
	name := fileName(m.GetMessageID())
	tmp, err := os.CreateTemp(d.path, ".tmp-*")
	if err != nil {
		return fmt.Errorf("mailer: write mail: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := m.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("mailer: write mail: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("mailer: write mail: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mailer: write mail: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(d.path, name)); err != nil {
		return fmt.Errorf("mailer: write mail: %w", err)
	}
	return nil
}

// Close does nothing: there is no connection.
func (d *Dir) Close() error { return nil }

// fileName turns a Message-ID into a safe file name.
func fileName(id string) string {
	id = strings.Trim(id, "<>")
	if id == "" {
		id = "mail"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == '@':
			return r
		}
		return '_'
	}, id) + ".eml"
}
