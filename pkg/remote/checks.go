package remote

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/ampelstatus/ampel/pkg/agent"
	"github.com/ampelstatus/ampel/pkg/config"
)

// zoneChecks is one zone's check list, encoded once as gzipped JSON. Only
// that is kept: at 100,000 checks the JSON is 29 MiB, gzipped about a
// twentieth of it, and the decoded list would hold about 90 MB more.
type zoneChecks struct {
	gz   []byte
	etag string
}

// checkZone is a check in one of the remote zones it runs in.
type checkZone struct{ check, zone string }

// buildZoneChecks lists, for every remote zone, the checks that run in
// it, and returns each check in each remote zone as runs.
// Secrets kept in files on the server (bearer_token_file,
// basic_auth.password_file) are read here and sent inline: the paths mean
// nothing on the agent's host, and the agent API is authenticated. TLS
// files (ca_file, cert_file, key_file) are not sent: they are read on the
// agent's host at the same path, so private keys never travel.
func buildZoneChecks(cfg *config.Config) (map[string]zoneChecks, map[checkZone]bool, error) {
	out, runs := map[string]zoneChecks{}, map[checkZone]bool{}
	for _, z := range cfg.Zones {
		if z.Kind != "remote" {
			continue
		}
		list := agent.Checks{Zone: z.Name, Checks: []config.Check{}}
		for _, comp := range cfg.Components {
			for _, chk := range comp.Checks {
				if !runsIn(chk, z.Name) {
					continue
				}
				c, err := inlineSecrets(chk)
				if err != nil {
					return nil, nil, err
				}
				c.Zones = []string{z.Name}
				list.Checks = append(list.Checks, c)
				runs[checkZone{chk.Name, z.Name}] = true
			}
		}
		body, err := json.Marshal(list)
		if err != nil {
			return nil, nil, fmt.Errorf("encode checks of zone %s: %w", z.Name, err)
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		zw.Write(body)
		if err := zw.Close(); err != nil {
			return nil, nil, fmt.Errorf("compress checks of zone %s: %w", z.Name, err)
		}
		sum := sha256.Sum256(body)
		// Weak: the same list is served gzipped or not, and If-None-Match
		// compares weakly.
		out[z.Name] = zoneChecks{gz: bytes.Clone(gz.Bytes()), etag: `W/"` + hex.EncodeToString(sum[:16]) + `"`}
	}
	return out, runs, nil
}

func runsIn(chk config.Check, zone string) bool {
	for _, z := range chk.Zones {
		if z == zone {
			return true
		}
	}
	return false
}

// inlineSecrets returns a copy of chk whose secret files are read into the
// settings themselves.
func inlineSecrets(chk config.Check) (config.Check, error) {
	if chk.HTTP == nil {
		return chk, nil
	}
	h := *chk.HTTP
	if h.BearerTokenFile != "" {
		s, err := readSecret(h.BearerTokenFile)
		if err != nil {
			return chk, fmt.Errorf("check %s: http.bearer_token_file: %w", chk.Name, err)
		}
		h.BearerToken, h.BearerTokenFile = config.Secret(s), ""
	}
	if h.BasicAuth != nil && h.BasicAuth.PasswordFile != "" {
		b := *h.BasicAuth
		s, err := readSecret(b.PasswordFile)
		if err != nil {
			return chk, fmt.Errorf("check %s: http.basic_auth.password_file: %w", chk.Name, err)
		}
		b.Password, b.PasswordFile = config.Secret(s), ""
		h.BasicAuth = &b
	}
	chk.HTTP = &h
	return chk, nil
}

func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// Checks returns the check list of zone as gzipped JSON, and its ETag.
func (r *Receiver) Checks(zone string) (gz []byte, etag string, err error) {
	zc, ok := r.checks[zone]
	if !ok {
		return nil, "", refuse(http.StatusForbidden, "zone", "zone %q is not a remote zone of this server", zone)
	}
	return zc.gz, zc.etag, nil
}
